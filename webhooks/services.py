"""The outbox: ``event_emit`` is the one place the domain services announce a change.

It writes the event (its body serialised once, here) and one delivery row per subscribed webhook in the
caller's transaction, so an event exists exactly when the change it describes committed, and queues the
send task on commit (``helpdesk.outbox``), one message for all the deliveries the transaction wrote;
sending is ``webhooks.delivery``'s job.

Webhooks themselves are configured by ``webhook_create``, ``webhook_update``, ``webhook_enable``,
``webhook_disable``, ``webhook_secret_rotate`` and ``webhook_delete``.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import cast

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_changes, audit_record
from conversations.models import Conversation
from customers.models import Customer
from helpdesk.errors import Invalid
from helpdesk.outbound import UnresolvableHost, UnsafeUrl, url_check
from helpdesk.outbox import outbox_enqueue, outbox_enqueue_on_commit
from mailboxes.models import Mailbox
from webhooks.models import Event, Webhook, WebhookDelivery, WebhookEvent, webhook_secret_generate

WEBHOOK_URL_MAX_LENGTH = cast(int, Webhook._meta.get_field("url").max_length)  # the model sets one


def _subscribers(event: str, *, mailbox_id: int | None) -> list[int]:
    """The ids of the enabled webhooks subscribed to ``event`` (in ``mailbox_id``, for a conversation's)."""
    # One statement, a row per webhook and mailbox it is limited to (None: every mailbox); few webhooks exist,
    # and filtering the JSON list in Python keeps this portable (SQLite has no JSON contains).
    rows = Webhook.objects.filter(enabled=True).order_by("pk").values_list("pk", "events", "mailboxes")
    subscribed: dict[int, bool] = {}
    for pk, events, mailbox in rows:
        if event in events:
            subscribed[pk] = subscribed.get(pk, False) or mailbox_id is None or mailbox in (None, mailbox_id)
    return [pk for pk, matches in subscribed.items() if matches]


# How an event's body is written, by the entity it is about: the FreeScout webhook contract is the API's
# GET JSON, so the FreeScout app registers its payload functions when it starts (``freescout.apps``); the
# domain names no dialect.
BodyBuilder = Callable[[int], dict]
_body_builders: dict[str, BodyBuilder] = {}


def webhook_body_builders_register(*, conversation: BodyBuilder, customer: BodyBuilder) -> None:
    """Sets the functions that write an event's body from the conversation's or the customer's id."""
    _body_builders.update(conversation=conversation, customer=customer)


def _body(entity: str, pk: int) -> dict:
    try:
        builder = _body_builders[entity]
    except KeyError:
        raise ImproperlyConfigured(f"No webhook body builder for {entity}: is the freescout app installed?") from None
    return builder(pk)


# Without a savepoint: the callers' transactions are always open, and a failure here must undo their change
# anyway (an event exists exactly when its change commits); a savepoint costs two round trips a write.
@transaction.atomic(savepoint=False)
def event_emit(
    *, event: Event, conversation: Conversation | None = None, customer: Customer | None = None
) -> WebhookEvent | None:
    """Records ``event`` about ``conversation`` (conversation events) or ``customer`` (customer events)
    for every enabled webhook subscribed to it; conversation events honour a webhook's mailbox filter.
    Returns the event, or None when nobody listens."""
    webhook_ids = _subscribers(event, mailbox_id=conversation.mailbox_id if conversation is not None else None)
    if not webhook_ids:
        return None
    if conversation is not None:
        body = _body("conversation", conversation.pk)
    elif customer is not None:
        body = _body("customer", customer.pk)
    else:
        raise TypeError("event_emit needs a conversation or a customer.")
    recorded = WebhookEvent.objects.create(name=event, payload=orjson.dumps(body))
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=recorded, webhook_id=webhook_id) for webhook_id in webhook_ids]
    )
    _deliveries_queue_on_commit([delivery.pk for delivery in deliveries])
    return recorded


# One send task carries at most this many deliveries; it sends them one after the other, each claimed (with
# its own lease) just before its attempt, so a long batch cannot outlive the leases of its last rows.
DELIVERIES_PER_TASK = 20


class _QueuedOnCommit:
    """The deliveries a transaction wrote, queued as one task message (or a few) when it commits: a
    conversation created with its customer, or a reply that changes the status, writes several events, and
    each message costs a broker round trip in the request and a task in the worker."""

    def __init__(self) -> None:
        self.delivery_ids: list[int] = []

    def __call__(self) -> None:
        from webhooks.tasks import webhook_deliver

        for start in range(0, len(self.delivery_ids), DELIVERIES_PER_TASK):
            outbox_enqueue(webhook_deliver, *self.delivery_ids[start : start + DELIVERIES_PER_TASK])


def _deliveries_queue_on_commit(delivery_ids: list[int]) -> None:
    # A batch still among the transaction's on-commit callbacks is safe to join: one a savepoint rollback
    # dropped is gone from the list, with the rows it named; ids joining from a savepoint that rolls back
    # later name no row, and their task claims nothing.
    for _, callback, _ in transaction.get_connection().run_on_commit:
        if isinstance(callback, _QueuedOnCommit):
            callback.delivery_ids.extend(delivery_ids)
            return
    batch = _QueuedOnCommit()
    batch.delivery_ids.extend(delivery_ids)
    transaction.on_commit(batch)


