"""The bodies of customers (#19), customers groups (#21, #24, #25, #26) and companies (#3, #4), one function
per entity, fields in the seed's order (reference §3.3, §3.5). Scalars are strings; an absent value is null in
customer and company bodies (§1: ``note``, and a customer without an email, a company, a gender or an IP)."""

from collections.abc import Iterable
from typing import Any

from customers.models import Company, Customer, CustomerGroup
from liveagent.customers.lookup import company_id, customer_contactid, customer_group_id, customer_userid
from liveagent.plumbing.dates import datetime_out

# LiveAgent's customers are visitors (role V) with the registered visitor's cookie name, as the seed's example
# pairs them (§5.14); ``authtoken`` is a browser login credential, which a read API must not hand out (§4.2).
CUSTOMER_ROLE = "V"
CUSTOMER_COOKIE = "V_auth"


def _or_null(value: str | None) -> str | None:
    return value or None


def _code_values(rows: Iterable[Any]) -> list[dict[str, str]]:
    """Field values (rows with ``field`` loaded) by the field's code, in the order they were added: a code
    repeats when a field holds several values (v1 values accumulate, §4.3)."""
    return [{"code": row.field.code, "value": row.value} for row in rows]


def _unique_values(emails: Iterable[str], phones: Iterable[str]) -> list[dict[str, str]]:
    """What identifies a contact: its addresses, then its phones (§4.2)."""
    return [{"code": "email", "value": email} for email in emails] + [
        {"code": "phone", "value": phone} for phone in phones
    ]


def customer_payload(customer: Customer) -> dict[str, Any]:
    emails = [row.email for row in customer.emails.order_by("id")]
    phones = [row.value for row in customer.phones.order_by("id")]
    return {
        "contactid": customer_contactid(customer.pk),
        "email": emails[0] if emails else None,
        "firstname": customer.first_name,
        "lastname": customer.last_name,
        "systemname": customer.get_full_name(),
        "authtoken": "",
        "browsercookiename": CUSTOMER_COOKIE,
        "role": CUSTOMER_ROLE,
        "gender": _or_null(customer.gender),
        "companyid": company_id(customer.company_id) if customer.company_id is not None else None,
        "userid": customer_userid(customer.pk),
        "datecreated": datetime_out(customer.created_at),
        "note": _or_null(customer.notes),
        "ip": _or_null(customer.ip),
        "customfields": _code_values(customer.field_values.select_related("field").order_by("id")),
        "uniquefields": _unique_values(emails, phones),
    }


def memberships_payload(groups: Iterable[CustomerGroup]) -> list[dict[str, str]]:
    """The groups a customer (#21) or a company (#4) belongs to."""
    return [{"groupid": customer_group_id(group.pk), "groupname": group.name} for group in groups]


def customers_group_row(group: CustomerGroup) -> dict[str, str]:
    """#25."""
    return {"id": customer_group_id(group.pk), "name": group.name}


def customers_group_payload(group: CustomerGroup) -> dict[str, str]:
    """#24; #26 puts its status first."""
    return {**customers_group_row(group), "color": group.text_color, "bg_color": group.background_color}


def company_row(company: Company) -> dict[str, Any]:
    """#3: the addresses as one comma-joined string (an array in #4, §5.15)."""
    return {
        "id": company_id(company.pk),
        "name": company.name,
        "emails": ",".join(company.emails or []),
        "datecreated": datetime_out(company.created_at),
        "ip": _or_null(company.ip),
    }


def company_payload(company: Company, *, groups: Iterable[CustomerGroup]) -> dict[str, Any]:
    """#4; ``groups`` are the company's, in the order to show."""
    emails, phones = list(company.emails or []), list(company.phones or [])
    return {
        "id": company_id(company.pk),
        "name": company.name,
        "datecreated": datetime_out(company.created_at),
        "language": _or_null(company.language),
        "ip": _or_null(company.ip),
        "emails": emails,
        "phones": phones,
        "groups": memberships_payload(groups),
        "custom_fields": _code_values(company.field_values.select_related("field").order_by("id")),
        "unique_fields": _unique_values(emails, phones),
    }
