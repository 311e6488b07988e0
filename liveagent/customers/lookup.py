"""Finding the customer a path or parameter names: ``{customeridentifier}`` (and #9's ``owneridentifier``) is
one of the customer's emails (any case) or its contactid (reference §2, "Parameter notes"). Only customers
the key may see are found (``customers_visible_through_api``); any other is unknown (404)."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from customers.models import Customer
from customers.selectors import customers_visible_through_api
from helpdesk.models import User
from liveagent.ids import Kind, id_encode, pk_decode


def customer_contactid(pk: int) -> str:
    return id_encode(Kind.CUSTOMER_CONTACT, pk)


def customer_userid(pk: int) -> str:
    """The customer as the author of messages (#11 ``userid``)."""
    return id_encode(Kind.CUSTOMER_USER, pk)


def customers_identified(identifier: str, *, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """The customers of ``queryset`` that ``identifier`` names: by contactid, else by email (at most one)."""
    identifier = identifier.strip()
    pk = pk_decode(Kind.CUSTOMER_CONTACT, identifier)
    if pk is not None:
        return queryset.filter(pk=pk)
    return queryset.filter(emails__email=identifier.lower())


def customer_visible(*, user: User, customeridentifier: str) -> Customer:
    customer = customers_identified(customeridentifier, queryset=customers_visible_through_api(user=user)).first()
    if customer is None:
        raise NotFound(f"Customer {customeridentifier} not found.")
    return customer
