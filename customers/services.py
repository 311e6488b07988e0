"""Writes for customers. Callers pass plain values; lists are ``(value, type)`` pairs."""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.db import transaction
from django.utils import timezone

from customers.models import (
    Company,
    CompanyFieldValue,
    Customer,
    CustomerEmail,
    CustomerField,
    CustomerFieldValue,
    CustomerPhone,
    CustomerSocialProfile,
    CustomerWebsite,
)
from customers.selectors import customer_emails_taken
from helpdesk.errors import Conflict, Invalid, fields_under
from helpdesk.fields import field_code_from_name, field_values_clean
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
        "gender",
        "ip",
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


@transaction.atomic
def company_update(
    *,
    company: Company,
    name: str | None = None,
    language: str | None = None,
    ip: str | None = None,
    emails: Iterable[str] | None = None,
    phones: Iterable[str] | None = None,
) -> Company:
    """Changes what is given (``company_create`` says how each is checked); a list replaces the company's."""
    if name is not None:
        name = (name or "").strip()
        if Company.objects.filter(name__iexact=name).exclude(pk=company.pk).exists():
            raise Conflict({"name": f"A company named {name!r} already exists."})
        company.name = name
    _company_details_set(company, language=language, ip=ip, emails=emails, phones=phones)
    company.updated_at = timezone.now()
    _row_clean(company, "name")
    company.save()
    return company


