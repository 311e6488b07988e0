"""Query-string parameters shared by the list endpoints."""

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def positive_id(name: str, raw: str) -> int:
    """``raw`` as an id (a whole number ≥ 1), else a 400 with ``name`` as its path."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: ["Expected a whole number of at least 1."]}, code="invalid")
    return int(raw)


def id_param(request: Request, name: str) -> int | None:
    """The id in query parameter ``name``; absent or empty is None."""
    raw = request.query_params.get(name, "").strip()
    return None if raw == "" else positive_id(name, raw)
