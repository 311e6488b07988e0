"""Celery tasks of conversations: thin, taking ids; the work is in ``conversations.mail`` and the services."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from conversations.mail.sending import outgoing_email_deliver
from conversations.models import DelayedReply, OutgoingEmail
from conversations.services import attachments_unattached_purge, conversation_tally_compact
from conversations.services.delayed_replies import (
    delayed_replies_purge,
    delayed_reply_attempt_failed,
    delayed_reply_publish_claimed,
)
from helpdesk.outbox import (
    COUNTDOWN_LIMIT,
    OutboxStatus,
    outbox_claim,
    outbox_enqueue_on_commit,
    outbox_retry_soon,
    outbox_sweep,
)

logger = logging.getLogger(__name__)


def _pending_emails():
    return OutgoingEmail.objects.select_related("mailbox")


def _send(item: OutgoingEmail) -> None:
    outbox_retry_soon(outgoing_email_send, item, outgoing_email_deliver(item))


@shared_task(name="conversations.outgoing_email_send", ignore_result=True)
def outgoing_email_send(email_id: int) -> None:
    """Sends one outbox row; a row already sent, taken by another worker or not yet due is left alone."""
    item = outbox_claim(_pending_emails(), email_id)
    if item is not None:
        _send(item)


@shared_task(name="conversations.outgoing_email_sweep", ignore_result=True)
def outgoing_email_sweep() -> int:
    """Sends what the on-commit tasks missed (broker down, worker killed) and the long retries."""
    return outbox_sweep(_pending_emails(), _send, budget_seconds=settings.HELPDESK_OUTBOX_SWEEP_SECONDS * 4)


@shared_task(name="conversations.mail_fetch", ignore_result=True)
def mail_fetch() -> None:
    """Fetches new mail of every mailbox with incoming settings (Celery beat)."""
    from conversations.mail.imap import mail_fetch_all

    mail_fetch_all()


@shared_task(name="conversations.tally_compact", ignore_result=True)
def tally_compact() -> int:
    """Folds the conversation tally's rows (Celery beat); the counts are exact whether it runs or not."""
    return conversation_tally_compact()


@shared_task(name="conversations.attachments_purge", ignore_result=True)
def attachments_purge() -> int:
    """Deletes files uploaded for a message that never got one, with their stored content (Celery beat)."""
    return attachments_unattached_purge(older_than=timedelta(days=settings.HELPDESK_UNATTACHED_FILE_DAYS))


def _publish(item: DelayedReply) -> None:
    try:
        delayed_reply_publish_claimed(item)
    except Exception as error:
        logger.exception("Publishing delayed reply %s failed", item.pk)
        outbox_retry_soon(delayed_reply_publish, item, delayed_reply_attempt_failed(reply=item, error=str(error)))


@shared_task(name="conversations.delayed_reply_publish", ignore_result=True)
def delayed_reply_publish(reply_id: int) -> None:
    """Publishes a reply whose undo window is over; one undone, published already or claimed by the sweep
    is left alone. Run a moment early (the broker's clock), it queues itself again for the rest."""
    item = outbox_claim(DelayedReply.objects.all(), reply_id)
    if item is not None:
        _publish(item)
        return
    due = (
        DelayedReply.objects.filter(pk=reply_id, status=OutboxStatus.PENDING, locked_until__isnull=True)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is not None and timezone.now() < due <= timezone.now() + COUNTDOWN_LIMIT:
        outbox_enqueue_on_commit(delayed_reply_publish, reply_id, countdown=(due - timezone.now()).total_seconds())


@shared_task(name="conversations.delayed_reply_sweep", ignore_result=True)
def delayed_reply_sweep() -> int:
    """Publishes the replies due that no task did (a worker restarted inside the window, the broker down),
    and forgets those published a day ago (Celery beat)."""
    delayed_replies_purge()
    return outbox_sweep(DelayedReply.objects.all(), _publish, budget_seconds=settings.HELPDESK_OUTBOX_SWEEP_SECONDS * 4)
