"""The FreeScout API's customer endpoints, and the customer field definitions (an admin-only extension).

FreeScout has one global key that sees every customer; here a key belongs to a user, and a regular user's key
sees the customers of ``customers_visible_through_api`` (one with a conversation in one of its mailboxes, or
with none at all), the rule the LiveAgent dialect follows too. Any other customer is unknown: 404 to reads
and writes (``get_customer``), absent from the list and its searches. An admin's key sees every customer,
as FreeScout's does."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import services
from customers.models import Customer, CustomerField
from customers.selectors import customers_visible_through_api
from freescout.customers.filters import CustomerFilter
from freescout.customers.inputs import (
    ERROR_PATHS,
    CustomerCreateInput,
    CustomerFieldInput,
    CustomerFieldValuesInput,
    CustomerUpdateInput,
)
from freescout.customers.payloads import customer_payload_by_id, customer_payloads
from freescout.payloads import field_definition_payload
from freescout.plumbing.authentication import api_user
from freescout.plumbing.errors import service_errors_at
from freescout.plumbing.permissions import IsAdmin, IsAuthenticatedOrPreflight
from freescout.plumbing.views import ApiViewSet


class CustomerViewSet(ApiViewSet):
    hal_name = "customers"
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilter

    def get_queryset(self) -> QuerySet[Customer]:
        return customers_visible_through_api(user=api_user(self.request))

    def get_customer(self) -> Customer:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        customers = self.filter_queryset(self.get_queryset()).select_related("company")
        return self.paginated_batch(customers, customer_payloads)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(customer_payload_by_id(self.get_customer().pk))

    def create(self, request: Request) -> Response:
        given = CustomerCreateInput(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_at(ERROR_PATHS):
            customer = services.customer_create_unless_known(**given.service_kwargs())
        return self.created(customer_payload_by_id(customer.pk))

    def update(self, request: Request, pk: str) -> Response:
        customer = self.get_customer()
        given = CustomerUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_at(ERROR_PATHS):
            services.customer_update(customer=customer, **given.service_kwargs())
        return self.no_content()

    @action(detail=True, methods=["put"], url_path="customer_fields")
    def customer_fields(self, request: Request, pk: str) -> Response:
        customer = self.get_customer()
        given = CustomerFieldValuesInput(data=request.data)
        given.is_valid(raise_exception=True)
        values = [(item["id"], item["value"]) for item in given.validated_data["customerFields"]]
        with service_errors_at({"customer_fields": "customerFields"}):
            services.customer_field_values_set(customer=customer, values=values)
        return self.no_content()


class CustomerFieldViewSet(ApiViewSet):
    """Extension: the customer field definitions, so that an installation can be set up by script."""

    hal_name = "customer_fields"
    permission_classes = [IsAuthenticatedOrPreflight, IsAdmin]
    paths = {"sort_order": "sortOrder"}

    def get_queryset(self) -> QuerySet[CustomerField]:
        return CustomerField.objects.order_by("sort_order", "id")

    def list(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), field_definition_payload)

    def create(self, request: Request) -> Response:
        given = CustomerFieldInput(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors_at(self.paths):
            field = services.customer_field_create(**given.service_kwargs())
        return self.created(field_definition_payload(field))

    def update(self, request: Request, pk: str) -> Response:
        field = get_object_or_404(self.get_queryset(), pk=pk)
        given = CustomerFieldInput(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        with service_errors_at(self.paths):
            services.customer_field_update(field=field, **given.service_kwargs())
        return self.no_content()

    def destroy(self, request: Request, pk: str) -> Response:
        services.customer_field_delete(field=get_object_or_404(self.get_queryset(), pk=pk))
        return self.no_content()
