"""Reads of customers."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from customers.models import (
    Company,
    Customer,
    CustomerEmail,
    CustomerField,
    CustomerFieldValue,
    CustomerPhone,
    CustomerSocialProfile,
    CustomerWebsite,
)
from helpdesk.db import IdsRead
from helpdesk.models import User

# A customer as pages show them (``email``: the first address added), by customer id (``rows_by_ids``;
# ``conversations.pages.CustomerShort``).
CUSTOMER_SHORT_READ = IdsRead(
    "c.id, c.first_name, c.last_name, c.photo_url,"
    " (SELECT e.email FROM customers_customeremail e WHERE e.customer_id = c.id ORDER BY e.id LIMIT 1)",
    "FROM customers_customer c WHERE c.id {ids}",
)


@dataclass
class CustomerDetails:
    """A customer's addresses, phones, profiles, websites (``(id, value, type)``, ``(id, value)``) and
    newest custom-field values by field id, oldest first as the API lists them."""

    emails: list[tuple[int, str, str]] = field(default_factory=list)
    phones: list[tuple[int, str, str]] = field(default_factory=list)
    social_profiles: list[tuple[int, str, str]] = field(default_factory=list)
    websites: list[tuple[int, str]] = field(default_factory=list)
    field_values: dict[int, str] = field(default_factory=dict)


def customer_details(*, customer_ids: list[int]) -> dict[int, CustomerDetails]:
    """By customer id, what ``customer_payload`` shows beyond the customer's row: one query per table for
    a whole page, read as plain rows (a prefetch built a related manager and a queryset per customer and
    table, most of a page's time)."""
    details = {pk: CustomerDetails() for pk in customer_ids}
    if not customer_ids:
        return details
    for model, attribute, columns in (
        (CustomerEmail, "emails", ("id", "email", "type")),
        (CustomerPhone, "phones", ("id", "value", "type")),
        (CustomerSocialProfile, "social_profiles", ("id", "value", "type")),
        (CustomerWebsite, "websites", ("id", "value")),
    ):
        rows = model.objects.filter(customer_id__in=customer_ids).order_by("id").values_list("customer_id", *columns)
        for customer_id, *values in rows:
            getattr(details[customer_id], attribute).append(tuple(values))
    values = CustomerFieldValue.objects.filter(customer_id__in=customer_ids).order_by("id")
    for customer_id, field_id, value in values.values_list("customer_id", "field_id", "value"):
        details[customer_id].field_values[field_id] = value  # the newest wins
    return details


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


def customers_visible_through_api(*, user: User) -> QuerySet[Customer]:
    """The customers an API key of ``user`` may see (issue 15): an admin's every customer; a regular user's
    those with a conversation in a mailbox it can access, and those with no conversation at all (nobody's
    yet, such as one just created through an API). Wider than ``customers_visible_to`` (the admin site's)."""
    from conversations.models import Conversation
    from conversations.selectors import conversations_visible_to

    if user.is_active and user.is_admin:
        return Customer.objects.all()
    return Customer.objects.filter(
        Q(pk__in=conversations_visible_to(user=user).values("customer_id"))
        | ~Exists(Conversation.objects.filter(customer_id=OuterRef("pk")))
    )


def companies_visible_through_api(*, user: User) -> QuerySet[Company]:
    """The companies an API key of ``user`` may see: an admin's every company; a regular user's those of the
    customers it may see (``customers_visible_through_api``) and those no customer belongs to."""
    if user.is_active and user.is_admin:
        return Company.objects.all()
    return Company.objects.filter(
        Q(pk__in=customers_visible_through_api(user=user).filter(company__isnull=False).values("company_id"))
        | ~Exists(Customer.objects.filter(company_id=OuterRef("pk")))
    )


def customer_find_by_phone_digits(*, digits: str) -> Customer | None:
    """The oldest customer with a phone of exactly these digits ("+1 777-777" and "1777777" are one)."""
    if not digits:
        return None
    return Customer.objects.filter(phones__digits=digits).order_by("id").first()
