"""The LiveAgent API as ``helpdesk.dialects`` sees it: its error shape and its body limits, for what is
answered before a view runs (oversized bodies, NUL characters, unknown paths, server errors)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from liveagent.plumbing.errors import error_http_response


class LiveAgentDialect:
    def error_response(
        self, request: HttpRequest, status: int, *, message: str | None = None, parameter: str | None = None
    ) -> HttpResponse:
        return error_http_response(request.path, status, message, parameter or "")

    def max_body_bytes(self, request: HttpRequest) -> int:
        # POST bodies may carry files (POST /files with base64 data, multipart uploads); the rest is small.
        if request.method == "POST":
            return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return settings.HELPDESK_MAX_JSON_BYTES


LIVEAGENT = LiveAgentDialect()
