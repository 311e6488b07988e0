from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api_views import ResponseReleasing
from helpdesk.models import User
from liveagent.plumbing.authentication import ApiKeyAuthentication
from liveagent.plumbing.errors import exception_handler
from liveagent.plumbing.paging import Page, page_from
from liveagent.plumbing.parsers import PARSERS, request_params
from liveagent.plumbing.permissions import HasApiKey
from liveagent.plumbing.renderers import JsonRenderer, SuffixNegotiation, XmlRenderer, YamlRenderer


class LiveAgentView(ResponseReleasing, APIView):
    """Base of the LiveAgent API v1 views, which sets its conventions (none live in global settings): the
    ``apikey`` from the parameters or a header; query + urlencoded + multipart + JSON parameters on every
    method (``params()``); JSON, XML or YAML by path suffix; everything, errors included, in the envelope
    ``{"response": {...}}``; 200 for every success (reference §1). Admin-only operations set
    ``permission_classes = [IsAdminKey]``; views with HTML fields name them in ``html_fields`` (CDATA in XML)."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    parser_classes = PARSERS
    renderer_classes = [JsonRenderer, XmlRenderer, YamlRenderer]
    content_negotiation_class = SuffixNegotiation
    throttle_classes = []
    versioning_class = None
    # No OPTIONS: CORS preflights are answered by corsheaders before any view, and DRF's method discovery
    # would answer outside the envelope.
    metadata_class = None
    http_method_names = ["get", "post", "put", "delete", "head"]
    # drf-spectacular documents the FreeScout API only.
    schema = None

    html_fields: ClassVar[frozenset[str]] = frozenset()
    # ATOMIC_REQUESTS wraps the view in a transaction, rolled back on any error answer.
    atomic: ClassVar[bool] = True

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler

    @property
    def user(self) -> User:
        """The key's user: every view but the public ones requires a key (``HasApiKey``)."""
        return cast(User, self.request.user)

    def params(self) -> dict[str, str]:
        """The query string and the body's fields, merged (the body wins), as strings."""
        return request_params(self.request)

    def page(
        self, *, default_limit: int, max_limit: int, limit_name: str = "limit", offset_name: str | None = "offset"
    ) -> Page:
        return page_from(
            self.params(),
            default_limit=default_limit,
            max_limit=max_limit,
            limit_name=limit_name,
            offset_name=offset_name,
        )

    @staticmethod
    def answer(fields: Mapping[str, Any]) -> Response:
        return Response({"response": dict(fields)})

    @staticmethod
    def ok() -> Response:
        """What actions answer."""
        return Response({"response": {"status": "OK", "statuscode": 0}})


class NonAtomicLiveAgentView(LiveAgentView):
    """For operations that fetch URLs before writing (#12 attachments, #31 ``downloadUrl``): no transaction
    is held open while a download runs (on SQLite it would hold the write lock); the services that write
    open their own."""

    atomic = False

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return transaction.non_atomic_requests(super().as_view(**initkwargs))
