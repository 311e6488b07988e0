"""``GET /api/customers`` parameters (freescout-behaviour.md §3). Filters AND together; every sort breaks
ties by id in the same direction, so paging is stable.

``firstName`` and ``lastName`` match the whole name, ignoring case: the docs send clients to this list to
check whether a customer "with same firstName, lastName and phone" exists before creating one, which is an
equality test (FreeScout compares with ``=`` under MySQL's case-insensitive collation)."""

import django_filters
from django.db.models import QuerySet
from django.db.models.functions import Lower
from rest_framework.exceptions import ValidationError

from customers.models import Customer, CustomerEmail, CustomerPhone
from customers.services import phone_digits
from freescout.plumbing.params import sort_ordering

SORT_FIELDS = {
    "createdAt": "created_at",
    "firstName": Lower("first_name"),
    "lastName": Lower("last_name"),
    "updatedAt": "updated_at",
}


class CustomerFilter(django_filters.FilterSet):
    firstName = django_filters.CharFilter(method="filter_name", field_name="first_name")
    lastName = django_filters.CharFilter(method="filter_name", field_name="last_name")
    phone = django_filters.CharFilter(method="filter_phone")
    email = django_filters.CharFilter(method="filter_email")
    updatedSince = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Customer
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Customer]:
        return super().qs.order_by(*sort_ordering(self.data, SORT_FIELDS))

    def filter_name(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        # Lower() on both sides uses the customer_first_name / customer_last_name indexes.
        return qs.alias(**{f"{name}_lower": Lower(name)}).filter(**{f"{name}_lower": value.lower()})

    def filter_phone(self, qs, name, value):
        digits = phone_digits(value)
        if not digits:
            raise ValidationError({"phone": ["Expected a phone number."]}, code="invalid")
        return qs.filter(pk__in=CustomerPhone.objects.filter(digits__contains=digits).values("customer_id"))

    def filter_email(self, qs, name, value):
        return qs.filter(pk__in=CustomerEmail.objects.filter(email=value.strip().lower()).values("customer_id"))
