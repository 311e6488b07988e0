"""Webhook delivery in process: signatures, one attempt and its record, the retry schedule, 410, redirects,
the SSRF guard at delivery time, auto-disable, leases. Requests go to a real HTTP server on loopback
(tests/http_receiver.py); the real Celery worker and broker are in test_webhook_worker.py."""

import logging
import threading
from datetime import timedelta

import orjson
import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as StandardWebhook

from customers.services import customer_create
from helpdesk.outbox import OutboxStatus, outbox_claim, outbox_finish
from tests.factories import WebhookFactory
from tests.http_receiver import Receiver, Reply
from webhooks.delivery import deliveries_sendable, delivery_send, webhook_log_purge
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_enable, webhook_secret_rotate
from webhooks.signing import freescout_signature, standard_webhooks_signature
from webhooks.tasks import webhook_deliver, webhook_deliveries_sweep

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def emit(receiver: Receiver, **webhook) -> WebhookDelivery:
    """A customer.created event for one webhook pointing at ``receiver``; returns its delivery."""
    WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED], **webhook)
    customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
    return WebhookDelivery.objects.select_related("event", "webhook").get()


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


# --- signatures ----------------------------------------------------------------------------------------


def test_freescout_signature_vector():
    # Computed with `openssl dgst -sha1 -hmac "$SECRET" -binary | base64`: the key is the secret string itself.
    body = b'{"id":1,"email":"ada@example.org"}'
    assert freescout_signature(body, SECRET) == "lTQK1ANcLUd70LPsYd4SnjJhlmk="


def test_standard_webhooks_signature_vectors():
    # The example of the Standard Webhooks specification, then one computed with openssl (hexkey = the
    # base64-decoded bytes after whsec_).
    assert (
        standard_webhooks_signature(
            message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp=1614265330,
            body=b'{"test": 2432232314}',
            secrets=[SECRET],
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    assert (
        standard_webhooks_signature(
            message_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
            timestamp=1674087231,
            body=b'{"id":1,"email":"ada@example.org"}',
            secrets=[SECRET],
        )
        == "v1,gdsmTln7u+wsioMcWZ8eWQs1WOWmPMuDGBmA6Uj+g8k="
    )


@pytest.mark.django_db
def test_a_delivery_is_signed_in_both_schemes_over_the_bytes_stored(receiver):
    delivery = emit(receiver)
    webhook_deliver(delivery.pk)
    (request,) = receiver.received
    stored = bytes(delivery.event.payload)
    assert request.body == stored
    assert orjson.loads(stored)["_embedded"]["emails"][0]["value"] == "ada@example.org"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-freescout-event"] == "customer.created"
    assert request.headers["x-freescout-signature"] == freescout_signature(stored, delivery.webhook.secret)
    assert request.headers["webhook-id"] == str(delivery.event.pk)
    # The package the issue names verifies the modern signature (and the timestamp's freshness).
    assert StandardWebhook(delivery.webhook.secret).verify(request.body, request.headers) == orjson.loads(stored)


@pytest.mark.django_db
def test_after_a_rotation_both_secrets_sign_until_the_old_one_expires(receiver):
    delivery = emit(receiver)
    old = delivery.webhook.secret
    webhook = webhook_secret_rotate(webhook=delivery.webhook)
    assert webhook.secret != old and webhook.secret.startswith("whsec_")
    webhook_deliver(delivery.pk)
    request = receiver.received[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, webhook.secret):
        StandardWebhook(secret).verify(request.body, request.headers)
    assert request.headers["x-freescout-signature"] == freescout_signature(request.body, webhook.secret)

    type(webhook).objects.filter(pk=webhook.pk).update(previous_secret_expires_at=timezone.now())
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=OutboxStatus.PENDING)
    webhook_deliver(delivery.pk)
    assert len(receiver.received[1].headers["webhook-signature"].split(" ")) == 1


# --- outcomes ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_success_is_recorded_with_the_attempt():
    with Receiver(default=Reply(201, body=b"thanks")) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts_count, delivery.locked_until) == ("succeeded", 1, None)
    assert delivery.finished_at is not None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error, attempt.response_body) == (201, "", "thanks")


@pytest.mark.django_db
def test_a_failure_is_retried_on_the_schedule_with_the_same_bytes_and_event_id():
    with Receiver(script=[Reply(500, body=b"x" * 5000)]) as receiver:
        delivery = emit(receiver)
        before = timezone.now()
        webhook_deliver(delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts_count) == ("pending", 1)
        # The second attempt waits 5 s, ±20 %.
        assert before + timedelta(seconds=3.9) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=6.1)
        webhook_deliver(delivery.pk)  # not due yet: nothing happens
        assert len(receiver.received) == 1
        make_due(delivery)
        webhook_deliver(delivery.pk)
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts_count) == ("succeeded", 2)
    failed = WebhookAttempt.objects.get(status_code=500)
    assert len(failed.response_body) == WebhookAttempt.RESPONSE_BODY_LIMIT


