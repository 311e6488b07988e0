"""The webhook write path made cheap (issue 22), still reliable: the deliveries a transaction writes leave in one
task message, one delivery per webhook and event, savepoint rollbacks honoured; the task sends each id it
carries once, signed, claimed just before its attempt, and one row failing does not hold back the others.
The real worker (threads pool, a killed batch) is in test_webhook_worker.py."""

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook as StandardWebhook

from conversations.models import Thread
from conversations.services import CustomerRef, NewThread, ThreadIntake, conversation_intake
from customers.services import customer_create
from helpdesk.outbox import OutboxStatus
from tests.core import test_webhook_delivery
from tests.factories import MailboxFactory, WebhookFactory
from webhooks import services as webhook_services
from webhooks import tasks as webhook_tasks
from webhooks.models import Event, Webhook, WebhookDelivery
from webhooks.signing import freescout_signature
from webhooks.tasks import webhook_deliver, webhook_deliveries_sweep

# The receiver on loopback, and loopback allowed as a webhook's address, as the delivery tests have them.
receiver = test_webhook_delivery.receiver
_loopback_allowed = test_webhook_delivery._loopback_allowed


@pytest.fixture
def queued(monkeypatch):
    """The argument tuples of every send task message published (instead of publishing it)."""
    messages: list[tuple] = []
    monkeypatch.setattr(webhook_deliver, "apply_async", lambda args, **options: messages.append(tuple(args)))
    return messages


def _customer(number: int) -> None:
    customer_create(first_name="Ada", emails=[(f"ada{number}@example.org", "work")])