def webhook_url_validate(url: str) -> None:
    """Refuses a URL that is not http(s), carries credentials, or names a non-public address (literally or
    through DNS). A name that does not resolve (yet) passes: delivery checks every URL again."""
    if len(url) > WEBHOOK_URL_MAX_LENGTH:
        raise Invalid({"url": f"Longer than {WEBHOOK_URL_MAX_LENGTH} characters."})
    try:
        url_check(url, resolve=True)
    except UnresolvableHost:
        pass
    except UnsafeUrl as error:
        raise Invalid({"url": str(error)}) from None


def webhook_events_known(events: Iterable[str]) -> list[str]:
    """The known event names among ``events``, once each, in the order of ``Event``; unknown names are
    dropped (FreeScout clients send names this server may not have)."""
    given = set(events)
    return [name for name in Event.values if name in given]


def _events_required(events: Iterable[str]) -> list[str]:
    known = webhook_events_known(events)
    if not known:
        raise Invalid({"events": "No known event. Expected some of: " + ", ".join(Event.values)})
    return known


def webhook_create(*, url: str, events: Iterable[str], mailboxes: Iterable[Mailbox] = ()) -> Webhook:
    """Creates an enabled webhook with a fresh secret. Raises ``Invalid`` keyed ``url`` or ``events``
    (when no known event remains). ``mailboxes`` limits conversation events to those mailboxes."""
    webhook_url_validate(url)
    known = _events_required(events)
    # The URL check may wait on DNS: it runs before the transaction, which opens only for the writes.
    with transaction.atomic():
        webhook = Webhook.objects.create(url=url, events=known)
        webhook.mailboxes.set(list(mailboxes))
        audit_record(action=AuditAction.WEBHOOK_CREATED, target=webhook, changes=audit_changes({}, _audited(webhook)))
    return webhook


def _audited(webhook: Webhook) -> dict[str, object]:
    """What the audit log records of a webhook (never its secret: only that it was rotated)."""
    return {
        "url": webhook.url,
        "events": list(webhook.events),
        "mailboxes": sorted(mailbox.name for mailbox in webhook.mailboxes.all()),
    }


def webhook_update(*, webhook: Webhook, url: str, events: Iterable[str], mailboxes: Iterable[Mailbox]) -> Webhook:
    """Changes what ``webhook`` receives and where, with ``webhook_create``'s rules."""
    webhook_url_validate(url)
    known = _events_required(events)
    with transaction.atomic():
        before = _audited(webhook)
        webhook.url, webhook.events, webhook.updated_at = url, known, timezone.now()
        webhook.save(update_fields=["url", "events", "updated_at"])
        webhook.mailboxes.set(list(mailboxes))
        if changes := audit_changes(before, _audited(webhook)):
            audit_record(action=AuditAction.WEBHOOK_UPDATED, target=webhook, changes=changes)
    return webhook


def webhook_disable(*, webhook: Webhook, reason: str) -> bool:
    """Stops deliveries to ``webhook`` (its pending ones wait); returns False when it was disabled already."""
    with transaction.atomic():
        changed = Webhook.objects.filter(pk=webhook.pk, enabled=True).update(
            enabled=False, disabled_reason=reason[:255], updated_at=timezone.now()
        )
        if changed:
            changes = audit_changes({"enabled": True}, {"enabled": False, "reason": reason[:255]})
            audit_record(action=AuditAction.WEBHOOK_DISABLED, target=webhook, changes=changes)
    webhook.refresh_from_db()
    return bool(changed)


def webhook_enable(*, webhook: Webhook) -> bool:
    """Resumes deliveries, the pending ones first (they are due); the five-day failure clock restarts."""
    from webhooks.tasks import webhook_deliveries_sweep

    with transaction.atomic():
        changed = Webhook.objects.filter(pk=webhook.pk, enabled=False).update(
            enabled=True, disabled_reason="", failing_since=None, updated_at=timezone.now()
        )
        if changed:
            audit_record(
                action=AuditAction.WEBHOOK_ENABLED,
                target=webhook,
                changes={"enabled": {"before": False, "after": True}},
            )
            outbox_enqueue_on_commit(webhook_deliveries_sweep)
    webhook.refresh_from_db()
    return bool(changed)


def webhook_secret_rotate(*, webhook: Webhook, previous_valid_for: timedelta = timedelta(hours=24)) -> Webhook:
    """Gives ``webhook`` a new secret. The old one keeps signing (a second Standard Webhooks signature)
    for ``previous_valid_for``, so receivers can switch without rejecting requests."""
    now = timezone.now()
    webhook.previous_secret, webhook.previous_secret_expires_at = webhook.secret, now + previous_valid_for
    webhook.secret, webhook.updated_at = webhook_secret_generate(), now
    with transaction.atomic():
        webhook.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        audit_record(
            action=AuditAction.WEBHOOK_SECRET_ROTATED,
            target=webhook,
            changes={"previous_secret_expires_at": {"before": None, "after": (now + previous_valid_for).isoformat()}},
        )
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    """Deletes the webhook with its deliveries and their attempts, and the events nobody else was sent."""
    only_this_webhook = WebhookEvent.objects.filter(deliveries__webhook=webhook).exclude(
        pk__in=WebhookDelivery.objects.exclude(webhook=webhook).values("event_id")
    )
    WebhookEvent.objects.filter(pk__in=only_this_webhook.values("pk")).delete()
    audit_record(
        action=AuditAction.WEBHOOK_DELETED, target=webhook, changes=audit_changes(_audited(webhook), {}, gone=True)
    )
    webhook.delete()
