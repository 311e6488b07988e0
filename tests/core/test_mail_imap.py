"""Fetching mail over IMAP from a real Dovecot (started unprivileged on a free loopback port), the
`fetch_mail` command, and two mailboxes with auto-replies mailing each other until it settles."""

import imaplib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from conversations.mail import outgoing
from conversations.mail.imap import mail_fetch_all, mail_fetch_mailbox
from conversations.models import Conversation, OutgoingEmail, ReceivedEmail, Thread
from conversations.services import NewThread, conversation_create
from customers.services import customer_create
from mailboxes.models import Mailbox, MailboxFetchCursor
from tests.factories import MailboxFactory
from tests.mail_servers import DOVECOT, DovecotServer, SmtpServer, free_port, outbox_deliver_all

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
]

CORPUS = Path(__file__).parents[1] / "email_corpus"
PASSWORD = "secret-password"


@pytest.fixture
def dovecot():
    with DovecotServer() as server:
        yield server


def imap_mailbox(dovecot: DovecotServer, mailbox: Mailbox, folders: str = "INBOX") -> Mailbox:
    dovecot.add_user(mailbox.email, PASSWORD)
    mailbox.in_server, mailbox.in_port, mailbox.in_encryption = "127.0.0.1", dovecot.port, "none"
    mailbox.in_username, mailbox.in_password, mailbox.in_imap_folders = mailbox.email, PASSWORD, folders
    mailbox.save()
    return mailbox


def deliver(dovecot: DovecotServer, user: str, raw: bytes, folder: str = "INBOX") -> None:
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    try:
        client.login(user, PASSWORD)
        if folder != "INBOX":
            client.create(folder)
        assert client.append(folder, None, None, raw)[0] == "OK"
    finally:
        client.logout()


