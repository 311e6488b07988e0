"""Checks that a mailbox's SMTP and IMAP settings work: connect, secure the connection as configured and
sign in, with a short timeout. Nothing is sent or fetched."""

import contextlib
import imaplib
import smtplib
import ssl
from dataclasses import dataclass

from mailboxes.models import Mailbox

DEFAULT_TIMEOUT = 5.0
Encryption = Mailbox.Encryption


@dataclass(frozen=True)
class ConnectionResult:
    service: str  # "SMTP" or "IMAP"
    ok: bool
    detail: str


def _tls_context(validate: bool = True) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not validate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def smtp_check(mailbox: Mailbox, *, timeout: float = DEFAULT_TIMEOUT) -> ConnectionResult:
    host, encryption = mailbox.out_server, mailbox.out_encryption
    try:
        if encryption == Encryption.SSL:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, mailbox.out_port or 465, timeout=timeout, context=_tls_context()
            )
        else:
            smtp = smtplib.SMTP(
                host, mailbox.out_port or (587 if encryption == Encryption.TLS else 25), timeout=timeout
            )
        with smtp:
            smtp.ehlo()
            if encryption == Encryption.TLS:
                smtp.starttls(context=_tls_context())
                smtp.ehlo()
            if mailbox.out_username:
                smtp.login(mailbox.out_username, mailbox.out_password)
    except (OSError, smtplib.SMTPException) as error:
        return ConnectionResult("SMTP", False, f"{type(error).__name__}: {error}")
    signed_in = f", signed in as {mailbox.out_username}" if mailbox.out_username else ""
    return ConnectionResult("SMTP", True, f"connected to {host}{signed_in}")


def imap_check(mailbox: Mailbox, *, timeout: float = DEFAULT_TIMEOUT) -> ConnectionResult:
    host, encryption = mailbox.in_server, mailbox.in_encryption
    context = _tls_context(mailbox.in_validate_cert)
    try:
        if encryption == Encryption.SSL:
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, mailbox.in_port or 993, ssl_context=context, timeout=timeout)
        else:
            imap = imaplib.IMAP4(host, mailbox.in_port or 143, timeout=timeout)
        try:
            if encryption == Encryption.TLS:
                imap.starttls(ssl_context=context)
            if mailbox.in_username:
                imap.login(mailbox.in_username, mailbox.in_password)
        finally:
            # The answer that matters was the one before.
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()
    except (OSError, imaplib.IMAP4.error) as error:
        return ConnectionResult("IMAP", False, f"{type(error).__name__}: {error}")
    signed_in = f", signed in as {mailbox.in_username}" if mailbox.in_username else ""
    return ConnectionResult("IMAP", True, f"connected to {host}{signed_in}")


def mailbox_connections_check(*, mailbox: Mailbox, timeout: float = DEFAULT_TIMEOUT) -> list[ConnectionResult]:
    """The mailbox's own SMTP server (when it sends through one) and its IMAP server (when it fetches)."""
    results = []
    if mailbox.out_method == Mailbox.OutMethod.SMTP:
        results.append(smtp_check(mailbox, timeout=timeout))
    if mailbox.in_server:
        results.append(imap_check(mailbox, timeout=timeout))
    return results
