"""Reads of customers."""

from django.db.models import Prefetch, QuerySet

from customers.models import Customer, CustomerEmail, CustomerField
from helpdesk.db import IdsRead

# A customer as pages show them (``email``: the first address added), by customer id (``rows_by_ids``;
# ``conversations.pages.CustomerShort``).
CUSTOMER_SHORT_READ = IdsRead(
    "c.id, c.first_name, c.last_name, c.photo_url,"
    " (SELECT e.email FROM customers_customeremail e WHERE e.customer_id = c.id ORDER BY e.id LIMIT 1)",
    "FROM customers_customer c WHERE c.id {ids}",
)


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


def customers_visible_to(*, user) -> QuerySet[Customer]:
    """Admins see every customer; agents those with a conversation in a mailbox they can access."""
    from conversations.selectors import conversations_visible_to

    if user.is_active and user.is_admin:
        return Customer.objects.all()
    return Customer.objects.filter(pk__in=conversations_visible_to(user=user).values("customer_id"))