@pytest.fixture
def support(dovecot, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return imap_mailbox(dovecot, mailbox)


def test_fetch_takes_new_mail_and_keeps_the_cursor(dovecot, support):
    deliver(dovecot, support.email, (CORPUS / "01_plain_new.eml").read_bytes())
    deliver(dovecot, support.email, (CORPUS / "03_attachment.eml").read_bytes())
    assert mail_fetch_mailbox(support) == 2
    assert Conversation.objects.count() == 2
    cursor = MailboxFetchCursor.objects.get(mailbox=support, folder="INBOX")
    assert cursor.last_uid == 2 and cursor.uid_validity > 0
    # Nothing new: nothing read. One more message: only it is read.
    assert mail_fetch_mailbox(support) == 0
    deliver(dovecot, support.email, (CORPUS / "05_latin1.eml").read_bytes())
    assert mail_fetch_mailbox(support) == 1
    assert Conversation.objects.count() == 3
    assert MailboxFetchCursor.objects.get(pk=cursor.pk).last_uid == 3


def test_new_uidvalidity_refetches_and_the_ledger_drops_what_was_taken(dovecot, support):
    deliver(dovecot, support.email, (CORPUS / "01_plain_new.eml").read_bytes())
    mail_fetch_mailbox(support)
    MailboxFetchCursor.objects.update(uid_validity=1, last_uid=99)
    assert mail_fetch_mailbox(support) == 1
    assert Conversation.objects.count() == 1
    assert MailboxFetchCursor.objects.get().last_uid == 1


def test_several_folders(dovecot, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    support = imap_mailbox(dovecot, mailbox, folders="INBOX, Archive")
    deliver(dovecot, support.email, (CORPUS / "01_plain_new.eml").read_bytes())
    deliver(dovecot, support.email, (CORPUS / "12_mailing_list.eml").read_bytes(), folder="Archive")
    assert mail_fetch_mailbox(support) == 2
    assert sorted(MailboxFetchCursor.objects.values_list("folder", flat=True)) == ["Archive", "INBOX"]


def test_a_message_that_cannot_be_taken_is_skipped(dovecot, support, monkeypatch):
    from conversations.mail import imap

    def broken(**kwargs):
        raise RuntimeError("bug")

    deliver(dovecot, support.email, (CORPUS / "01_plain_new.eml").read_bytes())
    monkeypatch.setattr(imap, "mail_ingest", broken)
    assert mail_fetch_mailbox(support) == 1
    assert MailboxFetchCursor.objects.get().last_uid == 1


def test_fetch_mail_command_and_a_failing_mailbox(dovecot, support):
    broken = MailboxFactory(in_server="127.0.0.1", in_port=free_port(), in_username="x", in_encryption="none")
    deliver(dovecot, support.email, (CORPUS / "01_plain_new.eml").read_bytes())
    out = StringIO()
    call_command("fetch_mail", stdout=out)
    assert f"mailbox {support.pk}: 1" in out.getvalue()
    assert f"mailbox {broken.pk}: error" in out.getvalue()
    assert ReceivedEmail.objects.count() == 1


def test_wrong_password_is_reported_not_raised(dovecot, support):
    support.in_password = "wrong"
    support.save()
    assert str(mail_fetch_all()[support.pk]).startswith("error")


def test_two_mailboxes_with_auto_replies_mailing_each_other_settle(db, dovecot, settings, tmp_path, monkeypatch):
    """Each mailbox stands for another installation (so the other is not "our own address"): a message
    from each starts a conversation in the other, each answers with one auto-reply, and the auto-replies
    are threaded without answering them. Mail travels through a real SMTP server into Dovecot."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(outgoing, "own_addresses", lambda: set())
    with SmtpServer() as smtp:
        smtp.handler.on_message = lambda captured: [
            deliver(dovecot, to, captured.raw)
            for to in captured.recipients
            if to in ("a@alpha.example", "b@beta.example")
        ]
        mailboxes = []
        for email in ("a@alpha.example", "b@beta.example"):
            mailbox = MailboxFactory(
                email=email,
                auto_reply_enabled=True,
                **smtp.mailbox_settings,
            )
            mailboxes.append(imap_mailbox(dovecot, mailbox))
        alpha, beta = mailboxes
        for mailbox, other in ((alpha, beta), (beta, alpha)):
            conversation_create(
                mailbox=mailbox,
                subject=f"Hello from {mailbox.email}",
                customer=customer_create(emails=[(other.email, "work")], first_name="Other"),
                threads=[NewThread(type=Thread.Type.MESSAGE, body="<p>Hi there</p>", user=_admin())],
            )
        for _round in range(6):
            sent = outbox_deliver_all()
            fetched = sum(mail_fetch_mailbox(m) for m in mailboxes)
            if not sent and not fetched:
                break
        else:
            pytest.fail("the mailboxes kept mailing each other")
    for mailbox in mailboxes:
        assert OutgoingEmail.objects.filter(mailbox=mailbox, kind="auto_reply").count() == 1
        # Its own conversation (with the other's auto-reply threaded in) and the one the other started.
        assert Conversation.objects.filter(mailbox=mailbox).count() == 2
    assert len(smtp.messages) == 4  # two agent messages, two auto-replies
    assert Thread.objects.filter(type="customer").count() == 4


def test_mailboxes_of_one_installation_do_not_auto_reply_to_each_other(db, dovecot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with SmtpServer() as smtp:
        smtp.handler.on_message = lambda captured: [deliver(dovecot, to, captured.raw) for to in captured.recipients]
        alpha = imap_mailbox(
            dovecot,
            MailboxFactory(
                email="a@alpha.example",
                auto_reply_enabled=True,
                **smtp.mailbox_settings,
            ),
        )
        beta = imap_mailbox(dovecot, MailboxFactory(email="b@beta.example", auto_reply_enabled=True))
        conversation_create(
            mailbox=alpha,
            subject="Internal",
            customer=customer_create(emails=[(beta.email, "work")], first_name="Beta"),
            threads=[NewThread(type=Thread.Type.MESSAGE, body="<p>Hi</p>", user=_admin())],
        )
        outbox_deliver_all()
        mail_fetch_mailbox(beta)
    assert Conversation.objects.filter(mailbox=beta).count() == 1
    assert not OutgoingEmail.objects.filter(kind="auto_reply").exists()


def _admin():
    from helpdesk.models import User
    from tests.factories import AdminFactory

    return User.objects.filter(role="admin").first() or AdminFactory()
