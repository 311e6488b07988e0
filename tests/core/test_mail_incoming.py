"""Taking email in: the corpus of real-world-shaped messages under tests/email_corpus (expected results in
expected.json), threading, duplicates, agents answering by email."""

import json
from pathlib import Path

import pytest

from conversations.mail.compose import reply_token
from conversations.mail.ingest import mail_ingest
from conversations.models import Conversation, OutgoingEmail, ReceivedEmail, Thread
from conversations.services import NewThread, thread_create
from mailboxes.services import mailbox_user_grant
from tests.factories import WebhookFactory
from webhooks.models import WebhookEvent

CORPUS = Path(__file__).parents[1] / "email_corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
NEW = [name for name, expected in EXPECTED.items() if expected["outcome"] == "created"]
ANSWERS = [name for name, expected in EXPECTED.items() if expected["outcome"] != "created"]


@pytest.fixture
def support(mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mailbox.auto_reply_enabled = True
    mailbox.save()
    return mailbox


@pytest.fixture
def answered(support, admin):
    """Jane's first mail, answered by an agent: what the reply-shaped messages of the corpus refer to."""
    received = mail_ingest(mailbox=support, raw=(CORPUS / "01_plain_new.eml").read_bytes())
    conversation = received.thread.conversation
    reply = thread_create(
        conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Use it.</p>", user=admin)
    )
    reply.refresh_from_db()
    return conversation, reply


def corpus_message(name: str, reply: Thread | None = None) -> bytes:
    raw = (CORPUS / name).read_bytes()
    if reply is not None:
        raw = raw.replace(b"%OUR_MESSAGE_ID%", reply.message_id.encode())
        raw = raw.replace(b"%TOKEN%", reply_token(reply.conversation.number).encode())
    return raw


def simple_message(*, sender: str, subject: str, message_id: str, body: str, to: str = "support@example.com") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\r\n{body}\r\n"
    ).encode()


def assert_thread(thread: Thread, expected: dict) -> None:
    for text in expected.get("body_contains", []):
        assert text in thread.body, thread.body
    for text in expected.get("body_excludes", []):
        assert text not in thread.body, thread.body
    attachments = [(a.file_name, a.mime_type, a.inline) for a in thread.attachments.all()]
    assert attachments == [tuple(a) for a in expected["attachments"]]
    for attachment in thread.attachments.filter(inline=True):
        assert f"/attachments/{attachment.token}/" in thread.body


@pytest.mark.parametrize("name", NEW)
def test_corpus_message_starts_a_conversation(support, name):
    expected = EXPECTED[name]
    received = mail_ingest(mailbox=support, raw=corpus_message(name))
    assert received.outcome == "created"
    thread = received.thread
    conversation = thread.conversation
    assert conversation.subject == expected["subject"]
    assert conversation.customer_email == expected["customer_email"]
    assert thread.type == Thread.Type.CUSTOMER
    assert thread.customer.emails.get().email == expected["customer_email"]
    if "customer_name" in expected:
        assert thread.customer.get_full_name() == expected["customer_name"]
    assert conversation.cc == expected.get("cc", [])
    assert thread.message_id.endswith(expected.get("message_id_endswith", ""))
    assert_thread(thread, expected)
    auto_replies = OutgoingEmail.objects.filter(kind="auto_reply", conversation=conversation)
    assert auto_replies.count() == (1 if expected["auto_reply"] else 0)


@pytest.mark.parametrize("name", ANSWERS)
def test_corpus_answer_joins_its_conversation(answered, support, name):
    conversation, reply = answered
    expected = EXPECTED[name]
    conversations_before = Conversation.objects.count()
    received = mail_ingest(mailbox=support, raw=corpus_message(name, reply))
    assert received.outcome == expected["outcome"]
    assert Conversation.objects.count() == conversations_before
    assert received.thread.conversation_id == conversation.pk
    assert received.thread.type == expected["thread_type"]
    assert_thread(received.thread, expected)
    assert OutgoingEmail.objects.filter(kind="auto_reply", conversation=conversation).count() == 1  # the first one
    reply.refresh_from_db()
    assert reply.send_status == expected.get("reply_send_status", "pending")


def test_same_message_twice_is_dropped(support):
    raw = corpus_message("01_plain_new.eml")
    assert mail_ingest(mailbox=support, raw=raw) is not None
    # Another delivery of the same mail: the trail of Received headers differs, the message does not.
    assert (
        mail_ingest(mailbox=support, raw=b"Received: from relay2 by mx2; Mon, 2 Mar 2026 09:05:00 +0000\r\n" + raw)
        is None
    )
    assert Thread.objects.filter(type="customer").count() == 1


def test_same_message_id_with_other_content_is_taken_under_a_suffixed_id(support):
    raw = corpus_message("01_plain_new.eml")
    first = mail_ingest(mailbox=support, raw=raw)
    other = mail_ingest(mailbox=support, raw=raw.replace(b"What should I do?", b"It is out now."))
    assert other is not None
    assert other.message_id.startswith("plain-1@customer.example.") and other.message_id != first.message_id
    assert mail_ingest(mailbox=support, raw=raw.replace(b"What should I do?", b"It is out now.")) is None


def test_message_without_message_id_is_deduplicated_by_content(support):
    raw = corpus_message("07_no_message_id.eml")
    assert mail_ingest(mailbox=support, raw=raw) is not None
    assert mail_ingest(mailbox=support, raw=raw) is None