@pytest.mark.django_db
def test_a_transaction_with_several_events_and_webhooks_queues_one_message_with_one_delivery_each(
    django_capture_on_commit_callbacks, queued, receiver
):
    events = [Event.CUSTOMER_CREATED, Event.CONVO_CREATED]
    hooks = [WebhookFactory(url=receiver.url, events=events) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        # A new customer and its conversation: customer.created and convo.created, in one transaction.
        conversation_intake(
            mailbox=MailboxFactory(),
            subject="Hi",
            customer=CustomerRef(email="new@example.org"),
            threads=[ThreadIntake(thread=NewThread(type=Thread.Type.CUSTOMER, body="Hello"))],
        )
    deliveries = WebhookDelivery.objects.select_related("event")
    pairs = sorted((d.event.name, d.webhook_id) for d in deliveries)
    assert pairs == sorted((name, hook.pk) for name in events for hook in hooks)
    assert queued == [tuple(sorted(d.pk for d in deliveries))]


@pytest.mark.django_db
def test_nobody_subscribed_writes_and_queues_nothing(django_capture_on_commit_callbacks, queued):
    WebhookFactory(events=[Event.CONVO_CREATED])  # another event
    WebhookFactory(events=[Event.CUSTOMER_CREATED], enabled=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _customer(1)
    assert (callbacks, queued, WebhookDelivery.objects.count()) == ([], [], 0)


@pytest.mark.django_db
def test_a_mailbox_filter_picks_the_webhooks_of_the_conversations_mailbox(django_capture_on_commit_callbacks, queued):
    ours, other = MailboxFactory(), MailboxFactory()
    everywhere = WebhookFactory(events=[Event.CONVO_CREATED])
    limited = WebhookFactory(events=[Event.CONVO_CREATED])
    limited.mailboxes.set([other, ours])
    elsewhere = WebhookFactory(events=[Event.CONVO_CREATED])
    elsewhere.mailboxes.set([other])
    with django_capture_on_commit_callbacks(execute=True):
        conversation_intake(
            mailbox=ours,
            subject="Hi",
            customer=CustomerRef(email="new@example.org"),
            threads=[ThreadIntake(thread=NewThread(type=Thread.Type.CUSTOMER, body="Hello"))],
        )
    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == [everywhere.pk, limited.pk]


@pytest.mark.django_db
def test_deliveries_written_after_a_rolled_back_savepoint_are_still_queued(
    django_capture_on_commit_callbacks, queued, receiver
):
    WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # The first batch is started inside a savepoint that rolls back, and goes with it ...
        with pytest.raises(RuntimeError), transaction.atomic():
            _customer(1)
            raise RuntimeError("undo")
        # ... so the next event starts a batch of its own; one joining it from a rolled-back savepoint names
        # a row that never commits, which the task skips.
        _customer(2)
        with pytest.raises(RuntimeError), transaction.atomic():
            _customer(3)
            raise RuntimeError("undo")
    kept = list(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(kept) == 1
    (message,) = queued
    assert message[0] == kept[0] and len(message) == 2
    webhook_deliver(*message)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status == OutboxStatus.SUCCEEDED


@pytest.mark.django_db
def test_a_large_transaction_is_split_into_messages_of_a_few_deliveries(
    django_capture_on_commit_callbacks, queued, monkeypatch
):
    monkeypatch.setattr(webhook_services, "DELIVERIES_PER_TASK", 2)
    for _ in range(3):
        WebhookFactory(events=[Event.CUSTOMER_CREATED])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _customer(1)
        _customer(2)
    ids = sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    assert [len(message) for message in queued] == [2, 2, 2]
    assert sorted(pk for message in queued for pk in message) == ids


@pytest.mark.django_db
def test_the_task_sends_each_id_it_carries_once_each_signed_with_its_webhooks_secret(
    django_capture_on_commit_callbacks, queued, receiver
):
    hooks = {
        hook.pk: hook for hook in (WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED]) for _ in "ab")
    }
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _customer(1)
        _customer(2)
    (message,) = queued
    webhook_deliver(*message)
    webhook_deliver(*message)  # run twice (a redelivered message): every row is claimed already
    assert len(receiver.received) == 4
    seen = set()
    for request in receiver.received:
        # Each request carries the signatures of one of the event's deliveries' webhooks.
        (signer,) = (
            hooks[delivery.webhook_id]
            for delivery in WebhookDelivery.objects.filter(event_id=request.headers["webhook-id"])
            if freescout_signature(request.body, hooks[delivery.webhook_id].secret)
            == request.headers["x-freescout-signature"]
        )
        StandardWebhook(signer.secret).verify(request.body, request.headers)
        seen.add((request.headers["webhook-id"], signer.pk))
    assert len(seen) == 4
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {OutboxStatus.SUCCEEDED}


@pytest.mark.django_db
def test_one_row_failing_in_a_batch_does_not_hold_back_the_others(
    django_capture_on_commit_callbacks, queued, receiver, monkeypatch, settings
):
    WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _customer(1)
        _customer(2)
    (message,) = queued
    first, second = message
    real_send = webhook_tasks.delivery_send

    def failing_first(delivery, **options):
        if delivery.pk == first:
            raise RuntimeError("a bug while sending")
        return real_send(delivery, **options)

    monkeypatch.setattr(webhook_tasks, "delivery_send", failing_first)
    webhook_deliver(*message)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get(pk=second).status == OutboxStatus.SUCCEEDED
    stuck = WebhookDelivery.objects.get(pk=first)
    assert stuck.status == OutboxStatus.PENDING and stuck.locked_until is not None
    # Once its lease has run out, the sweeper sends it, with the same event id.
    monkeypatch.setattr(webhook_tasks, "delivery_send", real_send)
    WebhookDelivery.objects.filter(pk=first).update(locked_until=None)
    webhook_deliveries_sweep()
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["webhook-id"] == str(stuck.event_id)


@pytest.mark.django_db
def test_a_success_clears_a_failing_webhooks_clock(receiver, django_capture_on_commit_callbacks, queued):
    from django.utils import timezone

    hook = WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED], failing_since=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        _customer(1)
    webhook_deliver(*queued[0])
    assert Webhook.objects.get(pk=hook.pk).failing_since is None
