"""Fetching new mail over IMAP (stdlib ``imaplib``) for the mailboxes with incoming settings.

Per folder, a cursor (``MailboxFetchCursor``) keeps UIDVALIDITY and the last UID taken. Each message is
taken in its own transaction together with the cursor's advance, so a crash re-fetches at most the message
in flight, and the dedupe ledger drops it if it had already been taken. A new UIDVALIDITY (the folder was
recreated) restarts from the first UID; the ledger drops what was already taken. Messages stay on the server.
"""

import contextlib
import imaplib
import logging
import re
import ssl
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conversations.mail.ingest import mail_ingest
from mailboxes.models import Mailbox, MailboxFetchCursor

logger = logging.getLogger(__name__)

DEFAULT_PORTS: dict[str, int] = {Mailbox.Encryption.SSL: 993, Mailbox.Encryption.TLS: 143, Mailbox.Encryption.NONE: 143}
# Messages fetched per folder and run; the next run continues where this one stopped.
BATCH_SIZE = 200


class MailFetchError(Exception):
    pass


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    port = mailbox.in_port or DEFAULT_PORTS[mailbox.in_encryption]
    context = ssl.create_default_context()
    if not mailbox.in_validate_cert:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    timeout = settings.HELPDESK_IMAP_TIMEOUT_SECONDS
    if mailbox.in_encryption == Mailbox.Encryption.SSL:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.in_server, port, ssl_context=context, timeout=timeout)
    else:
        client = imaplib.IMAP4(mailbox.in_server, port, timeout=timeout)
        if mailbox.in_encryption == Mailbox.Encryption.TLS:
            client.starttls(ssl_context=context)
    client.login(mailbox.in_username, mailbox.in_password)
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple[str, list], what: str) -> list:
    status, data = response
    if status != "OK":
        raise MailFetchError(f"{what}: {status} {data!r}")
    return data


def _fetch_folder(client: imaplib.IMAP4, mailbox: Mailbox, folder: str) -> int:
    _check(client.select(_quoted(folder), readonly=True), f"SELECT {folder}")
    # A UIDVALIDITY response is a number, never the (header, literal) pair of a FETCH.
    uid_validity = int(cast(bytes, client.untagged_responses.get("UIDVALIDITY", [b"0"])[-1]))
    cursor, _ = MailboxFetchCursor.objects.get_or_create(
        mailbox=mailbox, folder=folder, defaults={"uid_validity": uid_validity}
    )
    if cursor.uid_validity != uid_validity:
        logger.warning("Mailbox %s folder %s: UIDVALIDITY changed, fetching it again", mailbox.pk, folder)
        cursor.uid_validity, cursor.last_uid = uid_validity, 0
        cursor.save(update_fields=["uid_validity", "last_uid"])
    data = _check(client.uid("SEARCH", f"UID {cursor.last_uid + 1}:*"), "UID SEARCH")
    # "n:*" always matches the last message, even when its UID is below n.
    uids = sorted(uid for uid in (int(u) for u in b" ".join(data).split()) if uid > cursor.last_uid)[:BATCH_SIZE]
    taken = 0
    for uid in uids:
        response = _check(client.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"UID FETCH {uid}")
        raw = next((item[1] for item in response if isinstance(item, tuple)), None)
        with transaction.atomic():
            if raw is not None:
                _ingest_one(mailbox, folder, uid, raw)
            MailboxFetchCursor.objects.filter(pk=cursor.pk).update(last_uid=uid, updated_at=timezone.now())
        taken += 1
    return taken


def _ingest_one(mailbox: Mailbox, folder: str, uid: int, raw: bytes) -> None:
    try:
        with transaction.atomic():
            mail_ingest(mailbox=mailbox, raw=raw)
    except Exception:
        # One message we cannot take must not stop the mailbox; it stays on the server for a look.
        logger.exception("Mailbox %s folder %s UID %s could not be taken in; skipped", mailbox.pk, folder, uid)


def mail_fetch_mailbox(mailbox: Mailbox) -> int:
    """Takes in the new mail of every configured folder; returns how many messages were read."""
    folders = [f.strip() for f in re.split(r"[,\n]", mailbox.in_imap_folders or "INBOX") if f.strip()]
    client = _connect(mailbox)
    try:
        return sum(_fetch_folder(client, mailbox, folder) for folder in folders)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def mail_fetch_all() -> dict[int, int | str]:
    """Fetches every mailbox with incoming settings; a failing mailbox is logged and the others go on."""
    results: dict[int, int | str] = {}
    for mailbox in Mailbox.objects.exclude(in_server="").exclude(in_username="").order_by("pk"):
        try:
            results[mailbox.pk] = mail_fetch_mailbox(mailbox)
        except (imaplib.IMAP4.error, OSError, MailFetchError) as error:
            logger.warning("Fetching mail of mailbox %s failed: %s", mailbox.pk, error)
            results[mailbox.pk] = f"error: {error}"
    return results
