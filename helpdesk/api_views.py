"""What both API dialects' base views share below their conventions."""

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from rest_framework.response import Response


class ResponseReleasing:
    """A DRF view keeps its response (``self.response``) and the response keeps the view (its renderer
    context): a cycle, so a response's data (a page of payloads: thousands of dicts with embedded threads)
    outlived its request until a generation-1 collection walked it. Once the response is rendered the view
    lets go of it, and reference counting frees the data with the response."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response):
            response.add_post_render_callback(self._response_forgotten)
        return response

    def _response_forgotten(self, response: Response) -> None:
        self.__dict__.pop("response", None)
