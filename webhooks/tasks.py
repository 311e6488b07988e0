"""Celery tasks of webhook delivery: thin callers of ``webhooks.delivery`` that take ids and claim rows
first, so running one twice, or alongside the sweeper, sends once."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from helpdesk.outbox import outbox_retry_soon, outbox_sweep
from webhooks.delivery import deliveries_sendable, delivery_claim, delivery_send, webhook_log_purge
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)


def _send(delivery: WebhookDelivery) -> None:
    outbox_retry_soon(webhook_deliver, delivery, delivery_send(delivery))


@shared_task(name="webhooks.deliver")
def webhook_deliver(*delivery_ids: int) -> None:
    """Sends the deliveries one transaction wrote (or one to retry), each claimed just before its attempt."""
    for delivery_id in delivery_ids:
        delivery = delivery_claim(delivery_id)
        if delivery is None:
            continue
        try:
            _send(delivery)
        except Exception:
            if len(delivery_ids) == 1:
                raise
            # Its lease runs out and the sweeper takes it again; the others in the batch must not wait for that.
            logger.exception("Sending webhook delivery %s failed", delivery_id)


@shared_task(name="webhooks.sweep")
def webhook_deliveries_sweep() -> int:
    """Sends what the on-commit tasks missed (broker down, worker killed, retries due); runs on beat."""
    return outbox_sweep(deliveries_sendable(), _send, budget_seconds=settings.HELPDESK_OUTBOX_SWEEP_SECONDS * 4)


@shared_task(name="webhooks.purge")
def webhook_log_purge_task() -> int:
    return webhook_log_purge(older_than=timedelta(days=settings.HELPDESK_WEBHOOK_LOG_RETENTION_DAYS))
