"""Finding the customer a path or parameter names: ``{customeridentifier}`` (and #9's ``owneridentifier``) is
one of the customer's emails (any case) or its contactid (reference §2, "Parameter notes"). Only customers
the key may see are found (``customers_visible_through_api``); any other is unknown (404). Also companies
(``{companyid}``) and customers groups (``{groupid}``), and the ids of all three."""

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from customers.models import Company, Customer, CustomerGroup
from customers.selectors import companies_visible_through_api, customers_visible_through_api
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


def company_id(pk: int) -> str:
    return id_encode(Kind.COMPANY, pk)


def customer_group_id(pk: int) -> str:
    return id_encode(Kind.CUSTOMER_GROUP, pk)


def company_visible(*, user: User, companyid: str) -> Company:
    """The company ``companyid`` names, if ``user``'s key may see it (``companies_visible_through_api``);
    else 404."""
    pk = pk_decode(Kind.COMPANY, companyid)
    company = companies_visible_through_api(user=user).filter(pk=pk).first() if pk is not None else None
    if company is None:
        raise NotFound(f"Company {companyid} not found.")
    return company


def customer_group_by_id(groupid: str) -> CustomerGroup:
    """The customers group ``groupid`` names, else 404. Groups are configuration, as departments' names
    are: every key may read them; who belongs to one is read through the customers a key may see."""
    pk = pk_decode(Kind.CUSTOMER_GROUP, groupid)
    group = CustomerGroup.objects.filter(pk=pk).first() if pk is not None else None
    if group is None:
        raise NotFound(f"Customers group {groupid} not found.")
    return group


def customer_groups_in_order(groups: QuerySet[CustomerGroup]) -> QuerySet[CustomerGroup]:
    """Every list of groups (#4, #21, #25) in the order they were made, as the seed's examples list them
    (VIP, then Premium)."""
    return groups.order_by("id")
