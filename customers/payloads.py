"""Customer JSON as the FreeScout API shows it (see ``helpdesk.payloads``)."""

from customers.models import Customer


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
