"""What the LiveAgent API reads of a conversation beyond FreeScout's: its code and public URL code (made for
every new conversation, whoever makes it) and whether an agent has taken it up (New against Open)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.mail.ingest import mail_ingest
from conversations.models import (
    CONVERSATION_CODE_REGEX,
    PUBLIC_URL_CODE_REGEX,
    Conversation,
    Thread,
    conversation_code_new,
    public_url_code_new,
)
from conversations.selectors import conversation_by_reference, conversations_visible_to
from conversations.services import (
    NewThread,
    conversation_assign,
    conversation_change_status,
    conversation_create,
    thread_create,
)
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import client_for
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

CODE = re.compile(CONVERSATION_CODE_REGEX)
PUBLIC = re.compile(PUBLIC_URL_CODE_REGEX)


def has_codes(conversation: Conversation) -> bool:
    conversation.refresh_from_db()
    return bool(CODE.fullmatch(conversation.code) and PUBLIC.fullmatch(conversation.public_url_code))


# Codes


def test_code_formats():
    codes = {conversation_code_new() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE.fullmatch(code) for code in codes)
    assert all(re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{5}-[A-Z0-9]{3}", code) for code in codes)
    public = {public_url_code_new() for _ in range(2000)}
    assert len(public) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9]{16}", code) for code in public)
    # Both cases and the digits are drawn: 62 symbols, not 36.
    drawn = set("".join(public))
    assert drawn & set("abcdefghijklmnopqrstuvwxyz") and drawn & set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def test_codes_are_unique_and_well_formed_in_the_database():
    first, second = ConversationFactory(), ConversationFactory()
    assert first.code != second.code and first.public_url_code != second.public_url_code
    for change in ({"code": first.code}, {"public_url_code": first.public_url_code}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Conversation.objects.filter(pk=second.pk).update(**change)
    for change in ({"code": "abc-defgh-123"}, {"code": "ABC-DEF-123"}, {"public_url_code": "short"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Conversation.objects.filter(pk=second.pk).update(**change)


def test_every_entry_point_gives_codes(admin, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made_by_service = ConversationFactory(mailbox=mailbox)
    by_mail = mail_ingest(
        mailbox=mailbox, raw=b"From: jane@example.org\r\nSubject: Hi\r\nMessage-ID: <codes@example.org>\r\n\r\nHello"
    )
    assert by_mail is not None and by_mail.thread is not None
    response = client_for(admin).post(
        "/api/conversations",
        {
            "type": "email",
            "mailboxId": mailbox.pk,
            "subject": "By the API",
            "customer": {"email": "mark@example.org"},
            "threads": [{"type": "customer", "text": "Hello"}],
        },
        format="json",
    )
    assert response.status_code == 201
    by_api = Conversation.objects.get(pk=response.json()["id"])
    for conversation in (made_by_service, by_mail.thread.conversation, by_api):
        assert has_codes(conversation)


def test_the_demo_gives_codes(db):
    call_command("seed_demo", stdout=StringIO())
    assert Conversation.objects.count() > 10
    assert all(has_codes(conversation) for conversation in Conversation.objects.all())
    assert Conversation.objects.values("code").distinct().count() == Conversation.objects.count()


def test_the_benchmark_loader_gives_codes_and_acknowledges_as_the_services_do():
    from benchmarks import load_data

    load_data.load(load_data.Dataset(conversations=6, customers=3), log=lambda line: None)
    conversations = list(Conversation.objects.all())
    assert len(conversations) == 6
    assert len({c.code for c in conversations}) == 6 and len({c.public_url_code for c in conversations}) == 6
    for conversation in conversations:
        assert has_codes(conversation)
        first_reply = conversation.threads.filter(type=Thread.Type.MESSAGE).order_by("created_at").first()
        assert first_reply is not None and conversation.acknowledged_at == first_reply.created_at


def test_conversation_by_reference_finds_codes_not_ids():
    conversation = ConversationFactory()
    other = ConversationFactory()
    visible = Conversation.objects.all()
    assert conversation_by_reference(reference=conversation.code, queryset=visible) == conversation
    assert conversation_by_reference(reference=f" {conversation.code.lower()} ", queryset=visible) == conversation
    assert conversation_by_reference(reference=conversation.public_url_code, queryset=visible) == conversation
    swapped = conversation.public_url_code.swapcase()
    if swapped != conversation.public_url_code:
        assert conversation_by_reference(reference=swapped, queryset=visible) is None
    for reference in (str(conversation.pk), str(conversation.number), "", "ABC-DEFGH-12", "x" * 17):
        assert conversation_by_reference(reference=reference, queryset=visible) is None
    # Only within the queryset given (what the key's user may see).
    assert conversation_by_reference(reference=other.code, queryset=visible.exclude(pk=other.pk)) is None


def test_conversation_by_reference_respects_what_a_user_sees(agent, mailbox):
    mine = ConversationFactory(mailbox=mailbox)
    theirs = ConversationFactory(mailbox=MailboxFactory())
    mailbox_user_grant(mailbox=mailbox, user=agent)
    visible = conversations_visible_to(user=agent)
    assert conversation_by_reference(reference=mine.code, queryset=visible) == mine
    assert conversation_by_reference(reference=theirs.code, queryset=visible) is None


# New against Open


@pytest.fixture
def conversation(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return ConversationFactory(mailbox=mailbox)


def test_a_customer_message_is_new_until_an_agent_replies(conversation, agent):
    assert conversation.acknowledged_at is None
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body="Looking", user=agent))
    assigned = conversation_assign(conversation=conversation, assignee=agent, by_user=agent)
    assert assigned.acknowledged_at is None  # notes and assignments are no answer
    draft = NewThread(type=Thread.Type.MESSAGE, body="Draft", user=agent, state=Thread.State.DRAFT)
    thread_create(conversation=conversation, thread=draft)
    conversation.refresh_from_db()
    assert conversation.acknowledged_at is None

    reply = thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="Hi", user=agent))
    conversation.refresh_from_db()
    assert conversation.acknowledged_at == reply.created_at
    # Later replies, customer replies and reopening keep it open.
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CUSTOMER, body="Thanks"))
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="Bye", user=agent))
    conversation_change_status(conversation=conversation, status="closed", by_user=agent)
    reopened = conversation_change_status(conversation=conversation, status="active", by_user=agent)
    assert reopened.acknowledged_at == reply.created_at


def test_an_agent_chat_message_is_an_answer_a_customer_one_is_not(conversation, agent):
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CHAT, body="Customer chat"))
    conversation.refresh_from_db()
    assert conversation.acknowledged_at is None
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CHAT, body="Agent chat", user=agent))
    conversation.refresh_from_db()
    assert conversation.acknowledged_at is not None


def test_a_conversation_an_agent_starts_is_open(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    started = conversation_create(
        mailbox=mailbox,
        subject="Following up",
        customer=CustomerFactory(),
        threads=[NewThread(type=Thread.Type.MESSAGE, body="Hello", user=agent)],
    )
    assert started.acknowledged_at == started.created_at


def test_imports_take_the_earliest_agent_reply(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    start = timezone.now() - timedelta(days=5)
    conversation = conversation_create(
        mailbox=mailbox,
        subject="Imported",
        customer=CustomerFactory(),
        imported=True,
        created_at=start,
        threads=[
            NewThread(type=Thread.Type.CUSTOMER, body="Hi", created_at=start),
            NewThread(type=Thread.Type.MESSAGE, body="Later", user=agent, created_at=start + timedelta(hours=3)),
        ],
    )
    assert conversation.acknowledged_at == start + timedelta(hours=3)
    earlier = NewThread(type=Thread.Type.MESSAGE, body="Earlier", user=agent, created_at=start + timedelta(hours=1))
    thread_create(conversation=conversation, thread=earlier, imported=True)
    conversation.refresh_from_db()
    assert conversation.acknowledged_at == start + timedelta(hours=1)


def test_setting_open_acknowledges_and_reads_back(conversation, agent, hook):
    # LiveAgent's C on a New conversation: already active, so only acknowledged, with no line item or event.
    threads = conversation.threads.count()
    opened = conversation_change_status(conversation=conversation, status="active", by_user=agent, acknowledge=True)
    assert opened.status == "active" and opened.acknowledged_at is not None
    conversation.refresh_from_db()
    assert conversation.acknowledged_at == opened.acknowledged_at
    assert conversation.updated_at == opened.acknowledged_at
    assert conversation.threads.count() == threads
    assert not WebhookEvent.objects.filter(name="convo.status").exists()
    # Again: no change at all.
    again = conversation_change_status(conversation=conversation, status="active", by_user=agent, acknowledge=True)
    assert again.acknowledged_at == opened.acknowledged_at and again.updated_at == conversation.updated_at


def test_setting_open_from_another_status_is_one_status_change(conversation, agent, hook):
    conversation_change_status(conversation=conversation, status="closed", by_user=agent)
    WebhookEvent.objects.all().delete()
    opened = conversation_change_status(conversation=conversation, status="active", by_user=agent, acknowledge=True)
    assert (opened.status, opened.closed_at) == ("active", None)
    assert opened.acknowledged_at is not None
    assert list(WebhookEvent.objects.values_list("name", flat=True)) == ["convo.status"]
    assert conversation.threads.filter(action_type=Thread.Action.CHANGED_STATUS).count() == 2


def test_changing_status_without_acknowledging_leaves_new_as_new(conversation, agent):
    pending = conversation_change_status(conversation=conversation, status="pending", by_user=agent)
    active = conversation_change_status(conversation=conversation, status="active", by_user=agent)
    assert pending.acknowledged_at is None and active.acknowledged_at is None


def test_freescout_json_shows_none_of_it(admin, conversation):
    body = client_for(admin).get(f"/api/conversations/{conversation.pk}").json()
    text = str(body)
    assert conversation.code not in text and conversation.public_url_code not in text
    assert not {"code", "publicUrlCode", "acknowledgedAt"} & set(body)
