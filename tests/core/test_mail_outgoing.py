"""Outgoing email: agent replies, auto-replies and notifications go through the outbox and a real SMTP
server (aiosmtpd on a free loopback port) or the installation's default backend."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conversations.mail.compose import reply_token
from conversations.models import Conversation, OutgoingEmail, Thread
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_assign,
    conversation_create,
    thread_create,
)
from conversations.tasks import outgoing_email_send, outgoing_email_sweep
from customers.services import customer_create
from mailboxes.services import mailbox_user_grant
from tests.factories import MailboxFactory, UserFactory
from tests.mail_servers import SmtpServer, outbox_deliver_all


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_mailbox(mailbox, smtp, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HELPDESK_OUTBOX_RETRY_SCHEDULE = [0, 5, 300]
    for name, value in smtp.mailbox_settings.items():
        setattr(mailbox, name, value)
    mailbox.signature = "<p>-- The Support Team</p><script>x()</script>"
    mailbox.save()
    return mailbox


@pytest.fixture
def customer(db):
    return customer_create(first_name="Jane", last_name="Doe", emails=[("jane@customer.example", "work")])


@pytest.fixture
def conversation(smtp_mailbox, customer):
    return conversation_create(
        mailbox=smtp_mailbox,
        subject="Printer on fire",
        customer=customer,
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Help</p>", message_id="<first@customer.example>")],
    )


def agent_reply(conversation: Conversation, user, **kwargs) -> Thread:
    thread = thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Use the extinguisher.</p>", user=user, **kwargs),
    )
    thread.refresh_from_db()
    return thread


def test_agent_reply_is_emailed_through_the_mailbox_smtp_server(conversation, admin, smtp):
    thread = agent_reply(
        conversation,
        admin,
        cc=["boss@customer.example"],
        bcc=["audit@example.org"],
        attachments=[NewAttachment(file_name="steps.txt", content=b"1. pull the pin", mime_type="text/plain")],
    )
    assert thread.send_status == "pending"
    assert outbox_deliver_all() == 1
    [sent] = smtp.messages
    message = sent.message
    assert sent.sender == "support@example.com"
    assert sorted(sent.recipients) == ["audit@example.org", "boss@customer.example", "jane@customer.example"]
    assert message["From"] == "Support <support@example.com>"
    assert message["To"] == "jane@customer.example"
    assert message["Cc"] == "boss@customer.example"
    assert message["Bcc"] is None
    assert message["Subject"] == "Re: Printer on fire"
    assert message["Message-ID"] == f"<{thread.message_id}>"
    assert reply_token(conversation.number) in thread.message_id
    assert message["In-Reply-To"] == "<first@customer.example>"
    assert message["References"] == "<first@customer.example>"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Use the extinguisher." in html and "The Support Team" in html and "<script>" not in html
    assert reply_token(conversation.number) in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("steps.txt", "1. pull the pin")
    thread.refresh_from_db()
    assert thread.send_status == "sent"
    assert OutgoingEmail.objects.get().status == "succeeded"


def test_from_name_follows_the_mailbox_setting(conversation, admin, smtp, smtp_mailbox):
    smtp_mailbox.from_name = "user"
    smtp_mailbox.save()
    agent_reply(conversation, admin)
    outbox_deliver_all()
    assert smtp.messages[0].message["From"] == "Ada Admin <support@example.com>"


def test_second_reply_refers_to_the_whole_conversation(conversation, admin, smtp):
    first = agent_reply(conversation, admin)
    second = agent_reply(conversation, admin)
    outbox_deliver_all()
    message = smtp.messages[1].message
    assert message["Message-ID"] == f"<{second.message_id}>"
    assert message["In-Reply-To"] == "<first@customer.example>"
    assert message["References"].split() == ["<first@customer.example>", f"<{first.message_id}>"]


def test_a_resend_carries_the_same_message_id_and_bytes(conversation, admin, smtp):
    agent_reply(conversation, admin)
    item = OutgoingEmail.objects.get()
    outgoing_email_send(item.pk)
    outgoing_email_send(item.pk)  # a duplicate task: the row is no longer due, nothing is sent
    assert len(smtp.messages) == 1
    # A crash after the server accepted it but before we recorded it: the sweeper sends it again, unchanged.
    OutgoingEmail.objects.filter(pk=item.pk).update(status="pending", next_attempt_at=timezone.now())
    outgoing_email_sweep()
    assert len(smtp.messages) == 2
    assert smtp.messages[0].message["Message-ID"] == smtp.messages[1].message["Message-ID"]
    assert smtp.messages[0].message.as_bytes() == smtp.messages[1].message.as_bytes()


def test_temporary_failure_is_retried_and_permanent_failure_gives_up(conversation, admin, smtp):
    thread = agent_reply(conversation, admin)
    smtp.handler.reply = "451 4.3.0 Try again later"
    outbox_deliver_all()
    item = OutgoingEmail.objects.get()
    assert (item.status, item.attempts_count) == ("pending", 1)
    assert "451" in item.last_error
    thread.refresh_from_db()
    assert thread.send_status == "pending"

    smtp.handler.reply = "554 5.7.1 Rejected"
    OutgoingEmail.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    outgoing_email_sweep()
    item.refresh_from_db()
    assert (item.status, item.attempts_count) == ("failed", 2)
    thread.refresh_from_db()
    assert thread.send_status == "failed"


def test_unreachable_server_is_retried(conversation, admin, smtp_mailbox):
    from tests.mail_servers import free_port

    smtp_mailbox.out_port = free_port()  # nobody listens there
    smtp_mailbox.save()
    agent_reply(conversation, admin)
    outbox_deliver_all()
    item = OutgoingEmail.objects.get()
    assert (item.status, item.attempts_count) == ("pending", 1)
    assert item.next_attempt_at > timezone.now() + timedelta(seconds=3)


def test_mailbox_without_smtp_uses_the_default_backend(mailbox, customer, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    conversation = conversation_create(
        mailbox=mailbox,
        subject="Hi",
        customer=customer,
        threads=[NewThread(type=Thread.Type.MESSAGE, body="<p>We start this one.</p>", user=admin)],
    )
    outbox_deliver_all()
    [sent] = mail.outbox
    assert sent.to == ["jane@customer.example"]
    assert b"We start this one." in sent.message().as_bytes()
    assert b"Subject: Hi\r\n" in sent.message().as_bytes(linesep="\r\n")  # a first message, not a reply
    assert conversation.threads.get().send_status == "sent"


@pytest.mark.parametrize(
    "case",
    ["note", "draft", "imported", "chat", "phone_without_email"],
)
def test_no_email(case, smtp_mailbox, customer, admin):
    conversation_type = {"chat": "chat", "phone_without_email": "phone"}.get(case, "email")
    phone_customer = customer_create(first_name="Phil", phones=[("+1 555", "work")])
    conversation = conversation_create(
        mailbox=smtp_mailbox,
        subject="Hi",
        type=conversation_type,
        customer=phone_customer if case == "phone_without_email" else customer,
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="Hello")],
    )
    thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.NOTE if case == "note" else Thread.Type.MESSAGE,
            body="Answer",
            user=admin,
            state="draft" if case == "draft" else "published",
        ),
        imported=case == "imported",
    )
    assert not OutgoingEmail.objects.filter(kind="reply").exists()


def test_phone_conversation_with_an_address_is_emailed(smtp_mailbox, customer, admin):
    conversation = conversation_create(
        mailbox=smtp_mailbox,
        subject="Call",
        type="phone",
        customer=customer,
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="Called")],
    )
    agent_reply(conversation, admin)
    assert OutgoingEmail.objects.filter(kind="reply").count() == 1


# --- Auto-reply -----------------------------------------------------------------------------------------


@pytest.fixture
def auto_replying(smtp_mailbox):
    smtp_mailbox.auto_reply_enabled = True
    smtp_mailbox.auto_reply_subject = "We got your message"
    smtp_mailbox.auto_reply_message = "<p>Thanks, we will answer within a day.</p>"
    smtp_mailbox.save()
    return smtp_mailbox


def customer_starts(mailbox, email: str, headers: str = "", imported: bool = False) -> Conversation:
    customer = customer_create(first_name="C", emails=[(email, "work")])
    return conversation_create(
        mailbox=mailbox,
        subject="Question",
        customer=customer,
        imported=imported,
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="Hi", headers=headers, message_id=f"<q.{email}>")],
    )


def test_auto_reply_with_rfc_3834_headers(auto_replying, smtp):
    customer_starts(auto_replying, "jane@customer.example")
    outbox_deliver_all()
    [sent] = smtp.messages
    message = sent.message
    assert sent.recipients == ["jane@customer.example"]
    assert message["Subject"] == "We got your message"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["In-Reply-To"] == "<q.jane@customer.example>"
    assert "within a day" in message.get_body(preferencelist=("html",)).get_content()


def test_at_most_one_auto_reply_per_sender_per_hour(auto_replying):
    customer_starts(auto_replying, "jane@customer.example")
    customer = Conversation.objects.get().customer
    conversation_create(
        mailbox=auto_replying, subject="Again", customer=customer, threads=[NewThread(type="customer", body="Hi")]
    )
    assert OutgoingEmail.objects.filter(kind="auto_reply").count() == 1
    OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))
    conversation_create(
        mailbox=auto_replying, subject="Later", customer=customer, threads=[NewThread(type="customer", body="Hi")]
    )
    assert OutgoingEmail.objects.filter(kind="auto_reply").count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\n",
        "Auto-Submitted: auto-generated\n",
        "Precedence: bulk\n",
        "Precedence: list\n",
        "Precedence: junk\n",
        "List-Id: <news.example>\n",
        "List-Unsubscribe: <mailto:u@example.org>\n",
        "Return-Path: <>\n",
        "X-Auto-Response-Suppress: OOF, AutoReply\n",
    ],
)
def test_no_auto_reply_to_automatic_mail(auto_replying, headers):
    customer_starts(auto_replying, "robot@customer.example", headers=f"From: robot@customer.example\n{headers}")
    assert not OutgoingEmail.objects.filter(kind="auto_reply").exists()


def test_auto_submitted_no_is_a_person(auto_replying):
    customer_starts(auto_replying, "jane@customer.example", headers="Auto-Submitted: no\n")
    assert OutgoingEmail.objects.filter(kind="auto_reply").count() == 1


@pytest.mark.parametrize("address", ["support@example.com", "mailer-daemon@mx.example.org", "other@example.com"])
def test_no_auto_reply_to_our_own_addresses_or_daemons(auto_replying, address):
    MailboxFactory(email="other@example.com")
    customer_starts(auto_replying, address)
    assert not OutgoingEmail.objects.filter(kind="auto_reply").exists()


def test_no_auto_reply_when_disabled_or_imported(smtp_mailbox, auto_replying):
    customer_starts(auto_replying, "jane@customer.example", imported=True)
    assert not OutgoingEmail.objects.exists()


# --- Notifications --------------------------------------------------------------------------------------


def test_assignment_notifies_the_assignee_but_not_who_assigned_themselves(conversation, admin, agent, smtp):
    mailbox_user_grant(mailbox=conversation.mailbox, user=agent)
    conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    outbox_deliver_all()
    [sent] = smtp.messages
    assert sent.recipients == [agent.email]
    assert sent.message["Auto-Submitted"] == "auto-generated"
    assert f"[#{conversation.number}]" in sent.message["Subject"]
    conversation_assign(conversation=conversation, assignee=admin, by_user=admin)
    assert OutgoingEmail.objects.filter(kind="notification").count() == 1


def test_customer_reply_notifies_the_assignee(conversation, admin, agent):
    mailbox_user_grant(mailbox=conversation.mailbox, user=agent)
    conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    thread_create(conversation=conversation, thread=NewThread(type="customer", body="Still burning"))
    thread_create(conversation=conversation, thread=NewThread(type="customer", body="Old"), imported=True)
    [notification] = OutgoingEmail.objects.filter(kind="notification")
    assert notification.recipients == [agent.email]
    assert b"Still burning" in bytes(notification.message)


def test_notification_settings_are_honoured(conversation, admin, agent):
    from helpdesk.models import User

    mailbox_user_grant(mailbox=conversation.mailbox, user=agent)
    User.objects.filter(pk=agent.pk).update(notify_assigned=False, notify_customer_reply=False)
    agent.refresh_from_db()
    conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    thread_create(conversation=conversation, thread=NewThread(type="customer", body="Still burning"))
    assert not OutgoingEmail.objects.filter(kind="notification").exists()


def test_new_conversation_notifies_subscribed_agents_of_the_mailbox(smtp_mailbox, customer):
    from helpdesk.models import User

    member = UserFactory()
    outsider = UserFactory()
    mailbox_user_grant(mailbox=smtp_mailbox, user=member)
    User.objects.filter(pk__in=[member.pk, outsider.pk]).update(notify_new_conversation=True)
    conversation_create(
        mailbox=smtp_mailbox, subject="New", customer=customer, threads=[NewThread(type="customer", body="Hi")]
    )
    assert [e.recipients for e in OutgoingEmail.objects.filter(kind="notification")] == [[member.email]]


def api_reply(api, conversation: Conversation, user, capture_on_commit) -> None:
    with capture_on_commit(execute=True):
        response = api.post(
            f"/api/conversations/{conversation.pk}/threads",
            {"type": "message", "text": "From the API", "user": user.pk},
            format="json",
        )
    assert response.status_code == 201, response.content


def test_api_reply_is_emailed_once_the_request_commits(
    conversation, admin, admin_api, smtp, django_capture_on_commit_callbacks, monkeypatch
):
    # The on-commit hook queues the task; here the queue runs it at once, as a worker would.
    monkeypatch.setattr(outgoing_email_send, "apply_async", lambda args, **kwargs: outgoing_email_send(*args))
    api_reply(admin_api, conversation, admin, django_capture_on_commit_callbacks)
    [sent] = smtp.messages
    assert sent.recipients == ["jane@customer.example"]
    assert OutgoingEmail.objects.get(kind="reply").status == "succeeded"


def test_api_reply_succeeds_when_the_broker_is_down(
    conversation, admin, admin_api, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(outgoing_email_send, "apply_async", broker_down)
    api_reply(admin_api, conversation, admin, django_capture_on_commit_callbacks)
    assert OutgoingEmail.objects.get(kind="reply").status == "pending"  # the sweeper sends it later


def test_non_ascii_mail_is_7bit_clean(conversation, admin, smtp):
    thread_create(
        conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Grüße, Zoë — ☃</p>", user=admin)
    )
    outbox_deliver_all()
    [sent] = smtp.messages
    assert all(byte < 128 for byte in sent.raw)
    assert "Grüße, Zoë — ☃" in sent.message.get_body(preferencelist=("html",)).get_content()
