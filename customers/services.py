"""Writes for customers. Callers pass plain values; lists are ``(value, type)`` pairs."""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

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
from webhooks.models import Event
from webhooks.services import event_emit

CUSTOMER_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "job_title",
        "photo_type",
        "photo_url",
        "notes",
        "address_city",
        "address_state",
        "address_zip",
        "address_country",
        "address",
    }
)


def email_normalise(email: str) -> str:
    email = (email or "").strip().lower()
    validate_email(email)
    return email


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def company_get_or_create(*, name: str) -> Company | None:
    name = (name or "").strip()
    if not name:
        return None
    company = Company.objects.filter(name__iexact=name).first()
    if company is None:
        company = Company(name=name)
        _row_clean(company, "company")
        company.save()
    return company


def _row_clean(row, argument: str) -> None:
    """Validates a row before it is written, reporting errors under the caller's argument name."""
    try:
        row.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        messages = [f"{field}: {text}" for field, texts in error.message_dict.items() for text in texts]
        raise ValidationError({argument: messages}) from None


def _emails_add(*, customer: Customer, emails: Iterable[tuple[str, str]]) -> None:
    for index, (value, email_type) in enumerate(emails):
        try:
            email = email_normalise(value)
        except ValidationError:
            raise ValidationError({f"emails[{index}]": "Enter a valid email address."}) from None
        owner_id = CustomerEmail.objects.filter(email=email).values_list("customer_id", flat=True).first()
        if owner_id == customer.pk:
            continue
        if owner_id is not None:
            raise ValidationError(
                {f"emails[{index}]": f"{email} already belongs to another customer."}, code="conflict"
            )
        row = CustomerEmail(customer=customer, email=email, type=email_type or CustomerEmail.Type.WORK)
        _row_clean(row, f"emails[{index}]")
        row.save()


def _phones_add(*, customer: Customer, phones: Iterable[tuple[str, str]]) -> None:
    for index, (value, phone_type) in enumerate(phones):
        value = (value or "").strip()
        if value:
            row = CustomerPhone(
                customer=customer, value=value, digits=phone_digits(value), type=phone_type or CustomerPhone.Type.WORK
            )
            _row_clean(row, f"phones[{index}]")
            row.save()


@transaction.atomic
def customer_create(
    *,
    emails: Iterable[tuple[str, str]] = (),
    phones: Iterable[tuple[str, str]] = (),
    social_profiles: Iterable[tuple[str, str]] = (),
    websites: Iterable[str] = (),
    company: str = "",
    created_at=None,
    **fields: Any,
) -> Customer:
    if unknown := set(fields) - CUSTOMER_FIELDS:
        raise TypeError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    emails, phones = list(emails), list(phones)
    customer = Customer(company=company_get_or_create(name=company), **fields)
    if created_at is not None:
        customer.created_at = customer.updated_at = created_at
    if not customer.first_name and not emails and not phones:
        raise ValidationError({"first_name": "A customer needs a first name, an email or a phone number."})
    customer.full_clean(exclude=["company"])
    customer.save()
    _emails_add(customer=customer, emails=emails)
    _phones_add(customer=customer, phones=phones)
    for index, (value, profile_type) in enumerate(social_profiles):
        row = CustomerSocialProfile(customer=customer, value=value, type=profile_type or "other")
        _row_clean(row, f"social_profiles[{index}]")
        row.save()
    for index, value in enumerate(websites):
        row = CustomerWebsite(customer=customer, value=value)
        _row_clean(row, f"websites[{index}]")
        row.save()
    event_emit(event=Event.CUSTOMER_CREATED, customer=customer)
    return customer


def customer_find_by_email(*, email: str) -> Customer | None:
    try:
        email = email_normalise(email)
    except ValidationError:
        return None
    return Customer.objects.filter(emails__email=email).first()


@transaction.atomic
def customer_get_or_create_by_email(*, email: str, **fields: Any) -> tuple[Customer, bool]:
    """The customer owning ``email``, or a new one with it (and ``fields``)."""
    customer = customer_find_by_email(email=email)
    if customer is not None:
        return customer, False
    return customer_create(emails=[(email, CustomerEmail.Type.WORK)], **fields), True


@transaction.atomic
def customer_field_values_set(*, customer: Customer, values: dict[CustomerField, object]) -> None:
    """Replaces the values of the given fields; an empty value clears the field."""
    for field, value in values.items():
        text = field.value_clean(value)
        CustomerFieldValue.objects.filter(customer=customer, field=field).delete()
        if text != "":
            CustomerFieldValue.objects.create(customer=customer, field=field, value=text)
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
    event_emit(event=Event.CUSTOMER_UPDATED, customer=customer)


@transaction.atomic
def customer_resolve(
    *,
    id: int | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
) -> tuple[Customer, bool]:
    """The customer a conversation or thread names: by ``id`` (which must exist), else by any of the
    customers' emails, else a new customer. Without an email (phone conversations) a first name or a
    phone makes a new customer. Returns (customer, created); an existing customer is not changed."""
    if id is not None:
        customer = Customer.objects.filter(pk=id).first()
        if customer is None:
            raise ValidationError({"id": f"No customer with id {id}."})
        return customer, False
    if email:
        try:
            email = email_normalise(email)
        except ValidationError:
            raise ValidationError({"email": "Enter a valid email address."}) from None
        customer = customer_find_by_email(email=email)
        if customer is not None:
            return customer, False
    if not (email or first_name or phone):
        raise ValidationError({"email": "A customer needs an id, an email, a first name or a phone number."})
    customer = customer_create(
        first_name=first_name,
        last_name=last_name,
        emails=[(email, CustomerEmail.Type.WORK)] if email else [],
        phones=[(phone, CustomerPhone.Type.WORK)] if phone else [],
    )
    return customer, True
