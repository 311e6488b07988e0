from collections.abc import Callable

from django.db import transaction
from rest_framework import viewsets
from rest_framework.response import Response

from helpdesk.api.params import ID_PATTERN


class ApiViewSet(viewsets.GenericViewSet):
    """Base of the FreeScout API's viewsets: HAL lists (``hal_name``), 201 with ``Resource-ID`` and the
    entity, 204 for updates and deletes; ids in URLs are ``ID_PATTERN``."""

    hal_name = ""
    lookup_value_regex = ID_PATTERN

    def paginated(self, queryset, to_payload: Callable[[object], dict]) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([to_payload(item) for item in page])

    def paginated_batch(self, queryset, to_payloads: Callable[[list], list[dict]]) -> Response:
        """Like ``paginated``, for payloads built a page at a time (related rows loaded once per page)."""
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(to_payloads(page))

    @staticmethod
    def created(payload: dict) -> Response:
        return Response(payload, status=201, headers={"Resource-ID": str(payload["id"])})

    @staticmethod
    def no_content() -> Response:
        return Response(status=204)


class NonAtomicApiViewSet(ApiViewSet):
    """For endpoints that fetch URLs before writing: no transaction is held open (on SQLite it would hold
    the write lock) while a download runs; the writes open their own transaction."""

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(actions, **initkwargs))
