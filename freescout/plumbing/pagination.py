import math
from typing import Protocol

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Far past any last page, and small enough that the offset and the echoed number stay 64-bit integers.
MAX_PAGE = 2**31 - 1


def _positive_int(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError({name: ["Expected a whole number of at least 1."]}, code="invalid")
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"Expected a whole number of at most {maximum}."]}, code="invalid")
    return value


class Listing(Protocol):
    """What the paginator reads besides a QuerySet: a listing that reads its total with its page."""

    def page(self, offset: int, limit: int) -> tuple[int, list]: ...


class HalPagination(BasePagination):
    """FreeScout's list envelope: ``{"_embedded": {<name>: [...]}, "page": {size, totalElements,
    totalPages, number}}``. The view names the list with ``hal_name``. ``pageSize`` above the cap is
    clamped and ``page.size`` reports the size used; a page past the last one is an empty list."""

    def paginate_queryset(self, queryset: QuerySet | Listing, request: Request, view=None) -> list:
        self.name = view.hal_name
        self.number = _positive_int(request, "page", 1, maximum=MAX_PAGE)
        self.size = min(_positive_int(request, "pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        offset = (self.number - 1) * self.size
        if not isinstance(queryset, QuerySet):
            self.total, rows = queryset.page(offset, self.size)
            return rows
        self.total = queryset.count()
        return list(queryset[offset : offset + self.size]) if offset < self.total else []

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "_embedded": {self.name: data},
                "page": {
                    "size": self.size,
                    "totalElements": self.total,
                    "totalPages": max(1, math.ceil(self.total / self.size)),
                    "number": self.number,
                },
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["_embedded", "page"],
            "properties": {
                "_embedded": {"type": "object", "additionalProperties": schema},
                "page": {
                    "type": "object",
                    "required": ["size", "totalElements", "totalPages", "number"],
                    "properties": {k: {"type": "integer"} for k in ("size", "totalElements", "totalPages", "number")},
                },
            },
        }
