"""The outbox: ``event_emit`` is the one place the domain services announce a change.

It writes the event (its body serialised once, here) and one delivery row per subscribed webhook in the
caller's transaction, so an event exists exactly when the change it describes committed. Sending the
deliveries (a Celery task queued on commit, a sweeper for what it misses, retries) is the webhook
delivery issue's job; until then the rows wait, pending, in the outbox.
"""

import orjson
from django.db import transaction

from conversations.models import Conversation
from customers.models import Customer
from webhooks.models import Event, Webhook, WebhookDelivery, WebhookEvent


def _subscribers(event: str, *, mailbox_id: int | None) -> list[Webhook]:
    # Few webhooks exist; filtering the JSON list in Python keeps this portable (SQLite has no JSON contains).
    webhooks = Webhook.objects.filter(enabled=True).prefetch_related("mailboxes")
    return [
        webhook
        for webhook in webhooks
        if event in webhook.events
        and (
            mailbox_id is None
            or not webhook.mailboxes.all()
            or any(m.pk == mailbox_id for m in webhook.mailboxes.all())
        )
    ]


def _conversation_body(conversation: Conversation) -> dict:
    from conversations.payloads import conversation_payload_by_id

    return conversation_payload_by_id(conversation.pk)


def _customer_body(customer: Customer) -> dict:
    from customers.payloads import customer_payload
    from customers.selectors import customer_fields_all, customers_for_output

    fresh = customers_for_output(Customer.objects.filter(pk=customer.pk)).get()
    return customer_payload(fresh, fields=customer_fields_all())


@transaction.atomic
def event_emit(
    *, event: Event, conversation: Conversation | None = None, customer: Customer | None = None
) -> WebhookEvent | None:
    """Records ``event`` about ``conversation`` (conversation events) or ``customer`` (customer events)
    for every enabled webhook subscribed to it; conversation events honour a webhook's mailbox filter.
    Returns the event, or None when nobody listens."""
    webhooks = _subscribers(event, mailbox_id=conversation.mailbox_id if conversation is not None else None)
    if not webhooks:
        return None
    body = _conversation_body(conversation) if conversation is not None else _customer_body(customer)
    recorded = WebhookEvent.objects.create(name=event, payload=orjson.dumps(body))
    WebhookDelivery.objects.bulk_create([WebhookDelivery(event=recorded, webhook=webhook) for webhook in webhooks])
    return recorded
