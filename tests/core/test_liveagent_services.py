"""What the core gained for the LiveAgent API's conversation writes: notes by System (no acting agent) and
the ways an agent reply may be emailed (``ReplyEmail``: not at all, without the signature, under the
Message-ID the client gave)."""

from email import message_from_bytes, policy

import pytest
from django.core.exceptions import ValidationError

from conversations.mail.ingest import mail_ingest
from conversations.mail.outgoing import ReplyEmail
from conversations.models import Conversation, OutgoingEmail, Thread
from conversations.services import NewThread, conversation_create, thread_create
from customers.services import customer_create
from mailboxes.services import mailbox_update
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(mailbox, hook) -> Conversation:
    mailbox_update(mailbox=mailbox, signature="<p>-- The Support Team</p>")
    customer = customer_create(first_name="Jane", last_name="Doe", emails=[("jane@customer.example", "work")])
    made = conversation_create(
        mailbox=mailbox,
        subject="Printer on fire",
        customer=customer,
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Help</p>", message_id="<first@customer.example>")],
    )
    WebhookEvent.objects.all().delete()
    return made


def reply(conversation: Conversation, user, email: ReplyEmail | None = None, **kwargs) -> Thread:
    thread = thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Use the extinguisher.</p>", user=user, **kwargs),
        email=email,
    )
    thread.refresh_from_db()
    return thread


def sent_text(thread: Thread) -> str:
    email = OutgoingEmail.objects.get(thread=thread)
    parsed = message_from_bytes(bytes(email.message), policy=policy.default)
    return parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_note_without_a_user_is_systems(conversation):
    note = thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body="From the API"))
    assert (note.type, note.created_by_user, note.created_by_customer) == ("note", None, None)
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["convo.note.created"]
    conversation.refresh_from_db()
    assert conversation.user_updated_at is None


def test_an_agent_reply_still_needs_a_user(conversation):
    with pytest.raises(ValidationError) as error:
        thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="Hi"))
    assert "user" in error.value.message_dict


def test_a_reply_is_emailed_with_the_signature_under_a_new_message_id_by_default(conversation, admin):
    thread = reply(conversation, admin)
    assert "The Support Team" in sent_text(thread)
    assert OutgoingEmail.objects.get(thread=thread).message_id == thread.message_id != ""


def test_a_reply_mailed_elsewhere_is_not_emailed_but_keeps_its_message_id(conversation, admin):
    thread = reply(conversation, admin, ReplyEmail(send=False), message_id="<sent.1@crm.example>")
    assert not OutgoingEmail.objects.filter(kind="reply").exists()
    assert (thread.message_id, thread.send_status) == ("sent.1@crm.example", "")
    conversation.refresh_from_db()
    # Everything else is as for any reply: pending, taken up, its event.
    assert conversation.status == "pending" and conversation.acknowledged_at is not None
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["convo.agent.reply.created"]


def test_an_answer_to_a_reply_mailed_elsewhere_joins_the_conversation(conversation, admin, mailbox):
    reply(conversation, admin, ReplyEmail(send=False), message_id="<sent.2@crm.example>")
    raw = (
        b"From: Jane Doe <jane@customer.example>\r\nTo: support@example.com\r\nSubject: Re: Your order\r\n"
        b"Message-ID: <answer.2@customer.example>\r\nIn-Reply-To: <sent.2@crm.example>\r\n\r\nThanks!\r\n"
    )
    received = mail_ingest(mailbox=mailbox, raw=raw)
    assert received is not None and received.outcome == "threaded"
    assert received.thread.conversation_id == conversation.pk


def test_a_reply_goes_out_without_the_signature_when_asked(conversation, admin):
    thread = reply(conversation, admin, ReplyEmail(signature=False))
    text = sent_text(thread)
    assert "Use the extinguisher." in text and "The Support Team" not in text


def test_a_reply_goes_out_under_the_message_id_it_was_given_when_asked(conversation, admin):
    thread = reply(conversation, admin, ReplyEmail(own_message_id=True), message_id="<given.3@crm.example>")
    email = OutgoingEmail.objects.get(thread=thread)
    assert email.message_id == thread.message_id == "given.3@crm.example"
    assert message_from_bytes(bytes(email.message))["Message-ID"] == "<given.3@crm.example>"


def test_without_own_message_id_a_given_one_is_replaced_as_before(conversation, admin):
    # An agent's emailed answer carries its own Message-ID; the copy to the customer gets a new one.
    thread = reply(conversation, admin, message_id="<agent.4@staff.example>")
    assert thread.message_id != "agent.4@staff.example"
    assert OutgoingEmail.objects.get(thread=thread).message_id == thread.message_id
