"""Webhook JSON as the API shows it (to admins only: it carries the secret).

The documented keys come first (``id, url, events, lastRunTime, lastRunError``), this project's after.
The last run is the webhook's latest delivery attempt, read with the webhooks (``webhooks_for_output``)."""

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, cast

from freescout.payloads import date_out
from helpdesk.outbox import OutboxStatus
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from webhooks.selectors import deliveries_for_output, last_run_error, webhooks_for_output

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class LastRun(TypedDict):
    """What ``webhooks_for_output`` annotates a webhook with: its latest attempt."""

    last_run_time: datetime | None
    last_run_status: int | None
    last_run_error: str | None


def webhook_payload(webhook: Webhook) -> dict:
    """``webhook`` comes from ``webhooks_for_output``."""
    last_run = cast("WithAnnotations[Webhook, LastRun]", webhook)
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "events": list(webhook.events),
        "lastRunTime": date_out(last_run.last_run_time),
        "lastRunError": last_run_error(status_code=last_run.last_run_status, error=last_run.last_run_error),
        "mailboxes": sorted(mailbox.pk for mailbox in webhook.mailboxes.all()),
        # Text, or a clear error (helpdesk.crypto.SecretUnreadable) when no configured key opens it.
        "secret": str(webhook.secret),
        "enabled": webhook.enabled,
        "createdAt": date_out(webhook.created_at),
    }


def webhook_payload_by_id(webhook_id: int) -> dict:
    return webhook_payload(webhooks_for_output(Webhook.objects.filter(pk=webhook_id)).get())


def attempt_payload(attempt: WebhookAttempt) -> dict:
    return {
        "id": attempt.pk,
        "startedAt": date_out(attempt.started_at),
        "durationMs": attempt.duration_ms,
        "statusCode": attempt.status_code,
        "error": last_run_error(status_code=attempt.status_code, error=attempt.error),
        "responseBody": attempt.response_body,
    }


def delivery_payload(delivery: WebhookDelivery) -> dict:
    """An extension (the delivery log): ``delivery`` comes from ``deliveries_for_output``; ``eventId`` is
    the ``webhook-id`` header receivers dedupe on, the same on every attempt and redelivery."""
    pending = delivery.status == OutboxStatus.PENDING
    return {
        "id": delivery.pk,
        "eventId": str(delivery.event_id),
        "event": delivery.event.name,
        "status": delivery.status,
        "attemptsCount": delivery.attempts_count,
        "nextAttemptAt": date_out(delivery.next_attempt_at) if pending else None,
        "createdAt": date_out(delivery.created_at),
        "finishedAt": date_out(delivery.finished_at),
        "_embedded": {"attempts": [attempt_payload(attempt) for attempt in delivery.attempts.all()]},
    }


def delivery_payload_by_id(delivery_id: int) -> dict:
    return delivery_payload(deliveries_for_output(WebhookDelivery.objects.filter(pk=delivery_id)).get())
