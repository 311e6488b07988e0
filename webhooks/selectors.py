"""Reads of webhooks and their delivery log, for the API and the admin."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

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


def deliveries_for_output(deliveries: QuerySet[WebhookDelivery]) -> QuerySet[WebhookDelivery]:
    return deliveries.select_related("event").prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("started_at", "id"))
    )
