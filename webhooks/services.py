"""The outbox: ``event_emit`` is the one place the domain services announce a change.

It writes the event (its body serialised once, here) and one delivery row per subscribed webhook in the
caller's transaction, so an event exists exactly when the change it describes committed. Sending the
deliveries (a Celery task queued on commit, a sweeper for what it misses, retries) is the webhook
delivery issue's job; until then the rows wait, pending, in the outbox.

Webhooks themselves are created and deleted by ``webhook_create`` and ``webhook_delete``.
"""

from collections.abc import Iterable

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction

from conversations.models import Conversation
from customers.models import Customer
from helpdesk.outbound import UnresolvableHost, UnsafeUrl, url_check
from mailboxes.models import Mailbox
from webhooks.models import Event, Webhook, WebhookDelivery, WebhookEvent

WEBHOOK_URL_MAX_LENGTH = Webhook._meta.get_field("url").max_length


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
    from customers.payloads import customer_payload_by_id

    return customer_payload_by_id(customer.pk)


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


def webhook_url_validate(url: str) -> None:
    """Refuses a URL that is not http(s), carries credentials, or names a non-public address (literally or
    through DNS). A name that does not resolve (yet) passes: delivery checks every URL again."""
    if len(url) > WEBHOOK_URL_MAX_LENGTH:
        raise ValidationError({"url": f"Longer than {WEBHOOK_URL_MAX_LENGTH} characters."})
    try:
        url_check(url, resolve=True)
    except UnresolvableHost:
        pass
    except UnsafeUrl as error:
        raise ValidationError({"url": str(error)}) from None


def webhook_events_known(events: Iterable[str]) -> list[str]:
    """The known event names among ``events``, once each, in the order of ``Event``; unknown names are
    dropped (FreeScout clients send names this server may not have)."""
    given = set(events)
    return [name for name in Event.values if name in given]


def webhook_create(*, url: str, events: Iterable[str], mailboxes: Iterable[Mailbox] = ()) -> Webhook:
    """Creates an enabled webhook with a fresh secret. Raises ValidationError keyed ``url`` or ``events``
    (when no known event remains). ``mailboxes`` limits conversation events to those mailboxes."""
    webhook_url_validate(url)
    known = webhook_events_known(events)
    if not known:
        raise ValidationError({"events": "No known event. Expected some of: " + ", ".join(Event.values)})
    # The URL check may wait on DNS: it runs before the transaction, which opens only for the writes.
    with transaction.atomic():
        webhook = Webhook.objects.create(url=url, events=known)
        webhook.mailboxes.set(list(mailboxes))
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    """Deletes the webhook with its deliveries and their attempts, and the events nobody else was sent."""
    only_this_webhook = WebhookEvent.objects.filter(deliveries__webhook=webhook).exclude(
        pk__in=WebhookDelivery.objects.exclude(webhook=webhook).values("event_id")
    )
    WebhookEvent.objects.filter(pk__in=only_this_webhook.values("pk")).delete()
    webhook.delete()
