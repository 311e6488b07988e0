"""Customer JSON as the FreeScout API shows it (see ``freescout.payloads``)."""

from customers.models import Customer
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


def customer_payload_by_id(customer_id: int) -> dict:
    from customers.selectors import customer_fields_all, customers_for_output

    customer = customers_for_output(Customer.objects.filter(pk=customer_id)).get()
    return customer_payload(customer, fields=customer_fields_all())
