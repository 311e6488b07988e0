"""Sending webhook deliveries: one attempt of a claimed outbox row, its record, and what follows from it.

The rows are claimed through ``helpdesk.outbox`` (by the ``webhooks.tasks`` task, the sweeper or a ping).
Each attempt POSTs the event's stored bytes, signed afresh (the Standard Webhooks timestamp is the
attempt's), through the SSRF guard of ``helpdesk.outbound``, which checks the URL again and connects to the
address it checked. 2xx succeeds; 410 disables the webhook; everything else, timeouts, refused connections
and redirects (never followed) included, is retried on the outbox schedule. Five days without a success
disable the webhook too.
"""

from __future__ import annotations

import email.utils
import time
from datetime import timedelta

import orjson
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from helpdesk.outbound import FetchError, UnsafeUrl, url_post
from helpdesk.outbox import (
    OutboxStatus,
    outbox_claim_joined,
    outbox_enqueue_on_commit,
    outbox_finish,
    outbox_lease_until,
    outbox_reset,
)
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import webhook_disable
from webhooks.signing import signed_headers

CONNECT_TIMEOUT = 3.0
TIMEOUT = 15.0
FAILING_LIMIT = timedelta(days=5)
PING_EVENT = "freescout.test"


def deliveries_sendable() -> QuerySet[WebhookDelivery]:
    """Rows the task and the sweeper may claim: a disabled webhook's wait, pending, until it is enabled."""
    return WebhookDelivery.objects.filter(webhook__enabled=True).select_related("event", "webhook")


def delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    """Claims the delivery (``outbox_claim`` of ``deliveries_sendable``) with its event and webhook, in one
    statement on PostgreSQL."""
    return outbox_claim_joined(
        deliveries_sendable(), delivery_id, related=("event", "webhook"), condition='{webhook}."enabled"'
    )


def _retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max(0.0, (at - timezone.now()).total_seconds())


def _signing_secrets(webhook: Webhook) -> dict[str, str]:
    expires = webhook.previous_secret_expires_at
    honoured = bool(webhook.previous_secret) and expires is not None and expires > timezone.now()
    return {"secret": webhook.secret, "previous_secret": webhook.previous_secret if honoured else ""}


def delivery_send(delivery: WebhookDelivery, *, retry: bool = True) -> timedelta | None:
    """Makes one attempt of a delivery the caller has claimed and records it. Returns the delay until the
    next attempt, or None when there is none (sent, given up, or ``retry`` is false)."""
    webhook, event = delivery.webhook, delivery.event
    body = bytes(event.payload)
    headers = signed_headers(
        event=event.name, message_id=str(event.pk), timestamp=int(time.time()), body=body, **_signing_secrets(webhook)
    )
    started_at, started = timezone.now(), time.monotonic()
    status_code: int | None = None
    response_headers: dict[str, str] = {}
    response_body = b""
    error = ""
    try:
        status_code, response_headers, response_body, _ = url_post(
            webhook.url,
            body=body,
            headers=headers,
            timeout=TIMEOUT,
            connect_timeout=CONNECT_TIMEOUT,
            max_response_bytes=WebhookAttempt.RESPONSE_BODY_LIMIT,
        )
    except UnsafeUrl as refused:
        error = f"Refused: {refused}"
    except FetchError as failed:
        error = str(failed)
    if status_code is not None and 300 <= status_code < 400:
        error = f"Redirect to {response_headers.get('location', '')!r} not followed"
    succeeded = status_code is not None and 200 <= status_code < 300
    gone = status_code == 410
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            started_at=started_at,
            duration_ms=round((time.monotonic() - started) * 1000),
            status_code=status_code,
            error=error[:500],
            response_body=response_body.decode("utf-8", errors="replace"),
        )
        delay = outbox_finish(
            delivery, succeeded=succeeded, give_up=gone or not retry, retry_after=_retry_after(response_headers)
        )
        _webhook_outcome_record(webhook, succeeded=succeeded, gone=gone)
    return delay


def _webhook_outcome_record(webhook: Webhook, *, succeeded: bool, gone: bool) -> None:
    now = timezone.now()
    rows = Webhook.objects.filter(pk=webhook.pk)
    if succeeded:
        # The webhook was read with the delivery, a moment ago: when it was not failing then, the common case,
        # the statement is skipped (a failure recorded since is cleared by the next success).
        if webhook.failing_since is not None:
            rows.filter(failing_since__isnull=False).update(failing_since=None)
        return
    if gone:
        webhook_disable(webhook=webhook, reason="The receiver answered 410 Gone.")
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    if rows.filter(enabled=True, failing_since__lte=now - FAILING_LIMIT).exists():
        webhook_disable(webhook=webhook, reason="No successful delivery for 5 days.")


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends a delivery again (same event id, same bytes), whatever its status; its attempts stay on record.
    A disabled webhook's delivery waits until the webhook is enabled."""
    from webhooks.tasks import webhook_deliver

    with transaction.atomic():
        outbox_reset(delivery)
        outbox_enqueue_on_commit(webhook_deliver, delivery.pk)
    return delivery


def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """Sends a ``freescout.test`` event to ``webhook`` now, once (no retries), enabled or not; returns the
    delivery with its attempt recorded."""
    body = {
        "event": PING_EVENT,
        "webhookId": webhook.pk,
        "url": webhook.url,
        "sentAt": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    with transaction.atomic():
        event = WebhookEvent.objects.create(name=PING_EVENT, payload=orjson.dumps(body))
        # Created already leased to this call, so no sweeper takes it and retries it.
        delivery = WebhookDelivery.objects.create(event=event, webhook=webhook, locked_until=outbox_lease_until())
    delivery_send(delivery, retry=False)
    delivery.refresh_from_db()
    return delivery


def webhook_log_purge(*, older_than: timedelta) -> int:
    """Deletes finished deliveries (with their attempts) older than ``older_than`` and the events left
    without a delivery; pending ones stay, however old. Returns the number of deliveries deleted."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        _, by_model = WebhookDelivery.objects.filter(~Q(status=OutboxStatus.PENDING), finished_at__lt=cutoff).delete()
        WebhookEvent.objects.filter(created_at__lt=cutoff, deliveries__isnull=True).delete()
    return by_model.get(WebhookDelivery._meta.label, 0)
