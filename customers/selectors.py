"""Reads of customers."""

from django.db.models import Prefetch, QuerySet

from customers.models import Customer, CustomerEmail, CustomerField


def customers_for_output(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """Loads what ``customer_payload`` shows in a constant number of queries."""
    return queryset.select_related("company").prefetch_related(
        Prefetch("emails", queryset=CustomerEmail.objects.order_by("id")),
        "phones",
        "social_profiles",
        "websites",
        "field_values",
    )


def customer_fields_all() -> list[CustomerField]:
    return list(CustomerField.objects.order_by("sort_order", "id"))


def customer_emails_taken(*, emails: list[str]) -> set[str]:
    """Which of these (normalised) addresses already belong to a customer."""
    return set(CustomerEmail.objects.filter(email__in=emails).values_list("email", flat=True))
