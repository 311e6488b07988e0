"""Writes for customer groups (LiveAgent's customer groups) and their members, customers and companies.

A group is found by name case-insensitively; adding a customer to a group by a name no group has creates it
(groups were names only before LiveAgent had them as entities, and its API still adds members by name).
A change of a customer's groups emits ``customer.updated``; a group's own changes emit nothing (groups are
configuration, as tags are)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Company, Customer, CustomerGroup
from helpdesk.errors import Conflict, Invalid
from helpdesk.fields import hex_color_clean
from webhooks.models import Event
from webhooks.services import event_emit


def customer_group_name_normalise(name: str) -> str:
    return " ".join(str(name or "").split())


def _group_save(group: CustomerGroup) -> CustomerGroup:
    if not group.name:
        raise Invalid({"name": "Enter a name."})
    group.full_clean(validate_unique=False, validate_constraints=False)  # the length before the lookup below
    if CustomerGroup.objects.filter(name__iexact=group.name).exclude(pk=group.pk).exists():
        raise Conflict({"name": f"A customer group named {group.name!r} already exists."})
    group.updated_at = timezone.now()
    group.save()
    return group


@transaction.atomic
def customer_group_create(*, name: str, text_color: str = "", background_color: str = "") -> CustomerGroup:
    """A new group; ``name`` trimmed and unique case-insensitively (``Conflict``), the colours six
    hexadecimal digits or "" (``Invalid`` at ``text_color`` / ``background_color``)."""
    return _group_save(
        CustomerGroup(
            name=customer_group_name_normalise(name),
            text_color=hex_color_clean(text_color, field="text_color"),
            background_color=hex_color_clean(background_color, field="background_color"),
        )
    )


@transaction.atomic
def customer_group_update(
    *,
    group: CustomerGroup,
    name: str | None = None,
    text_color: str | None = None,
    background_color: str | None = None,
) -> CustomerGroup:
    """Changes what is given, checked as ``customer_group_create`` checks it."""
    group = CustomerGroup.objects.select_for_update().get(pk=group.pk)
    if name is not None:
        group.name = customer_group_name_normalise(name)
    if text_color is not None:
        group.text_color = hex_color_clean(text_color, field="text_color")
    if background_color is not None:
        group.background_color = hex_color_clean(background_color, field="background_color")
    return _group_save(group)


@transaction.atomic
def customer_group_delete(*, group: CustomerGroup) -> None:
    """Deletes the group; its customers and companies stay, out of it."""
    group.delete()


def _group_by_name(name: str) -> CustomerGroup | None:
    name = customer_group_name_normalise(name)
    if len(name) > CustomerGroup._meta.get_field("name").max_length:  # type: ignore[operator]
        return None  # no group has it; SQLite refuses a LIKE (iexact) pattern over 50,000 bytes
    return CustomerGroup.objects.filter(name__iexact=name).first()


def _group_get_or_create(name: str) -> CustomerGroup:
    group = _group_by_name(name)
    if group is not None:
        return group
    try:
        # A savepoint: a concurrent request may create the same group first, and then its row is the one.
        with transaction.atomic():
            return customer_group_create(name=name)
    except (IntegrityError, Conflict):
        group = _group_by_name(name)
        if group is None:
            raise
        return group


def _customer_changed(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
    event_emit(event=Event.CUSTOMER_UPDATED, customer=customer)


@transaction.atomic
def customer_add_to_group(*, customer: Customer, name: str) -> CustomerGroup:
    """Puts the customer in the group of this name, created when no group has it; already in it, nothing
    changes. Emits ``customer.updated`` when the customer joined."""
    group = _group_get_or_create(name)
    if not group.customers.filter(pk=customer.pk).exists():
        group.customers.add(customer)
        _customer_changed(customer)
    return group


@transaction.atomic
def customer_remove_from_group(*, customer: Customer, name: str) -> bool:
    """Takes the customer out of the group of this name; no such group, or not in it, is no change (False).
    Emits ``customer.updated`` when the customer left."""
    group = _group_by_name(name)
    if group is None or not group.customers.filter(pk=customer.pk).exists():
        return False
    group.customers.remove(customer)
    _customer_changed(customer)
    return True


@transaction.atomic
def company_add_to_group(*, company: Company, name: str) -> CustomerGroup:
    """Puts the company in the group of this name, created when no group has it."""
    group = _group_get_or_create(name)
    group.companies.add(company)
    return group


@transaction.atomic
def company_remove_from_group(*, company: Company, name: str) -> bool:
    """Takes the company out of the group of this name; no such group, or not in it, is no change (False)."""
    group = _group_by_name(name)
    if group is None or not group.companies.filter(pk=company.pk).exists():
        return False
    group.companies.remove(company)
    return True
