"""The documented error shape for every 4xx:

{"message": "...", "errorCode": "...", "_embedded": {"errors": [{"path", "message", "rejectedValue"?, "source"}]}}
"""

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from helpdesk.errors import Conflict, NotAllowed, NotFound

logger = logging.getLogger(__name__)

_STATUS_TEXT = {
    400: ("Bad request", "BAD REQUEST"),
    401: ("Not Authorized", "NOT AUTHORIZED"),
    403: ("Forbidden", "FORBIDDEN"),
    404: ("Not found", "NOT FOUND"),
    405: ("Method not allowed", "METHOD NOT ALLOWED"),
    406: ("Not acceptable", "NOT ACCEPTABLE"),
    409: ("Conflict", "CONFLICT"),
    413: ("Request entity too large", "PAYLOAD TOO LARGE"),
    415: ("Unsupported media type", "UNSUPPORTED MEDIA TYPE"),
    429: ("Too many requests", "TOO MANY REQUESTS"),
    500: ("Internal server error", "INTERNAL SERVER ERROR"),
}


class _Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"
    default_code = "conflict"


# Exceptions whose DRF text only restates the status; they get the documented message instead.
_STOCK_MESSAGES = (
    exceptions.NotFound,
    exceptions.MethodNotAllowed,
    exceptions.NotAcceptable,
    exceptions.UnsupportedMediaType,
)


def error_body(status_code: int, errors: list[dict[str, Any]] | None = None, message: str | None = None) -> dict:
    default_message, code = _STATUS_TEXT.get(status_code, ("Error", "ERROR"))
    return {
        "message": message or default_message,
        "errorCode": code,
        "_embedded": {"errors": errors or []},
    }


def _flatten(detail: Any, path: str = "") -> list[tuple[str, str, str | None]]:
    """DRF's nested error detail as a flat list of (path, message, code), paths like "threads[0].text"."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            key = "" if key in ("non_field_errors", "__all__") else str(key)
            child = key if not path else (f"{path}[{key}]" if key.isdigit() else f"{path}.{key}" if key else path)
            errors += _flatten(value, child)
        return errors
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [(path, str(item), getattr(item, "code", None)) for item in detail]
        errors = []
        for index, item in enumerate(detail):
            if item:
                errors += _flatten(item, f"{path}[{index}]")
        return errors
    return [(path, str(detail), getattr(detail, "code", None))]


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()


def _value_at(data: Any, path: str) -> Any:
    """The value a request sent at ``path`` ("threads[0].type"), or _MISSING."""
    for name, index in _PATH_PART.findall(path):
        if index:
            if not isinstance(data, list) or int(index) >= len(data):
                return _MISSING
            data = data[int(index)]
        elif hasattr(data, "get") and not isinstance(data, (str, list)):
            data = data.get(name, _MISSING)
            if data is _MISSING:
                return _MISSING
        else:
            return _MISSING
    return data


def _rejected_value(request, path: str) -> Any:
    if request is None or not path:
        return _MISSING
    if path in request.query_params:  # e.g. "assignTo[3]", a bracketed query parameter name
        return request.query_params.get(path)
    top = path.split(".", 1)[0].split("[", 1)[0]
    if top in request.query_params:
        return request.query_params.get(top) if top == path else _MISSING
    try:
        data = request.data
    except Exception:  # the body itself was the problem: nothing to quote
        return _MISSING
    value = _value_at(data, path)
    return value if value is None or isinstance(value, (str, int, float, bool)) else _MISSING


_SEGMENT_ENDS = re.compile(r"[.\[]")


def request_path(field: str, paths: Mapping[str, str]) -> str:
    """The request's path for a field a domain error names: the longest key of ``paths`` that is the field,
    or the start of it up to a ``.`` or ``[``, replaced by its value; the field itself when none is. So
    ``{"threads[0]": "threads[2]"}`` turns ``threads[0].customer.email`` into ``threads[2].customer.email``."""
    for end in [len(field), *reversed([match.start() for match in _SEGMENT_ENDS.finditer(field)])]:
        if field[:end] in paths:
            return paths[field[:end]] + field[end:]
    return field


DomainError = DjangoValidationError | NotFound | NotAllowed


def service_errors(error: DomainError, paths: Mapping[str, str] | None = None) -> exceptions.APIException:
    """FreeScout's answer to a domain error (``helpdesk.errors``), the one place that decides it: a
    ``Conflict`` is a 409 with its message, ``NotFound`` a 404, ``NotAllowed`` a 403, any other
    ``ValidationError`` a 400 with its fields at the request's paths (``request_path``; ``paths`` maps the
    domain's names to the request's where they differ)."""
    if isinstance(error, Conflict):
        return _Conflict(" ".join(error.messages))
    if isinstance(error, NotFound):
        return exceptions.NotFound()
    if isinstance(error, NotAllowed):
        return exceptions.PermissionDenied(str(error) or None)
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.messages)
    return exceptions.ValidationError(
        {request_path(field, paths or {}): messages for field, messages in error.message_dict.items()}
    )


@contextmanager
def service_errors_at(paths: Mapping[str, str]) -> Iterator[None]:
    """Answers a domain error raised inside with ``service_errors(error, paths)``; where a view needs no
    paths, the exception handler answers it alike."""
    try:
        yield
    except DjangoValidationError as error:
        raise service_errors(error, paths) from None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError | NotFound | NotAllowed):
        exc = service_errors(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body(413), status=413)
    elif isinstance(exc, SuspiciousOperation):
        # A file name that is a path ("..", "a/../../b") refused by the storage, a malformed multipart body:
        # Django would answer its own HTML 400. Its text may name a server path: not quoted.
        set_rollback()
        return Response(error_body(400, message="The request was refused as unsafe."), status=400)
    elif isinstance(exc, IntegrityError):
        # Validation runs first; what still reaches a unique constraint lost a race with another request.
        logger.info("Integrity conflict answered 409: %s", exc)
        set_rollback()
        return Response(error_body(409, message="Conflict with a concurrent change; nothing was written."), status=409)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    headers = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))

    if isinstance(exc, exceptions.ValidationError):
        request = context.get("request")
        errors = []
        for path, message, code in _flatten(exc.detail):
            error: dict[str, Any] = {"path": path, "message": message}
            if code not in ("required", "null", "blank"):
                value = _rejected_value(request, path)
                if value is not _MISSING:
                    error["rejectedValue"] = value
            error["source"] = "JSON"
            errors.append(error)
        body = error_body(exc.status_code, errors)
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        body = error_body(401)
    else:
        # DRF's stock texts ("Not found.", 'Method "POST" not allowed.') give way to the documented ones;
        # a message a view chose on purpose (why a permission was denied, a parse error) is kept.
        detail = str(exc.detail) if isinstance(exc.detail, str) else ""
        stock = isinstance(exc, _STOCK_MESSAGES) or detail == str(exc.default_detail)
        body = error_body(exc.status_code, message=None if stock or not detail else detail)
    return Response(body, status=exc.status_code, headers=headers)
