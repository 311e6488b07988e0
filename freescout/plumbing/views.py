from collections.abc import Callable
from typing import Any

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.response import Response

from freescout.plumbing.authentication import ApiKeyAuthentication
from freescout.plumbing.errors import exception_handler
from freescout.plumbing.metadata import ApiMetadata
from freescout.plumbing.pagination import HalPagination
from freescout.plumbing.params import ID_PATTERN
from freescout.plumbing.permissions import IsAuthenticatedOrPreflight
from freescout.plumbing.renderers import OrjsonRenderer
from freescout.schema.extensions import ApiAutoSchema
from helpdesk.api_views import ResponseReleasing
from helpdesk.json_parser import SafeJSONParser


class ApiViewSet(ResponseReleasing, viewsets.GenericViewSet):
    """Base of the FreeScout API's viewsets, which sets its conventions (none live in global settings): the
    key from its headers, Basic auth, query or JSON body; JSON in and out; HAL lists (``hal_name``); the
    documented error shape; 201 with ``Resource-ID`` and the entity, 204 for updates and deletes; ids in URLs
    are ``ID_PATTERN``."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticatedOrPreflight]
    renderer_classes = [OrjsonRenderer]
    parser_classes = [SafeJSONParser]
    metadata_class = ApiMetadata  # type: ignore[assignment]  # a class, as DRF takes it; the stubs say an instance
    filter_backends = [DjangoFilterBackend]
    pagination_class = HalPagination
    schema = ApiAutoSchema()

    hal_name = ""
    lookup_value_regex = ID_PATTERN

    def get_exception_handler(self):
        return exception_handler

    def paginated(self, queryset, to_payload: Callable[[Any], dict]) -> Response:
        page = self.paginate_queryset(queryset)
        assert page is not None  # HalPagination (``pagination_class``) always gives a page
        return self.get_paginated_response([to_payload(item) for item in page])

    def paginated_batch(self, queryset, to_payloads: Callable[[list], list[dict]]) -> Response:
        """Like ``paginated``, for payloads built a page at a time (related rows loaded once per page)."""
        page = self.paginate_queryset(queryset)
        assert page is not None  # HalPagination (``pagination_class``) always gives a page
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
