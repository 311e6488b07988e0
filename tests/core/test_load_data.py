"""The benchmark loader (``benchmarks.load_data``) writes rows past the services, by ``COPY`` on PostgreSQL:
these tests load a small dataset with it and hold it to what the services keep (the tally, the report
figures, derived columns, sanitised bodies, search vectors, numbering and sequences), and show that the
services and the FreeScout API work on it as on their own data."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count, F, Max

from benchmarks.load_data import THREADS_PER_CONVERSATION, Dataset, load
from benchmarks.load_text import RARE_SENTENCE, RARE_WORD
from conversations.models import (
    CONVERSATION_CODE_REGEX,
    PUBLIC_URL_CODE_REGEX,
    Attachment,
    Conversation,
    ConversationTag,
    ConversationTally,
    CustomFieldValue,
    Thread,
)
from conversations.services import (
    NewAttachment,
    NewThread,
    body_sanitise,
    conversation_create,
    conversation_custom_fields_set,
    conversation_tags_set,
    conversation_tally_compact,
    folder_type_for,
    text_preview,
    thread_create,
)
from customers.models import Customer, CustomerEmail, CustomerPhone
from customers.services import customer_create
from helpdesk.models import Counter as NamedCounter
from helpdesk.models import User
from helpdesk.services import api_key_create
from mailboxes.models import CustomField, Mailbox
from reports.models import FiguredConversation, HourlyFigure, ReportFact
from reports.services import figures_conversation_refresh, figures_rebuild

CONVERSATIONS = 200
LOADED = [Customer, CustomerEmail, CustomerPhone, Conversation, Thread, Attachment, ConversationTag, CustomFieldValue]
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers and sequences")


@pytest.fixture
def dataset(db) -> Dataset:
    dataset = Dataset(conversations=CONVERSATIONS)
    load(dataset, log=lambda line: None)
    return dataset


def test_it_loads_the_dataset_with_tags_custom_fields_and_attachments(dataset):
    assert Conversation.objects.count() == CONVERSATIONS
    assert Thread.objects.count() == CONVERSATIONS * THREADS_PER_CONVERSATION
    assert Customer.objects.count() == CONVERSATIONS // 5 == dataset.customers
    assert not Customer.objects.filter(emails__isnull=True).exists()
    assert Mailbox.objects.count() == 3 and CustomField.objects.count() == 6
    # Each kind of row hangs on something, and some of each were drawn.
    assert ConversationTag.objects.exists() and CustomFieldValue.objects.exists() and Attachment.objects.exists()
    assert not CustomFieldValue.objects.exclude(field__mailbox=F("conversation__mailbox")).exists()
    for field in CustomField.objects.all():
        for value in field.values.values_list("value", flat=True):
            assert field.value_clean(value) == value
    for attachment in Attachment.objects.all():
        assert attachment.thread_id is not None and attachment.size > 0
        assert attachment.file.name == f"attachments/{attachment.token[:2]}/{attachment.token}/{attachment.file_name}"


def test_numbers_codes_and_the_counter_continue_as_the_numbering_service_would(dataset):
    numbers = sorted(Conversation.objects.values_list("number", flat=True))
    assert numbers == list(range(1, CONVERSATIONS + 1))
    assert NamedCounter.objects.get(name="conversation_number").value == CONVERSATIONS
    codes = list(Conversation.objects.values_list("code", "public_url_code"))
    assert len({code for code, _ in codes}) == len({public for _, public in codes}) == CONVERSATIONS
    for code, public in codes:
        assert re.fullmatch(CONVERSATION_CODE_REGEX, code)
        assert re.fullmatch(PUBLIC_URL_CODE_REGEX, public)


def test_every_conversation_is_as_its_threads_left_it(dataset):
    threads_by_conversation: dict[int, list[Thread]] = {}
    for thread in Thread.objects.order_by("created_at", "id"):
        threads_by_conversation.setdefault(thread.conversation_id, []).append(thread)
    for conversation in Conversation.objects.select_related("folder"):
        threads = threads_by_conversation[conversation.pk]
        messages = [t for t in threads if t.type in Thread.MESSAGE_TYPES and t.state == Thread.State.PUBLISHED]
        replies = [t for t in messages if t.type == Thread.Type.MESSAGE]
        assert [t.first for t in threads] == [True] + [False] * (len(threads) - 1)
        assert threads[0].type == Thread.Type.CUSTOMER and threads[0].created_by_customer_id == conversation.customer_id
        assert conversation.threads_count == len(messages)
        assert conversation.preview == text_preview(messages[-1].body)
        assert conversation.last_reply_at == messages[-1].created_at
        assert conversation.acknowledged_at == replies[0].created_at
        assert conversation.updated_at == threads[-1].created_at == conversation.user_updated_at
        assert threads[-1].status == conversation.status
        assert conversation.folder.mailbox_id == conversation.mailbox_id
        assert conversation.folder.type == folder_type_for(
            state=conversation.state, status=conversation.status, has_assignee=conversation.assignee_id is not None
        )
        assert (conversation.closed_at is not None) == (conversation.status == "closed")
        assert conversation.customer_email == conversation.customer.emails.order_by("id").first().email
        for reply in replies:
            assert reply.send_status == "sent" and reply.message_id.endswith("@bench.example.com")


def test_bodies_are_stored_sanitised_and_the_rare_word_only_in_its_sentence(dataset):
    bodies = list(Thread.objects.values_list("body", flat=True))
    for body in bodies:
        assert body_sanitise(body) == body
        assert body.count(RARE_WORD) == body.count(RARE_SENTENCE)
    assert any('class="gmail_quote"' in body for body in bodies)


@postgresql_only
def test_the_tally_equals_the_counts(dataset):
    tallied: Counter = Counter()
    for row in ConversationTally.objects.values("mailbox_id", "status", "state", "delta"):
        tallied[row["mailbox_id"], row["status"], row["state"]] += row["delta"]
    counted = Counter(
        {
            (row["mailbox_id"], row["status"], row["state"]): row["n"]
            for row in Conversation.objects.order_by().values("mailbox_id", "status", "state").annotate(n=Count("id"))
        }
    )
    assert +tallied == counted
    # Compacted as Celery beat leaves it: compacting again folds nothing.
    rows = ConversationTally.objects.count()
    conversation_tally_compact()
    assert ConversationTally.objects.count() == rows


@postgresql_only
def test_the_search_vectors_are_what_the_triggers_write(dataset):
    """The loader copies each body's trigger-derived columns computed once per distinct body, the triggers
    off: writing every body again, through the triggers, changes nothing."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE loaded_threads AS SELECT * FROM conversations_thread")
        cursor.execute("UPDATE conversations_thread SET body = body, state = state, type = type")
        for first, second in (("loaded_threads", "conversations_thread"), ("conversations_thread", "loaded_threads")):
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT * FROM {first} EXCEPT SELECT * FROM {second}) d")
            assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'")
        assert cursor.fetchall() == []