def test_the_same_message_id_in_another_mailbox_is_another_message(support):
    from tests.factories import MailboxFactory

    raw = corpus_message("01_plain_new.eml")
    assert mail_ingest(mailbox=support, raw=raw) is not None
    assert mail_ingest(mailbox=MailboxFactory(), raw=raw) is not None


def test_our_own_mail_coming_back_is_ignored(answered, support):
    conversation, reply = answered
    raw = simple_message(
        sender="Support <support@example.com>",
        to="jane.doe@customer.example",
        subject="Re: Printer on fire",
        message_id=reply.message_id,
        body="Use it.",
    )
    received = mail_ingest(mailbox=support, raw=raw)
    assert received.outcome == "ignored"
    assert conversation.threads.count() == 2


def test_bounce_of_unknown_mail_opens_no_conversation(support):
    raw = corpus_message("11_bounce.eml").replace(b"%OUR_MESSAGE_ID%", b"unknown@example.com")
    assert mail_ingest(mailbox=support, raw=raw).outcome == "ignored"
    assert not Conversation.objects.exists()


def test_a_reply_from_another_mailbox_s_conversation_does_not_cross_mailboxes(answered):
    from tests.factories import MailboxFactory

    _conversation, reply = answered
    other = MailboxFactory()
    received = mail_ingest(mailbox=other, raw=corpus_message("08_outlook_reply.eml", reply))
    assert received.outcome == "created"
    assert received.thread.conversation.mailbox == other


def test_forged_reply_token_does_not_thread(support, answered):
    conversation, _ = answered
    raw = simple_message(
        sender="mallory@evil.example",
        subject=f"[hd-{conversation.number}-0123456789ab]",
        message_id="forged@evil.example",
        body="Let me in.",
    )
    assert mail_ingest(mailbox=support, raw=raw).outcome == "created"


@pytest.fixture
def notified(support, agent, admin):
    """An agent's notification (assigned to them) about Jane's conversation: what they answer by email."""
    from conversations.services import conversation_assign

    mailbox_user_grant(mailbox=support, user=agent)
    conversation = mail_ingest(mailbox=support, raw=corpus_message("01_plain_new.eml")).thread.conversation
    conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    return OutgoingEmail.objects.get(kind="notification", recipient=agent.email)


def agent_answer(notification: OutgoingEmail, sender: str, content_type: str, body: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: support@example.com\r\nSubject: Re: [#{notification.conversation.number}]\r\n"
        f"Message-ID: <answer.{content_type.replace('/', '.')}@example.com>\r\n"
        f"In-Reply-To: <{notification.message_id}>\r\nContent-Type: {content_type}; charset=utf-8\r\n\r\n{body}"
    ).encode()


def test_agent_answering_a_notification_by_email_posts_an_agent_reply(support, agent, notified):
    body = (
        "Please try turning it off.\r\n\r\nOn Monday, Support wrote:\r\n"
        "> -- Reply above this line to answer the customer --\r\n> Assigned to you.\r\n"
    )
    received = mail_ingest(
        mailbox=support, raw=agent_answer(notified, f"Alan Agent <{agent.email.upper()}>", "text/plain", body)
    )
    thread = received.thread
    assert (received.outcome, thread.type, thread.created_by_user) == ("threaded", "message", agent)
    assert thread.body == "<p>Please try turning it off.</p>"
    # …and it is emailed to the customer like any agent reply.
    email = OutgoingEmail.objects.get(kind="reply", thread=thread)
    assert email.recipients == ["jane.doe@customer.example"]


def test_ingestion_emits_one_event_per_change(answered, support):
    WebhookFactory(events=["convo.created", "customer.created", "convo.customer.reply.created"])
    mail_ingest(mailbox=support, raw=corpus_message("02_multipart_alternative.eml"))
    assert sorted(WebhookEvent.objects.values_list("name", flat=True)) == ["convo.created", "customer.created"]
    WebhookEvent.objects.all().delete()
    _, reply = answered
    mail_ingest(mailbox=support, raw=corpus_message("08_outlook_reply.eml", reply))
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["convo.customer.reply.created"]


def test_agent_answer_in_html_only_is_cut_at_the_marker(support, agent, notified):
    body = (
        "<div><p>Turn it off.</p><blockquote><p>-- Reply above this line to answer the customer --</p>"
        "</blockquote></div>"
    )
    thread = mail_ingest(mailbox=support, raw=agent_answer(notified, agent.email, "text/html", body)).thread
    assert (thread.type, thread.body) == ("message", "<div><p>Turn it off.</p></div>")


def test_ledger_records_every_message(support):
    mail_ingest(mailbox=support, raw=corpus_message("12_mailing_list.eml"))
    assert list(ReceivedEmail.objects.values_list("message_id", "outcome")) == [
        ("news-2026-03@lists.example", "created")
    ]


def test_unparseable_sender_is_recorded_and_ignored(support):
    # The stdlib's address parser raises on "0@" (found by the property tests); the message is not lost silently.
    received = mail_ingest(mailbox=support, raw=b"From: 0@\r\nMessage-ID: <odd@example.org>\r\n\r\nhi\r\n")
    assert (received.message_id, received.outcome) == ("odd@example.org", "ignored")


def test_nul_characters_never_reach_the_database(support):
    # PostgreSQL refuses NUL in text; a message carrying them is still taken in.
    raw = b"From: nul@example.org\r\nSubject: a\x00b\r\nMessage-ID: <nul@example.org>\r\n\r\nc\x00d\r\n"
    thread = mail_ingest(mailbox=support, raw=raw).thread
    assert (thread.conversation.subject, thread.body) == ("ab", "<p>cd</p>")
