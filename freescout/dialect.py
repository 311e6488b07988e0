"""The FreeScout API as ``helpdesk.dialects`` sees it: its error shape and its body limits, for what is
answered before a view runs (oversized bodies, NUL characters, unknown paths, server errors)."""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from freescout.plumbing.errors import error_body

# Only these requests carry attachments (base64 in the JSON body); every other API request is small.
_ATTACHMENT_ROUTES = re.compile(r"^/api/conversations(/[0-9]+/threads)?/?$")


class FreeScoutDialect:
    def error_response(
        self, request: HttpRequest, status: int, *, message: str | None = None, parameter: str | None = None
    ) -> HttpResponse:
        if parameter is not None:
            # The same error as a bad query parameter anywhere else in the API (freescout.plumbing.errors).
            error = {"path": parameter, "message": message or "Invalid value.", "source": "JSON"}
            return JsonResponse(error_body(status, errors=[error]), status=status)
        return JsonResponse(error_body(status, message=message), status=status)

    def max_body_bytes(self, request: HttpRequest) -> int:
        if request.method == "POST" and _ATTACHMENT_ROUTES.match(request.path):
            return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return settings.HELPDESK_MAX_JSON_BYTES


FREESCOUT = FreeScoutDialect()