@pytest.mark.django_db
def test_retry_after_lengthens_the_wait():
    with Receiver(script=[Reply(503, headers={"Retry-After": "120"})]) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=110)


@pytest.mark.django_db
def test_the_schedule_ends_and_the_delivery_is_given_up(settings):
    settings.HELPDESK_OUTBOX_RETRY_SCHEDULE = [0, 0]
    with Receiver(default=Reply(500)) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
        make_due(delivery)
        webhook_deliver(delivery.pk)
        webhook_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts_count, len(receiver.received)) == ("failed", 2, 2)


@pytest.mark.django_db
def test_410_disables_the_webhook_and_its_pending_deliveries_wait_until_it_is_enabled():
    with Receiver(script=[Reply(410)]) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
        delivery.refresh_from_db()
        webhook = delivery.webhook
        webhook.refresh_from_db()
        assert delivery.status == "failed"
        assert (webhook.enabled, webhook.disabled_reason) == (False, "The receiver answered 410 Gone.")
        # Disabled, a pending delivery of it is not sent.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
        webhook_deliver(delivery.pk)
        assert len(receiver.received) == 1
        assert webhook_enable(webhook=webhook)
        webhook_deliver(delivery.pk)
        assert len(receiver.received) == 2


@pytest.mark.django_db
def test_redirects_are_failures_and_not_followed():
    with Receiver() as elsewhere, Receiver(default=Reply(302, headers={"Location": elsewhere.url})) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
        assert elsewhere.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302
    assert attempt.error == f"Redirect to {elsewhere.url!r} not followed"
    delivery.refresh_from_db()
    assert delivery.status == "pending"


@pytest.mark.django_db
def test_a_private_address_is_refused_at_delivery_time(receiver, settings):
    delivery = emit(receiver)  # the URL was accepted while private networks were allowed
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    webhook_deliver(delivery.pk)
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "Refused: 127.0.0.1 is not a public address"


@pytest.mark.django_db
def test_a_refused_connection_is_an_attempt_that_failed():
    with Receiver() as receiver:
        url = receiver.url
    WebhookFactory(url=url, events=[Event.CUSTOMER_CREATED])
    customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery.pk)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "cannot connect" in attempt.error
    delivery.refresh_from_db()
    assert delivery.status == "pending"


@pytest.mark.django_db
def test_five_days_without_success_disable_the_webhook():
    with Receiver(default=Reply(500)) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
        webhook = delivery.webhook
        webhook.refresh_from_db()
        assert webhook.enabled and webhook.failing_since is not None
        type(webhook).objects.filter(pk=webhook.pk).update(failing_since=timezone.now() - timedelta(days=5, seconds=1))
        make_due(delivery)
        webhook_deliver(delivery.pk)
    webhook.refresh_from_db()
    assert (webhook.enabled, webhook.disabled_reason) == (False, "No successful delivery for 5 days.")


@pytest.mark.django_db
def test_a_success_restarts_the_failure_clock():
    with Receiver(script=[Reply(500)]) as receiver:
        delivery = emit(receiver)
        webhook_deliver(delivery.pk)
        make_due(delivery)
        webhook_deliver(delivery.pk)
    delivery.webhook.refresh_from_db()
    assert delivery.webhook.failing_since is None


# --- claims and leases ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_run_twice_sends_once(receiver):
    delivery = emit(receiver)
    webhook_deliver(delivery.pk)
    webhook_deliver(delivery.pk)
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_a_row_another_worker_holds_is_not_sent(receiver):
    delivery = emit(receiver)
    assert outbox_claim(deliveries_sendable(), delivery.pk) is not None
    webhook_deliver(delivery.pk)
    webhook_deliveries_sweep()
    assert receiver.received == []


