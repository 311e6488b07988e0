"""The conversation reads written out once (``conversations.pages``: the conversations' own rows, their threads
and timelogs by ``helpdesk.db.read_rows_by_ids``) against the ORM's ``values()`` they replace: the same rows,
and the same JSON byte for byte, over the demo's conversations (every thread type, line items, drafts,
deleted ones, custom fields, tags, timelogs running and finished) with a merged one, attachments and cc/bcc
added. The API's get answers each with the general path's bytes."""

import datetime
import gc
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch

from conversations import pages, services
from conversations.models import Conversation, Thread, Timelog
from conversations.pages import (
    CONVERSATION_COLUMNS,
    EMBEDDABLE,
    THREAD_COLUMNS,
    TIMELOG_COLUMNS,
    conversation_rows,
    page_context,
    waiting_since_friendly,
)
from conversations.services import NewAttachment, NewThread
from freescout.conversations import payloads
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.UTC)


def _orm_rows(conversation_ids: list[int]) -> list[dict]:
    return list(Conversation.objects.filter(pk__in=conversation_ids).order_by("id").values(*CONVERSATION_COLUMNS))


def _orm_newest_first(model, columns: tuple[str, ...], conversation_ids: list[int]) -> list[dict]:
    newest_first = model.objects.filter(conversation_id__in=conversation_ids).order_by("-created_at", "-id")
    return list(newest_first.values(*columns))


@pytest.fixture
def conversation_ids(admin, settings, tmp_path) -> list[int]:
    settings.MEDIA_ROOT = tmp_path
    settings.HELPDESK_BASE_URL = "https://help.example.com"
    call_command("seed_demo", stdout=StringIO())
    mailbox = MailboxFactory(name="Printers", email="printers@example.com")
    customer = CustomerFactory()
    survivor = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer smokes")
    absorbed = ConversationFactory(mailbox=mailbox, customer=customer, subject="Printer still smokes")
    services.thread_create(
        conversation=survivor,
        thread=NewThread(
            type="message",
            body='<p>See <a href="/attachments/x/y.pdf">this</a></p>',
            user=admin,
            to=["c@example.com"],
            cc=["cc@example.com", "other@example.com"],
            bcc=["bcc@example.com"],
            attachments=[
                NewAttachment("a.pdf", b"%PDF", "application/pdf"),
                NewAttachment("b c.txt", b"x", "text/plain"),
            ],
        ),
    )
    services.conversation_merge(survivor=survivor, absorbed=absorbed, by_user=admin)
    return list(Conversation.objects.order_by("id").values_list("pk", flat=True))


def test_the_data_is_varied(conversation_ids):
    threads = Thread.objects.filter(conversation_id__in=conversation_ids)
    assert set(threads.values_list("type", flat=True)) == set(Thread.Type.values)
    assert threads.filter(state=Thread.State.DRAFT).exists() and threads.exclude(cc=[]).exists()
    assert Conversation.objects.filter(state=Conversation.State.DELETED).exists()
    assert Conversation.objects.filter(merged_into__isnull=False).exists()
    assert (
        Timelog.objects.filter(running_since__isnull=False).exists() and Timelog.objects.filter(finished=True).exists()
    )


def test_the_written_out_reads_give_the_orm_rows(conversation_ids):
    assert conversation_rows(conversation_ids) == _orm_rows(conversation_ids)
    for model, columns in ((Thread, THREAD_COLUMNS), (Timelog, TIMELOG_COLUMNS)):
        assert pages._newest_first(model, columns, conversation_ids) == _orm_newest_first(
            model, columns, conversation_ids
        )
    assert conversation_rows([]) == [] and conversation_rows([max(conversation_ids) + 1]) == []


def _payloads_at_noon(rows: list[dict], embed: frozenset[str]) -> bytes:
    context = page_context(rows, embed=embed)
    context.now = NOW
    shapes = payloads._Shapes.of(context)
    return orjson.dumps([payloads.conversation_payload(row, shapes, embed=embed) for row in rows])


@pytest.mark.parametrize("embed", [EMBEDDABLE, frozenset({"threads"}), frozenset()])
def test_payloads_are_the_bytes_of_the_orm_reads(conversation_ids, monkeypatch, embed):
    fast = _payloads_at_noon(conversation_rows(conversation_ids), embed)
    monkeypatch.setattr(pages, "_newest_first", _orm_newest_first)
    assert fast == _payloads_at_noon(_orm_rows(conversation_ids), embed)


