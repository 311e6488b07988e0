"""LiveAgent's error envelope, for every error, in the format the path asks for:

{"response": {"status": "ERROR", "statuscode": <HTTP status>, "errormessage": "...", "debugmessage": ""}}

``debugmessage`` carries at most the name of the parameter at fault (reference §1, "Errors"). Bad input is a
400, never a 5xx: a 500 is left to Django (``helpdesk.dialects.handler500``) for real faults only."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousFileOperation, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from helpdesk.errors import NotAllowed, NotFound
from liveagent.plumbing.renderers import format_from_path, render

logger = logging.getLogger(__name__)

STATUS_MESSAGES = {
    400: "Bad request.",
    401: "Wrong or missing API key.",
    403: "Not allowed for this API key.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    429: "Too many requests.",
    500: "Internal server error.",
    503: "Service unavailable.",
}


def error_envelope(status: int, message: str | None = None, debug: str = "") -> dict[str, Any]:
    return {
        "response": {
            "status": "ERROR",
            "statuscode": status,
            "errormessage": message or STATUS_MESSAGES.get(status, "Error."),
            "debugmessage": debug,
        }
    }


def error_http_response(path: str, status: int, message: str | None = None, debug: str = "") -> HttpResponse:
    """The envelope outside DRF (request guards, unknown routes, 500s), in the format of ``path``."""
    body, content_type = render(error_envelope(status, message, debug), format_from_path(path))
    return HttpResponse(body, status=status, content_type=content_type)


class InvalidParameter(exceptions.APIException):
    """A request parameter the operation cannot take: 400, naming the parameter in ``debugmessage``."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class UnusableApiKey(exceptions.APIException):
    """A key that exists but may not be used (revoked, its user disabled): LiveAgent's 400 "problem with the
    API key", where a key that matches nothing is a 401."""

    status_code = 400
    default_code = "unusable_api_key"


# The core's error kinds (helpdesk.errors), mapped here once. A refused input (Invalid, and Conflict, a
# duplicate name) is a 400 like any other bad input (reference §1), naming its parameter (invalid_parameter).
_DOMAIN_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (NotAllowed, 403),
)


def _domain_status(exc: Exception) -> int | None:
    return next((status for kind, status in _DOMAIN_STATUS if isinstance(exc, kind)), None)


def _first_error(detail: Any, path: str = "") -> tuple[str, str]:
    """The first (parameter, message) of DRF's or Django's nested error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = "" if key in ("non_field_errors", "__all__") else str(key)
            return _first_error(value, f"{path}.{key}" if path and key else path or key)
    if isinstance(detail, list):
        for item in detail:
            if item:
                return _first_error(item, path)
        return path, ""
    return path, str(detail)


def _invalid(detail: Any) -> tuple[str, str]:
    parameter, message = _first_error(detail)
    return (f"{parameter}: {message}" if parameter else message), parameter


def _django_detail(exc: DjangoValidationError) -> Any:
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def _parameter(field: str, parameters: Mapping[str, str]) -> tuple[str, str]:
    """The request parameter behind the domain's field ``field`` (``helpdesk.errors``), by the longest mapped
    prefix, and the field renamed with it: ``{"custom_fields": "customfields"}`` maps
    ``custom_fields[1].value`` to ``("customfields", "customfields[1].value")``; unmapped names are kept."""
    for prefix in sorted(parameters, key=len, reverse=True):
        if field == prefix or field.startswith((f"{prefix}.", f"{prefix}[")):
            return parameters[prefix], parameters[prefix] + field[len(prefix) :]
    return field, field


def invalid_parameter(error: DjangoValidationError, parameters: Mapping[str, str] | None = None) -> "InvalidParameter":
    """A refused input (``helpdesk.errors.Invalid`` or any ``ValidationError``) as a 400 naming the request
    parameter at fault in ``debugmessage`` and the place inside it in the message (``parameters`` maps the
    domain's field names to the operation's where they differ)."""
    field, message = _first_error(_django_detail(error))
    if not field:
        return InvalidParameter("", message)
    parameter, place = _parameter(field, parameters or {})
    return InvalidParameter(parameter, f"{place}: {message}")


@contextmanager
def service_errors_at(parameters: Mapping[str, str]) -> Iterator[None]:
    """Answers a refused input raised inside with the operation's parameter names (``invalid_parameter``);
    ``NotFound`` and ``NotAllowed`` pass through to the handler, whose 404 and 403 need no names."""
    try:
        yield
    except DjangoValidationError as error:
        raise invalid_parameter(error, parameters) from None


def _answer(status: int, message: str | None = None, debug: str = "", headers: dict | None = None) -> Response:
    return Response(error_envelope(status, message, debug), status=status, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # A non-atomic view (LiveAgentView.atomic = False) holds no request transaction to roll back: its
    # services open their own.
    atomic = getattr(context.get("view"), "atomic", True)
    response = _response(exc)
    if response is not None and atomic:
        set_rollback()
    return response


def _response(exc: Exception) -> Response | None:
    if isinstance(exc, DjangoValidationError):  # helpdesk.errors.Invalid and Conflict among them
        exc = invalid_parameter(exc)
    elif (status := _domain_status(exc)) is not None:
        return _answer(status, str(exc) or None, getattr(exc, "parameter", "") or "")
    if isinstance(exc, Http404):
        return _answer(404)
    if isinstance(exc, DjangoPermissionDenied):
        return _answer(403, str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        return _answer(413)
    if isinstance(exc, SuspiciousFileOperation):  # a file name that is a path: its text names server paths
        return _answer(400, "The request was refused as unsafe.")
    if isinstance(exc, SuspiciousOperation):  # too many fields, a malformed multipart body...
        return _answer(400, str(exc) or None)
    if isinstance(exc, IntegrityError):
        # Checks run first; what still reaches a unique constraint lost a race with another request.
        logger.info("Integrity conflict answered 400: %s", exc)
        return _answer(400, "Conflict with a concurrent change; nothing was written.")
    if not isinstance(exc, exceptions.APIException):
        return None  # a real fault: Django logs it and helpdesk.dialects.handler500 answers

    headers = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, InvalidParameter):
        return _answer(400, str(exc.detail), exc.parameter, headers)
    if isinstance(exc, exceptions.ValidationError):
        message, parameter = _invalid(exc.detail)
        return _answer(exc.status_code, message, parameter, headers)
    if isinstance(exc, exceptions.NotAuthenticated):
        return _answer(exc.status_code, "Missing API key: send it as the apikey parameter or header.", "", headers)
    return _answer(exc.status_code, str(exc.detail) if isinstance(exc.detail, str) else None, "", headers)