@pytest.mark.django_db
def test_an_expired_lease_is_claimed_again_and_the_old_holder_changes_nothing(receiver):
    delivery = emit(receiver)
    stale = outbox_claim(deliveries_sendable(), delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert webhook_deliveries_sweep() == 1
    assert len(receiver.received) == 1
    assert outbox_finish(stale, succeeded=False) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts_count) == ("succeeded", 1)


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_delivery_once():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs a single delivery worker")
    with Receiver(default=Reply(200, delay=0.02)) as receiver:
        WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
        for number in range(30):
            customer_create(first_name="Ada", emails=[(f"ada{number}@example.org", "work")])
        errors: list[BaseException] = []

        def sweep() -> None:
            try:
                webhook_deliveries_sweep()
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        sweepers = [threading.Thread(target=sweep) for _ in range(2)]
        for sweeper in sweepers:
            sweeper.start()
        for sweeper in sweepers:
            sweeper.join()
        assert errors == []
        ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


# --- enqueueing and the log ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_send_task_is_queued_on_commit_once_for_the_deliveries_of_the_transaction(
    django_capture_on_commit_callbacks, receiver
):
    WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
    WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])
    with django_capture_on_commit_callbacks() as callbacks:
        customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
    assert len(callbacks) == 1
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_a_broker_failure_on_commit_is_logged_and_swallowed(django_capture_on_commit_callbacks, receiver, caplog):
    # A stand-in for an unreachable broker (the real outage is in test_webhook_worker.py).
    WebhookFactory(url=receiver.url, events=[Event.CUSTOMER_CREATED])

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    webhook_deliver.apply_async, original = unreachable, webhook_deliver.apply_async
    try:
        with caplog.at_level(logging.WARNING, "helpdesk.outbox"), django_capture_on_commit_callbacks(execute=True):
            customer_create(first_name="Ada", emails=[("ada@example.org", "work")])
    finally:
        webhook_deliver.apply_async = original
    assert "the outbox sweeper will send it" in caplog.text
    assert WebhookDelivery.objects.get().status == "pending"
    webhook_deliveries_sweep()
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_the_log_purge_keeps_pending_and_recent_deliveries(receiver):
    delivery = emit(receiver)
    webhook_deliver(delivery.pk)
    customer_create(first_name="Bob", emails=[("bob@example.org", "work")])  # pending
    old = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.update(created_at=old)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(finished_at=old)
    WebhookEvent.objects.update(created_at=old)
    assert webhook_log_purge(older_than=timedelta(days=30)) == 1
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["pending"]
    assert WebhookEvent.objects.count() == 1
    assert WebhookAttempt.objects.count() == 0


@pytest.mark.django_db
def test_delivery_send_without_retry_gives_up_at_once():
    with Receiver(default=Reply(500)) as receiver:
        delivery = emit(receiver)
        claimed = outbox_claim(deliveries_sendable(), delivery.pk)
        assert delivery_send(claimed, retry=False) is None
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def _claimed_values(item: WebhookDelivery) -> list[dict[str, object]]:
    return [
        {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}
        for instance in (item, item.event, item.webhook)
    ]


@pytest.mark.django_db
def test_the_claim_in_one_statement_is_the_general_claim(receiver, django_assert_max_num_queries):
    from helpdesk.outbox import outbox_claim_joined

    delivery = emit(receiver, previous_secret="whsec_old", failing_since=timezone.now())
    rows = WebhookDelivery.objects.filter(pk=delivery.pk)
    lease = timezone.now() + timedelta(minutes=5)

    def both() -> tuple[WebhookDelivery | None, WebhookDelivery | None]:
        before = list(rows.values_list("locked_until", flat=True))
        with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
            joined = outbox_claim_joined(
                deliveries_sendable(), delivery.pk, related=("event", "webhook"), condition='{webhook}."enabled"'
            )
        rows.update(locked_until=before[0])
        general = outbox_claim(deliveries_sendable(), delivery.pk)
        rows.update(locked_until=before[0])
        return joined, general

    joined, general = both()
    assert joined is not None and general is not None
    joined_values, general_values = _claimed_values(joined), _claimed_values(general)
    assert abs(joined_values[0].pop("locked_until") - general_values[0].pop("locked_until")) < timedelta(seconds=5)
    assert joined_values == general_values
    assert isinstance(joined.event.payload, bytes | memoryview) and bytes(joined.event.payload)
    assert joined.webhook.events == [Event.CUSTOMER_CREATED]

    # Nothing to claim: held by another worker, not yet due, finished, or its webhook disabled.
    for change in (
        {"locked_until": lease},
        {"next_attempt_at": timezone.now() + timedelta(minutes=1)},
        {"status": OutboxStatus.SUCCEEDED},
    ):
        rows.update(**change)
        assert both() == (None, None)
        rows.update(locked_until=None, next_attempt_at=timezone.now(), status=OutboxStatus.PENDING)
    delivery.webhook.__class__.objects.filter(pk=delivery.webhook_id).update(enabled=False)
    assert both() == (None, None)
