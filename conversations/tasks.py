"""Celery tasks of conversations: thin, taking ids; the work is in ``conversations.mail``."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from conversations.mail.sending import outgoing_email_deliver
from conversations.models import OutgoingEmail
from conversations.services import attachments_unattached_purge, conversation_tally_compact
from helpdesk.outbox import outbox_claim, outbox_retry_soon, outbox_sweep


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
