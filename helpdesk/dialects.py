"""Which API dialect answers a request, chosen by its URL prefix.

``settings.HELPDESK_API_DIALECTS`` maps a path prefix to the dotted path of a ``Dialect`` object, which each
dialect app provides (``freescout.dialect``, ``liveagent.dialect``); other paths under the admin get the
admin's own error pages (``helpdesk.error_pages``). What happens before a view runs, the
request guards below and Django's 403, 404 and 500 handlers, asks the dialect for its error shape; this module
imports no app, so a third dialect is one more entry in that setting.
"""

import functools
import logging
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.module_loading import import_string
from django.views import defaults

from helpdesk.error_pages import admin_error_page, is_admin_path

logger = logging.getLogger(__name__)


class Dialect(Protocol):
    def error_response(
        self, request: HttpRequest, status: int, *, message: str | None = None, parameter: str | None = None
    ) -> HttpResponse:
        """An error in the dialect's shape; ``parameter`` names the request parameter at fault."""
        ...

    def max_body_bytes(self, request: HttpRequest) -> int:
        """The largest request body this request may carry."""
        ...


@functools.cache
def _dialects(entries: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Dialect], ...]:
    # Longest prefix first, so that a dialect may live under another's prefix.
    return tuple((prefix, import_string(path)) for prefix, path in sorted(entries, key=lambda e: -len(e[0])))


def dialect_for(path: str) -> Dialect | None:
    for prefix, dialect in _dialects(tuple(settings.HELPDESK_API_DIALECTS.items())):
        if path.startswith(prefix):
            return dialect
    return None


# The longest value a query parameter of an API may carry. SQLite refuses LIKE patterns over 50,000 bytes
# (a 50,001-character subject filter was a 500): 4,000 characters stay below that in any script, escapes
# included, and far above any real filter.
MAX_QUERY_VALUE_CHARS = 4_000


class ApiRequestGuard:
    """Refuses, before any view runs and in the dialect's error shape: a body larger than the dialect
    allows for the request (413, OWASP API4), a path or query string with a NUL character (400: PostgreSQL
    can neither store nor compare such text, so a search with one would fail as a 500; found by fuzzing), and an
    API query value longer than ``MAX_QUERY_VALUE_CHARS`` (400). JSON bodies refuse NUL characters in their
    parser (``helpdesk.json_parser``), LiveAgent's form bodies in ``request_params``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        dialect = dialect_for(request.path)
        if dialect is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = dialect.max_body_bytes(request)
            if length > limit:
                return dialect.error_response(request, 413, message=f"Request body larger than {limit} bytes.")
        if "\x00" in request.path:  # a %00 in a path parameter
            if dialect is None:
                return HttpResponseBadRequest("Null characters are not allowed in the path.")
            return dialect.error_response(request, 400, message="Null characters are not allowed in the path.")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                if dialect is None:
                    return HttpResponseBadRequest("Null characters are not allowed in the query string.")
                return dialect.error_response(
                    request, 400, message="Null characters are not allowed.", parameter=name.replace("\x00", "")
                )
            if dialect is not None and any(len(value) > MAX_QUERY_VALUE_CHARS for value in values):
                return dialect.error_response(
                    request, 400, message=f"Longer than {MAX_QUERY_VALUE_CHARS} characters.", parameter=name
                )
        return self.get_response(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """What Django answers a ``SuspiciousOperation`` raised outside a dialect's exception handler (a file name
    that is a path, a malformed multipart body): in the dialect's shape on its routes."""
    dialect = dialect_for(request.path)
    if dialect is not None:
        # The exception's text may name a server path: not quoted.
        return dialect.error_response(request, 400, message="The request was refused as unsafe.")
    return defaults.bad_request(request, exception or SuspiciousOperation())


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    dialect = dialect_for(request.path)
    if dialect is not None:
        return dialect.error_response(request, 403)
    if is_admin_path(request.path):
        return admin_error_page(request, 403)
    return defaults.permission_denied(request, exception or PermissionDenied())


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    dialect = dialect_for(request.path)
    if dialect is not None:
        return dialect.error_response(request, 404)
    if is_admin_path(request.path):
        return admin_error_page(request, 404)
    return defaults.page_not_found(request, exception or Http404())


def handler500(request: HttpRequest) -> HttpResponse:
    dialect = dialect_for(request.path)
    if dialect is None:
        return defaults.server_error(request)
    logger.error("Unhandled error on %s %s", request.method, request.path)
    return dialect.error_response(request, 500)
