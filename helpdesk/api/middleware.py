import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

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


class RejectNullCharacters:
    """A query string with a NUL character gets a 400: PostgreSQL cannot store or even compare such text,
    so a search or filter with one would fail as a 500 (found by fuzzing). Form and JSON fields refuse NUL
    characters themselves (Django's and DRF's CharField validators)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                if not request.path.startswith("/api/"):
                    return HttpResponseBadRequest("Null characters are not allowed in the query string.")
                # The same error as a bad query parameter anywhere else in the API (helpdesk.api.errors).
                error = {"path": name.replace("\x00", ""), "message": "Null characters are not allowed."}
                return JsonResponse(error_body(400, errors=[{**error, "source": "JSON"}]), status=400)
        return self.get_response(request)
