"""Query-string parameters shared by the list endpoints."""

from django.db.models.expressions import BaseExpression
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

# The largest id the databases store (a signed 64-bit integer); larger numbers are refused before a query,
# which could not even compare them (SQLite raises OverflowError).
MAX_ID = 2**63 - 1
# An id in a URL. A longer one is no row of ours: the router answers 404 without asking the database.
ID_PATTERN = r"[0-9]{1,18}"


def positive_id(name: str, raw: str) -> int:
    """``raw`` as an id (a whole number ≥ 1), else a 400 with ``name`` as its path."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise ValidationError({name: ["Expected a whole number of at least 1."]}, code="invalid")
    return int(raw)


def id_param(request: Request, name: str) -> int | None:
    """The id in query parameter ``name``; absent or empty is None."""
    raw = request.query_params.get(name, "").strip()
    return None if raw == "" else positive_id(name, raw)


def expected_one_of(choices) -> str:
    """The docs' wording for an unknown enum value: "Expected one of these: 'a', 'b'"."""
    return "Expected one of these: " + ", ".join(f"'{choice}'" for choice in choices)


def param_error(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]}, code="invalid")


def sort_param(params, fields: dict, *, default: str = "createdAt") -> tuple[str | BaseExpression, bool]:
    """``sortField``/``sortOrder`` (desc by default): ``(fields[sortField], descending)``, ``fields``
    mapping API names to a column name or an expression."""
    field = params.get("sortField") or default
    order = (params.get("sortOrder") or "desc").lower()
    if field not in fields:
        raise param_error("sortField", expected_one_of(fields))
    if order not in ("asc", "desc"):
        raise param_error("sortOrder", expected_one_of(["asc", "desc"]))
    return fields[field], order == "desc"


def sort_ordering(params, fields: dict, *, default: str = "createdAt") -> list:
    """``sort_param`` as an ``order_by`` list; ties go by id in the same direction, so paging is stable."""
    column, descending = sort_param(params, fields, default=default)
    if isinstance(column, str):
        return [f"-{column}" if descending else column, "-id" if descending else "id"]
    return [column.desc() if descending else column.asc(), "-id" if descending else "id"]
