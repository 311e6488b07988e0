"""Email end to end with a real Celery worker and beat (the webhook worker tests' rig: a private Redis, the
test database on PostgreSQL): an API reply leaves through SMTP, and mail waiting in Dovecot is fetched on
the beat schedule, answered by the auto-reply."""

import time

import pytest
from rest_framework.test import APIClient

from conversations.models import Conversation, OutgoingEmail
from helpdesk.services import api_key_create
from tests.core.test_mail_imap import deliver, imap_mailbox
from tests.core.test_webhook_worker import rig as webhook_rig
from tests.core.test_webhook_worker import wait_until
from tests.factories import AdminFactory, MailboxFactory
from tests.mail_servers import DOVECOT, DovecotServer, SmtpServer

rig = webhook_rig  # the fixture: a private Redis and a worker on the test database (PostgreSQL only)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
]


def test_worker_sends_replies_and_beat_fetches_mail(rig, tmp_path, settings):
    _, worker = rig
    worker.env = {**worker.env, "HELPDESK_MAIL_FETCH_SECONDS": "1", "HELPDESK_MEDIA_ROOT": str(tmp_path / "media")}
    settings.MEDIA_ROOT = tmp_path / "media"
    with SmtpServer() as smtp, DovecotServer() as dovecot:
        mailbox = MailboxFactory(
            email="support@example.com",
            auto_reply_enabled=True,
            **smtp.mailbox_settings,
        )
        imap_mailbox(dovecot, mailbox)
        deliver(
            dovecot,
            mailbox.email,
            b"From: Jane <jane@customer.example>\r\nTo: support@example.com\r\nSubject: Help\r\n"
            b"Message-ID: <help-1@customer.example>\r\n\r\nMy printer is on fire.\r\n",
        )
        worker.start()
        wait_until(lambda: Conversation.objects.exists(), timeout=30, what="beat to fetch the mail")
        wait_until(lambda: len(smtp.messages) == 1, timeout=30, what="the auto-reply")
        assert smtp.messages[0].message["Auto-Submitted"] == "auto-replied"

        admin = AdminFactory()
        api = APIClient()
        api.credentials(HTTP_X_FREESCOUT_API_KEY=api_key_create(user=admin)[1])
        conversation = Conversation.objects.get()
        response = api.post(
            f"/api/conversations/{conversation.pk}/threads",
            {"type": "message", "text": "Use the extinguisher.", "user": admin.pk},
            format="json",
        )
        assert response.status_code == 201
        wait_until(lambda: len(smtp.messages) == 2, timeout=30, what="the agent reply")
        wait_until(
            lambda: not OutgoingEmail.objects.exclude(status="succeeded").exists(), what="the sends to be recorded"
        )
        time.sleep(1.5)  # more sweeps and fetches: nothing twice
    reply = smtp.messages[1].message
    assert reply["In-Reply-To"] == "<help-1@customer.example>"
    assert len(smtp.messages) == 2
    assert Conversation.objects.count() == 1
    assert conversation.threads.get(type="message").send_status == "sent"
