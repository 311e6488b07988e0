"""Celery tasks of webhook delivery: thin callers of ``webhooks.delivery`` that take ids and claim rows
first, so running one twice, or alongside the sweeper, sends once."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from helpdesk.outbox import outbox_claim, outbox_retry_soon, outbox_sweep
from webhooks.delivery import deliveries_sendable, delivery_send, webhook_log_purge
from webhooks.models import WebhookDelivery


def _send(delivery: WebhookDelivery) -> None:
    outbox_retry_soon(webhook_deliver, delivery, delivery_send(delivery))


@shared_task(name="webhooks.deliver")
def webhook_deliver(delivery_id: int) -> None:
    delivery = outbox_claim(deliveries_sendable(), delivery_id)
    if delivery is not None:
        _send(delivery)


@shared_task(name="webhooks.sweep")
def webhook_deliveries_sweep() -> int:
    """Sends what the on-commit tasks missed (broker down, worker killed, retries due); runs on beat."""
    return outbox_sweep(deliveries_sendable(), _send, budget_seconds=settings.HELPDESK_OUTBOX_SWEEP_SECONDS * 4)


@shared_task(name="webhooks.purge")
def webhook_log_purge_task() -> int:
    return webhook_log_purge(older_than=timedelta(days=settings.HELPDESK_WEBHOOK_LOG_RETENTION_DAYS))
