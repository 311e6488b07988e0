"""Sending an ``OutgoingEmail`` row that the caller has claimed (``helpdesk.outbox``), through the
mailbox's own SMTP server or the installation's Django email backend (``EMAIL_URL``)."""

import logging
import smtplib
from datetime import timedelta

from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from conversations.models import OutgoingEmail, SendStatus, Thread
from helpdesk.outbox import OutboxStatus, outbox_finish
from mailboxes.models import Mailbox

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 15
DEFAULT_PORTS: dict[str, int] = {Mailbox.Encryption.SSL: 465, Mailbox.Encryption.TLS: 587, Mailbox.Encryption.NONE: 25}


class _StoredBytes:
    """Looks enough like a MIME message for Django's backends, which only serialise it."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw.replace(b"\r\n", b"\n").replace(b"\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8", "replace")

    def get_charset(self) -> None:
        return None


class StoredEmailMessage(DjangoEmailMessage):
    """A Django email whose MIME body is the bytes stored in the outbox, sent unchanged on every attempt."""

    def __init__(self, *, raw: bytes, sender: str, recipients: list[str]) -> None:
        super().__init__(from_email=sender, to=recipients)
        self.raw = raw

    def message(self, *, policy=None) -> _StoredBytes:
        return _StoredBytes(self.raw)


def mailbox_connection(mailbox: Mailbox) -> BaseEmailBackend:
    if mailbox.out_method == Mailbox.OutMethod.SMTP and mailbox.out_server:
        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=mailbox.out_server,
            port=mailbox.out_port or DEFAULT_PORTS[mailbox.out_encryption],
            username=mailbox.out_username or None,
            password=mailbox.out_password or None,
            use_ssl=mailbox.out_encryption == Mailbox.Encryption.SSL,
            use_tls=mailbox.out_encryption == Mailbox.Encryption.TLS,
            timeout=SMTP_TIMEOUT_SECONDS,
            fail_silently=False,
        )
    return get_connection(fail_silently=False)


def _permanent(error: Exception) -> bool:
    """A 5xx answer will not change on retry (unknown user, rejected content)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError)


def outgoing_email_deliver(item: OutgoingEmail) -> timedelta | None:
    """Sends a claimed row once and records the outcome (and the thread's send status); returns the delay
    before the next attempt, if any. Network I/O happens outside any transaction."""
    error: Exception | None = None
    try:
        message = StoredEmailMessage(raw=bytes(item.message), sender=item.sender, recipients=list(item.recipients))
        with mailbox_connection(item.mailbox) as connection:
            connection.send_messages([message])
    except (smtplib.SMTPException, OSError, ValueError) as caught:
        error = caught
        logger.warning("Email %s to %s failed: %s", item.pk, item.recipients, caught)
    with transaction.atomic():
        delay = outbox_finish(item, succeeded=error is None, give_up=error is not None and _permanent(error))
        if error is not None:
            OutgoingEmail.objects.filter(pk=item.pk).update(last_error=f"{type(error).__name__}: {error}"[:500])
        if item.thread_id is not None and item.status != OutboxStatus.PENDING:
            status = SendStatus.SENT if item.status == OutboxStatus.SUCCEEDED else SendStatus.FAILED
            Thread.objects.filter(pk=item.thread_id).exclude(send_status=SendStatus.BOUNCED).update(send_status=status)
    return delay
