import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from helpdesk.api.errors import error_body

# Only these requests carry attachments (base64 in the JSON body); every other API request is small.
_ATTACHMENT_ROUTES = re.compile(r"^/api/conversations(/[0-9]+/threads)?/?$")


class ApiRequestSizeLimit:
    """Refuses oversized API bodies up front with 413 in the API's error shape (OWASP API4)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            attachments = request.method == "POST" and _ATTACHMENT_ROUTES.match(request.path)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if attachments else settings.HELPDESK_MAX_JSON_BYTES
            if length > limit:
                body = error_body(413, message=f"Request body larger than {limit} bytes.")
                return JsonResponse(body, status=413)
        return self.get_response(request)
