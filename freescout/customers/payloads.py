"""Customer JSON as the FreeScout API shows it (see ``freescout.payloads``)."""

from customers.models import Customer, CustomerField
from customers.selectors import CustomerDetails, customer_details, customer_fields_all
from freescout.payloads import date_out


def customer_short_payload(pk: int, first_name: str, last_name: str, photo_url: str, email: str | None) -> dict:
    """CustomerShort, as conversations and threads show their customers (``conversations.pages.CustomerShort``)."""
    return {
        "id": pk,
        "type": "customer",
        "firstName": first_name,
        "lastName": last_name,
        "photoUrl": photo_url,
        "email": email or "",
    }


def customer_fields_payload(details: CustomerDetails, fields: list[CustomerField]) -> list[dict]:
    """Every customer field (``fields``: all definitions, loaded once), newest value or "", dropdown label."""
    latest = details.field_values
    return [
        {"id": f.pk, "name": f.name, "value": latest.get(f.pk, ""), "text": f.option_label(latest.get(f.pk, ""))}
        for f in fields
    ]


def customer_payload(customer: Customer, *, fields: list[CustomerField], details: CustomerDetails) -> dict:
    """``customer`` read with its company (``select_related``); ``details`` from ``customer_details``."""
    return {
        "id": customer.pk,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "company": customer.company.name if customer.company else "",
        "jobTitle": customer.job_title,
        "photoType": customer.photo_type,
        "photoUrl": customer.photo_url,
        "createdAt": date_out(customer.created_at),
        "updatedAt": date_out(customer.updated_at),
        "notes": customer.notes,
        "customerFields": customer_fields_payload(details, fields),
        "_embedded": {
            "emails": [{"id": pk, "value": value, "type": type_} for pk, value, type_ in details.emails],
            "phones": [{"id": pk, "value": value, "type": type_} for pk, value, type_ in details.phones],
            "social_profiles": [
                {"id": pk, "value": value, "type": type_} for pk, value, type_ in details.social_profiles
            ],
            "websites": [{"id": pk, "value": value} for pk, value in details.websites],
            "address": {
                "city": customer.address_city,
                "state": customer.address_state,
                "zip": customer.address_zip,
                "country": customer.address_country,
                "address": customer.address,
            },
        },
    }


def customer_payloads(customers: list[Customer]) -> list[dict]:
    """Payloads of a page of customers read with their company: the field definitions and every customer's
    details are read once for the page."""
    if not customers:
        return []
    fields = customer_fields_all()
    details = customer_details(customer_ids=[customer.pk for customer in customers])
    return [customer_payload(customer, fields=fields, details=details[customer.pk]) for customer in customers]


def customer_payload_by_id(customer_id: int) -> dict:
    (payload,) = customer_payloads([Customer.objects.select_related("company").get(pk=customer_id)])
    return payload