def _row_clean(row, argument: str) -> None:
    """Validates a row before it is written, reporting errors under the caller's argument name."""
    try:
        row.full_clean(exclude=["customer"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        messages = [f"{field}: {text}" for field, texts in error.message_dict.items() for text in texts]
        raise Invalid({argument: messages}) from None


def _emails_add(*, customer: Customer, emails: Iterable[tuple[str, str]], argument: str = "emails") -> None:
    for index, (value, email_type) in enumerate(emails):
        try:
            email = email_normalise(value)
        except ValidationError:
            raise Invalid({f"{argument}[{index}]": "Enter a valid email address."}) from None
        owner_id = CustomerEmail.objects.filter(email=email).values_list("customer_id", flat=True).first()
        if owner_id == customer.pk:
            continue
        if owner_id is not None:
            raise Conflict({f"{argument}[{index}]": f"{email} already belongs to another customer."})
        row = CustomerEmail(customer=customer, email=email, type=email_type or CustomerEmail.Type.WORK)
        _row_clean(row, f"{argument}[{index}]")
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


def _social_profiles_add(*, customer: Customer, social_profiles: Iterable[tuple[str, str]]) -> None:
    for index, (value, profile_type) in enumerate(social_profiles):
        row = CustomerSocialProfile(customer=customer, value=value, type=profile_type or "other")
        _row_clean(row, f"social_profiles[{index}]")
        row.save()


def _websites_add(*, customer: Customer, websites: Iterable[str]) -> None:
    for index, value in enumerate(websites):
        row = CustomerWebsite(customer=customer, value=value)
        _row_clean(row, f"websites[{index}]")
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
    if "ip" in fields:
        fields["ip"] = _ip_clean(fields["ip"])
    customer = Customer(company=company_get_or_create(name=company), **fields)
    if created_at is not None:
        customer.created_at = customer.updated_at = created_at
    if not customer.first_name and not emails and not phones:
        raise Invalid({"first_name": "A customer needs a first name, an email or a phone number."})
    customer.full_clean(exclude=["company"])
    customer.save()
    _emails_add(customer=customer, emails=emails)
    _phones_add(customer=customer, phones=phones)
    _social_profiles_add(customer=customer, social_profiles=social_profiles)
    _websites_add(customer=customer, websites=websites)
    event_emit(event=Event.CUSTOMER_CREATED, customer=customer)
    return customer


@transaction.atomic
def customer_create_unless_known(*, emails: Sequence[tuple[str, str]] = (), **fields: Any) -> Customer:
    """``customer_create`` for a client that may not know the customer exists yet: when every address
    given already belongs to a customer, a ``Conflict`` and no new customer; among new addresses, one that
    is taken stays with its owner and the new customer goes without it."""
    given = {value.strip().lower() for value, _ in emails}
    taken = customer_emails_taken(emails=sorted(given))
    if given and taken == given:
        raise Conflict({"emails": "A customer with " + ", ".join(sorted(taken)) + " already exists."})
    return customer_create(
        emails=[(value, kind) for value, kind in emails if value.strip().lower() not in taken], **fields
    )


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
def customer_field_values_set(
    *, customer: Customer, values: Mapping[CustomerField, object] | Sequence[tuple[int, object]]
) -> None:
    """Replaces the values of the given fields, given by field or as ``(field id, value)`` pairs; an empty
    value clears the field. Errors are named ``customer_fields[i].id`` or ``customer_fields[i].value`` (see
    ``field_values_clean``), and nothing is written then."""
    if isinstance(values, Mapping):
        fields, pairs = {field.pk: field for field in values}, [(field.pk, value) for field, value in values.items()]
    else:
        pairs = list(values)
        fields = CustomerField.objects.in_bulk([field_id for field_id, _ in pairs])
    with fields_under("customer_fields"):
        cleaned = field_values_clean(fields=fields, values=pairs, unknown="No customer field {id}.")
    for field, text in cleaned.items():
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
            raise Invalid({"id": f"No customer with id {id}."})
        return customer, False
    if email:
        try:
            email = email_normalise(email)
        except ValidationError:
            raise Invalid({"email": "Enter a valid email address."}) from None
        customer = customer_find_by_email(email=email)
        if customer is not None:
            return customer, False
    if not (email or first_name or phone):
        raise Invalid({"email": "A customer needs an id, an email, a first name or a phone number."})
    customer = customer_create(
        first_name=first_name,
        last_name=last_name,
        emails=[(email, CustomerEmail.Type.WORK)] if email else [],
        phones=[(phone, CustomerPhone.Type.WORK)] if phone else [],
    )
    return customer, True


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    emails: Iterable[tuple[str, str]] | None = None,
    emails_add: Iterable[tuple[str, str]] = (),
    phones: Iterable[tuple[str, str]] | None = None,
    phone_add: str = "",
    social_profiles: Iterable[tuple[str, str]] | None = None,
    websites: Iterable[str] | None = None,
    company: str | None = None,
    **fields: Any,
) -> Customer:
    """Changes what is given and leaves the rest. A list (``emails``, ``phones``, ``social_profiles``,
    ``websites``) replaces the customer's; ``None`` keeps it. ``emails_add`` adds addresses and is ignored
    when ``emails`` is given. ``phone_add`` adds a work phone unless the customer has one with the same
    digits. An address owned by another customer is a ``Conflict``.
    Emits one ``customer.updated``."""
    if unknown := set(fields) - CUSTOMER_FIELDS:
        raise TypeError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    if "ip" in fields:
        fields["ip"] = _ip_clean(fields["ip"])
    for name, value in fields.items():
        setattr(customer, name, value)
    if company is not None:
        customer.company = company_get_or_create(name=company)
    customer.updated_at = timezone.now()
    customer.full_clean(exclude=["company"])
    customer.save()
    if emails is not None:
        emails = list(emails)
        kept: dict[str, str] = {}
        for index, (value, email_type) in enumerate(emails):
            try:
                kept[email_normalise(value)] = email_type or CustomerEmail.Type.WORK
            except ValidationError:
                raise Invalid({f"emails[{index}]": "Enter a valid email address."}) from None
        customer.emails.exclude(email__in=kept).delete()
        for email, email_type in kept.items():
            customer.emails.filter(email=email).exclude(type=email_type).update(type=email_type)
        _emails_add(customer=customer, emails=emails)
    else:
        _emails_add(customer=customer, emails=emails_add, argument="emails_add")
    if phones is not None:
        customer.phones.all().delete()
        _phones_add(customer=customer, phones=phones)
    if phone_digits(phone_add) and not customer.phones.filter(digits=phone_digits(phone_add)).exists():
        row = CustomerPhone(
            customer=customer, value=phone_add.strip(), digits=phone_digits(phone_add), type=CustomerPhone.Type.WORK
        )
        _row_clean(row, "phone")
        row.save()
    if social_profiles is not None:
        customer.social_profiles.all().delete()
        _social_profiles_add(customer=customer, social_profiles=social_profiles)
    if websites is not None:
        customer.websites.all().delete()
        _websites_add(customer=customer, websites=websites)
    event_emit(event=Event.CUSTOMER_UPDATED, customer=customer)
    return customer


CUSTOMER_FIELD_ATTRIBUTES = frozenset({"name", "code", "type", "options", "required", "sort_order"})


def _customer_field_save(field: CustomerField) -> None:
    field.name = (field.name or "").strip()
    if field.options in ("", None) or (field.type != CustomerField.Type.DROPDOWN and field.options == {}):
        field.options = {}
    if CustomerField.objects.filter(name__iexact=field.name).exclude(pk=field.pk).exists():
        raise Conflict({"name": f"A customer field named {field.name!r} already exists."})
    others = CustomerField.objects.exclude(pk=field.pk)
    field.code = (field.code or "").strip()
    if not field.code:
        field.code = field_code_from_name(field.name, taken=others.values_list("code", flat=True))
    elif others.filter(code__iexact=field.code).exists():
        raise Conflict({"code": f"A customer field with code {field.code!r} already exists."})
    field.full_clean(validate_unique=False, validate_constraints=False)
    field.save()


@transaction.atomic
def customer_field_create(
    *,
    name: str,
    type: str,
    options: dict | None = None,
    required: bool = False,
    sort_order: int = 0,
    code: str = "",
) -> CustomerField:
    """``code`` (unique case-insensitively) is made from the name when not given, and kept when the name
    changes later; an update with an empty code makes one again."""
    field = CustomerField(name=name, code=code, type=type, options=options, required=required, sort_order=sort_order)
    _customer_field_save(field)
    return field


@transaction.atomic
def customer_field_update(*, field: CustomerField, **changes: Any) -> CustomerField:
    """Changes the given attributes. A field that stops being a dropdown loses its options unless new
    ones are given (and then ``FieldDefinition.clean`` refuses them)."""
    if unknown := set(changes) - CUSTOMER_FIELD_ATTRIBUTES:
        raise TypeError(f"Unknown customer field attributes: {', '.join(sorted(unknown))}")
    if changes.get("type", field.type) != CustomerField.Type.DROPDOWN and "options" not in changes:
        changes["options"] = {}
    for name, value in changes.items():
        setattr(field, name, value)
    _customer_field_save(field)
    return field


@transaction.atomic
def customer_field_delete(*, field: CustomerField) -> None:
    """Deletes the field and every customer's value for it."""
    field.delete()


def _ip_clean(value: str | None, *, field: str = "ip") -> str | None:
    """An IPv4 or IPv6 address as given, None for none; ``Invalid`` at ``field`` for anything else."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        validate_ipv46_address(value)
    except ValidationError:
        raise Invalid({field: "Enter a valid IPv4 or IPv6 address."}) from None
    return value


def _company_details_set(
    company: Company,
    *,
    language: str | None,
    ip: str | None,
    emails: Iterable[str] | None,
    phones: Iterable[str] | None,
) -> None:
    """Sets what is given (None keeps it): addresses lower-cased and each once (``Invalid`` at ``emails[i]``),
    phones trimmed, empty ones dropped, at most 60 characters (``phones[i]``)."""
    if language is not None:
        language = language.strip()
        if len(language) > Company._meta.get_field("language").max_length:  # type: ignore[operator]
            raise Invalid({"language": "Expected a language code, such as en or pt-BR."})
        company.language = language
    if ip is not None:
        company.ip = _ip_clean(ip)
    if emails is not None:
        cleaned: list[str] = []
        for index, value in enumerate(emails):
            try:
                email = email_normalise(value)
            except ValidationError:
                raise Invalid({f"emails[{index}]": "Enter a valid email address."}) from None
            if email not in cleaned:
                cleaned.append(email)
        company.emails = cleaned
    if phones is not None:
        kept: list[str] = []
        for index, value in enumerate(phones):
            phone = (value or "").strip()
            if len(phone) > CustomerPhone._meta.get_field("value").max_length:  # type: ignore[operator]
                raise Invalid({f"phones[{index}]": "Expected at most 60 characters."})
            if phone:
                kept.append(phone)
        company.phones = kept


@transaction.atomic
def company_create(
    *,
    name: str,
    language: str = "",
    ip: str | None = None,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
) -> Company:
    """A new company; a name taken case-insensitively is a ``Conflict`` (``company_get_or_create`` is the
    FreeScout API's find-or-create by name). ``ip`` is an IPv4 or IPv6 address or empty."""
    name = (name or "").strip()
    if Company.objects.filter(name__iexact=name).exists():
        raise Conflict({"name": f"A company named {name!r} already exists."})
    company = Company(name=name)
    _company_details_set(company, language=language, ip=ip, emails=emails, phones=phones)
    _row_clean(company, "name")
    company.save()
    return company


def _customer_fields_by_code() -> dict[str, CustomerField]:
    """Every customer field by lower-cased code (codes are unique case-insensitively)."""
    return {field.code.lower(): field for field in CustomerField.objects.all()}


def _customer_changed(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
    event_emit(event=Event.CUSTOMER_UPDATED, customer=customer)


def _field_values_by_code(values: Sequence[tuple[str, object]], *, argument: str) -> list[tuple[CustomerField, str]]:
    """The customer field each ``(code, value)`` names with the text to store, in order, empty values left
    out. Every code is checked before any value: ``Invalid`` at ``<argument>[i].code`` for a code of no
    customer field, then at ``<argument>[i].value`` for a value its field refuses."""
    by_code = _customer_fields_by_code()
    fields = []
    for index, (code, _) in enumerate(values):
        field = by_code.get(str(code).strip().lower())
        if field is None:
            raise Invalid({f"{argument}[{index}].code": f"No customer field with code {code!r}."})
        fields.append(field)
    cleaned = []
    for index, (field, (_, value)) in enumerate(zip(fields, values, strict=True)):
        with fields_under(f"{argument}[{index}].value"):
            text = field.value_clean(value)
        if text != "":
            cleaned.append((field, text))
    return cleaned


def _field_by_code(code: str) -> CustomerField:
    field = _customer_fields_by_code().get(code.strip().lower())
    if field is None:
        raise Invalid({"code": f"No customer field with code {code!r}."})
    return field


@transaction.atomic
def customer_field_values_add(*, customer: Customer, values: Sequence[tuple[str, object]]) -> list[CustomerFieldValue]:
    """Adds a value for each ``(field code, value)`` given, in order, after the values the fields hold (the
    LiveAgent API keeps every value of a field; the FreeScout API shows the newest, and its
    ``customer_field_values_set`` replaces them all). Codes compare case-insensitively; an empty value adds
    nothing. All or nothing: every code is checked before any value, ``Invalid`` at ``customer_fields[i].code``
    for a code of no customer field, then at ``customer_fields[i].value`` for a value its field refuses.
    Emits one ``customer.updated`` when a value was added."""
    rows = [
        CustomerFieldValue(customer=customer, field=field, value=text)
        for field, text in _field_values_by_code(values, argument="customer_fields")
    ]
    if rows:
        CustomerFieldValue.objects.bulk_create(rows)
        _customer_changed(customer)
    return rows


@transaction.atomic
def customer_field_values_delete(*, customer: Customer, code: str | None = None) -> int:
    """Deletes every value of the customer field with this ``code`` (case-insensitive; ``Invalid`` at
    ``code`` when there is none), or of every field when ``code`` is None. Returns how many values went;
    emits one ``customer.updated`` when any did."""
    values = CustomerFieldValue.objects.filter(customer=customer)
    if code is not None:
        values = values.filter(field=_field_by_code(code))
    deleted, _ = values.delete()
    if deleted:
        _customer_changed(customer)
    return deleted


@transaction.atomic
def company_field_values_add(*, company: Company, values: Sequence[tuple[str, object]]) -> list[CompanyFieldValue]:
    """A company's values of customer fields, by code, as ``customer_field_values_add`` adds a customer's
    (errors at ``company_fields[i].code`` / ``.value``). Companies have no webhook events."""
    rows = [
        CompanyFieldValue(company=company, field=field, value=text)
        for field, text in _field_values_by_code(values, argument="company_fields")
    ]
    if rows:
        CompanyFieldValue.objects.bulk_create(rows)
        Company.objects.filter(pk=company.pk).update(updated_at=timezone.now())
    return rows


@transaction.atomic
def company_field_values_set(*, company: Company, values: Sequence[tuple[str, object]]) -> list[CompanyFieldValue]:
    """Replaces all the company's values with these, in order (the admin's inline), checked as
    ``company_field_values_add`` checks them; nothing changes when one is refused."""
    cleaned = _field_values_by_code(values, argument="company_fields")
    CompanyFieldValue.objects.filter(company=company).delete()
    rows = CompanyFieldValue.objects.bulk_create(
        [CompanyFieldValue(company=company, field=field, value=text) for field, text in cleaned]
    )
    Company.objects.filter(pk=company.pk).update(updated_at=timezone.now())
    return rows


@transaction.atomic
def company_field_values_delete(*, company: Company, code: str | None = None) -> int:
    """As ``customer_field_values_delete``, for a company's values."""
    values = CompanyFieldValue.objects.filter(company=company)
    if code is not None:
        values = values.filter(field=_field_by_code(code))
    deleted, _ = values.delete()
    if deleted:
        Company.objects.filter(pk=company.pk).update(updated_at=timezone.now())
    return deleted
