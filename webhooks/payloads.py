"""Webhook JSON as the API shows it (to admins only: it carries the secret).

The documented keys come first (``id, url, events, lastRunTime, lastRunError``), this project's after.
The last run is the webhook's latest delivery attempt, read with the webhooks (``webhooks_for_output``)."""

from django.db.models import OuterRef, QuerySet, Subquery

from helpdesk.payloads import date_out
from webhooks.models import Webhook, WebhookAttempt


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
