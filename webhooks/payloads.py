"""Webhook JSON as the API shows it (to admins only: it carries the secret).

The documented keys come first (``id, url, events, lastRunTime, lastRunError``), this project's after.
The last run is the webhook's latest delivery attempt, read with the webhooks (``webhooks_for_output``)."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from helpdesk.outbox import OutboxStatus
from helpdesk.payloads import date_out
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery


def webhooks_for_output(webhooks: QuerySet[Webhook]) -> QuerySet[Webhook]:
    """``webhooks`` with what ``webhook_payload`` reads: the latest attempt's time, status and error
    (subqueries, so a page costs the same few queries whatever the number of attempts) and the mailboxes."""
    latest = WebhookAttempt.objects.filter(delivery__webhook=OuterRef("pk")).order_by("-started_at", "-id")[:1]
    return webhooks.annotate(
        last_run_time=Subquery(latest.values("started_at")),
        last_run_status=Subquery(latest.values("status_code")),
        last_run_error=Subquery(latest.values("error")),
    ).prefetch_related("mailboxes")


def last_run_error(*, status_code: int | None, error: str | None) -> str | None:
    """Why an attempt failed: its error, or ``HTTP <status>`` for a response other than 2xx; None when it
    succeeded (or is still running)."""
    if error:
        return error
    if status_code is not None and not 200 <= status_code < 300:
        return f"HTTP {status_code}"
    return None


def webhook_payload(webhook: Webhook) -> dict:
    """``webhook`` comes from ``webhooks_for_output``."""
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "events": list(webhook.events),
        "lastRunTime": date_out(webhook.last_run_time),
        "lastRunError": last_run_error(status_code=webhook.last_run_status, error=webhook.last_run_error),
        "mailboxes": sorted(mailbox.pk for mailbox in webhook.mailboxes.all()),
        "secret": webhook.secret,
        "enabled": webhook.enabled,
        "createdAt": date_out(webhook.created_at),
    }


def webhook_payload_by_id(webhook_id: int) -> dict:
    return webhook_payload(webhooks_for_output(Webhook.objects.filter(pk=webhook_id)).get())


def deliveries_for_output(deliveries: QuerySet[WebhookDelivery]) -> QuerySet[WebhookDelivery]:
    return deliveries.select_related("event").prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("started_at", "id"))
    )


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