def test_the_get_answers_the_bytes_of_the_general_path(conversation_ids, admin_api, monkeypatch):
    monkeypatch.setattr(
        payloads, "waiting_since_friendly", lambda moment, now=None: waiting_since_friendly(moment, NOW)
    )
    merged = set(Conversation.objects.filter(merged_into__isnull=False).values_list("pk", flat=True))
    fast = {pk: admin_api.get(f"/api/conversations/{pk}?embed=threads,tags") for pk in conversation_ids}
    monkeypatch.setattr(pages, "_newest_first", _orm_newest_first)
    for pk, response in fast.items():
        if pk in merged:
            assert response.status_code == 301
            continue
        [row] = _orm_rows([pk])
        shapes = payloads._Shapes.of(page_context([row], embed=frozenset({"threads", "tags"})))
        general = payloads.conversation_payload(row, shapes, embed=frozenset({"threads", "tags"}))
        assert response.status_code == 200 and response.content == orjson.dumps(general, default=str)


@pytest.mark.parametrize("replies", [1, 30])
def test_the_get_reads_four_statements_whatever_the_threads(
    admin_api, admin, mailbox, replies, django_assert_num_queries
):
    conversation = ConversationFactory(mailbox=mailbox)
    for _ in range(replies):
        services.thread_create(conversation=conversation, thread=NewThread(type="note", body="<p>n</p>", user=admin))
    admin_api.get(f"/api/conversations/{conversation.pk}")  # the key's first use is written down
    # The key, the conversation, its threads, and the people, tags, attachments and custom fields at once.
    with django_assert_num_queries(4):
        response = admin_api.get(f"/api/conversations/{conversation.pk}?embed=threads,tags")
    assert response.status_code == 200 and len(response.json()["_embedded"]["threads"]) == replies + 1


def test_payloads_are_built_with_the_collector_paused(admin_api, mailbox, monkeypatch):
    conversation = ConversationFactory(mailbox=mailbox)
    seen = []
    shape = payloads.conversation_payload
    monkeypatch.setattr(payloads, "conversation_payload", lambda *a, **k: seen.append(gc.isenabled()) or shape(*a, **k))
    assert admin_api.get(f"/api/conversations/{conversation.pk}").status_code == 200
    assert admin_api.get(f"/api/conversations?mailboxId={mailbox.pk}&embed=threads").status_code == 200
    payloads.conversation_payload_by_id(conversation.pk)
    assert seen == [False, False, False] and gc.isenabled()


@pytest.mark.parametrize(
    "file_name",
    [
        "report.pdf",
        "a b.txt",
        "100%.png",
        "q?x#y.txt",
        "é~:@!$&'()*+,;=.doc",
        "日本語 📎.txt",
        "..",
        ".",
        "a\nb",
        "%2F",
    ],
)
def test_a_pages_attachment_urls_are_those_reverse_gives(file_name):
    urls = pages.attachment_urls()
    for token in ("4f9c2b7e-aa", "tok en%"):
        assert urls(token, file_name) == pages.attachment_url(token, file_name)


@pytest.mark.parametrize(("token", "file_name"), [("t", ""), ("", "n"), ("t", "a/b"), ("a/b", "n")])
def test_a_pages_attachment_urls_refuse_what_reverse_refuses(token, file_name):
    with pytest.raises(NoReverseMatch):
        pages.attachment_url(token, file_name)
    with pytest.raises(NoReverseMatch):
        pages.attachment_urls()(token, file_name)


def test_the_view_lets_go_of_its_response_once_rendered(admin_api, mailbox):
    """DRF's view holds its response and the response its view: without the view letting go, a page's payloads
    waited for the cyclic collector instead of going with the response."""
    conversation = ConversationFactory(mailbox=mailbox)
    paths = [f"/api/conversations/{conversation.pk}", f"/api/conversations?mailboxId={mailbox.pk}&embed=threads"]
    for path in [*paths, "/api/customers", "/api/mailboxes"]:
        response = admin_api.get(path)
        assert response.status_code == 200
        assert "response" not in vars(response.renderer_context["view"])