def _figures() -> tuple[Counter, Counter, dict]:
    hourly: Counter = Counter()
    for row in HourlyFigure.objects.values():
        key = (row.pop("grain"), row.pop("hour"), row.pop("mailbox_id"), row.pop("agent_id"), row.pop("channel"))
        key += (row.pop("tag_id"),)
        row.pop("id")
        for column, value in row.items():
            hourly[(*key, column)] += value
    facts = Counter(ReportFact.objects.values_list("conversation_id", "kind", "at", "agent_id", "seconds"))
    figured = dict(FiguredConversation.objects.values_list("conversation_id", "tag_ids"))
    return +hourly, facts, figured


def test_report_figures_are_what_the_services_keep(dataset):
    before = _figures()
    assert before[1] and len(before[2]) == CONVERSATIONS
    rows = HourlyFigure.objects.count()
    # The services' own refresh finds every conversation's figures up to date: it writes nothing.
    for conversation_id in Conversation.objects.values_list("pk", flat=True):
        figures_conversation_refresh(conversation_id=conversation_id)
    assert HourlyFigure.objects.count() == rows
    figures_rebuild()
    assert _figures() == before


def test_the_services_write_after_the_load(dataset, media_root):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in LOADED:
                table = model._meta.db_table
                cursor.execute(f"SELECT last_value FROM {_sequence(cursor, table)}")
                assert cursor.fetchone()[0] >= model.objects.aggregate(highest=Max("id"))["highest"]
    admin = User.objects.get(email="bench-admin@example.com")
    mailbox = Mailbox.objects.get(name="Support")
    customer = customer_create(first_name="New", emails=[("new.customer@example.com", "work")])
    conversation = conversation_create(
        mailbox=mailbox,
        subject="After the load",
        customer=customer,
        threads=[NewThread(type="customer", body="<p>Hello</p>")],
    )
    thread = thread_create(
        conversation=conversation,
        thread=NewThread(
            type="message",
            body="<p>Hi</p>",
            user=admin,
            attachments=[NewAttachment(file_name="a.txt", content=b"a", mime_type="text/plain")],
        ),
    )
    conversation_tags_set(conversation=conversation, names=["refund", "brand new"])
    field = CustomField.objects.filter(mailbox=mailbox, type="singleline").first()
    conversation_custom_fields_set(conversation=conversation, values={field.pk: "Web app"})
    assert conversation.number == CONVERSATIONS + 1
    assert conversation.pk > Conversation.objects.exclude(pk=conversation.pk).aggregate(m=Max("id"))["m"]
    assert thread.pk > Thread.objects.exclude(pk=thread.pk).aggregate(m=Max("id"))["m"]
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).aggregate(m=Max("id"))["m"]


def _sequence(cursor, table: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return cursor.fetchone()[0]


def test_the_freescout_api_lists_and_gets_with_exact_totals(dataset, client):
    admin = User.objects.get(email="bench-admin@example.com")
    headers = {"X-FreeScout-API-Key": api_key_create(user=admin)[1]}
    for mailbox in Mailbox.objects.all():
        for status in ("active", "pending", "closed", "spam"):
            response = client.get(
                f"/api/conversations?mailboxId={mailbox.pk}&status={status}&pageSize=50", headers=headers
            )
            assert response.status_code == 200, response.content
            expected = Conversation.objects.filter(mailbox=mailbox, status=status).count()
            assert response.json()["page"]["totalElements"] == expected
    with_all = (
        Conversation.objects.filter(
            tags__isnull=False, custom_field_values__isnull=False, threads__attachments__isnull=False
        )
        .order_by("pk")
        .first()
    )
    assert with_all is not None
    response = client.get(f"/api/conversations/{with_all.pk}?embed=threads,tags", headers=headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == with_all.number and len(body["_embedded"]["threads"]) == THREADS_PER_CONVERSATION
    assert {tag["id"] for tag in body["_embedded"]["tags"]} == set(with_all.tags.values_list("pk", flat=True))
    assert {(f["id"], f["value"]) for f in body["customFields"]} >= set(
        with_all.custom_field_values.values_list("field_id", "value")
    )
    attachments = [a for thread in body["_embedded"]["threads"] for a in thread["_embedded"]["attachments"]]
    assert len(attachments) == Attachment.objects.filter(thread__conversation=with_all).count() > 0
