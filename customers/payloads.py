"""Customer JSON as the FreeScout API shows it (see ``helpdesk.payloads``)."""

from customers.models import Customer
from helpdesk.payloads import date_out


def customer_primary_email(customer: Customer) -> str:
    # ``emails`` is prefetched in id order by the selectors: the first added is the primary address.
    emails = customer.emails.all()
    return emails[0].email if emails else ""


def customer_short_payload(customer: Customer | None) -> dict | None:
    if customer is None:
        return None
    return {
        "id": customer.pk,
        "type": "customer",
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "photoUrl": customer.photo_url,
        "email": customer_primary_email(customer),
    }


def customer_fields_payload(customer: Customer, fields) -> list[dict]:
    """Every customer field (``fields``: all definitions, loaded once), newest value or "", dropdown label."""
    latest = {value.field_id: value.value for value in customer.field_values.all()}
    return [
        {"id": f.pk, "name": f.name, "value": latest.get(f.pk, ""), "text": f.option_label(latest.get(f.pk, ""))}
        for f in fields
    ]


def customer_payload(customer: Customer, *, fields) -> dict:
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
        "customerFields": customer_fields_payload(customer, fields),
        "_embedded": {
            "emails": [{"id": e.pk, "value": e.email, "type": e.type} for e in customer.emails.all()],
            "phones": [{"id": p.pk, "value": p.value, "type": p.type} for p in customer.phones.all()],
            "social_profiles": [{"id": s.pk, "value": s.value, "type": s.type} for s in customer.social_profiles.all()],
            "websites": [{"id": w.pk, "value": w.value} for w in customer.websites.all()],
            "address": {
                "city": customer.address_city,
                "state": customer.address_state,
                "zip": customer.address_zip,
                "country": customer.address_country,
                "address": customer.address,
            },
        },
    }
