"""Conversation search (issue 22, conversations/search.py): what it finds on each database, what it never
finds (markup, a colleague's draft, another mailbox's conversations), its highlights (escaped, the match
marked), and the ``search`` extension of both APIs with its errors in each dialect's shape."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation, Thread
from conversations.search import (
    SEARCH_MAX_CHARS,
    conversation_search_highlights,
    conversations_search,
    search_language_apply,
    search_text_clean,
)
from conversations.services import (
    NewThread,
    conversation_change_subject,
    thread_create,
    thread_draft_save,
)
from helpdesk.errors import Invalid
from helpdesk.services import api_key_create
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, messages_text
from tests.api_helpers import client_for, error_paths
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory
from tests.liveagent.helpers import assert_error

pytestmark = pytest.mark.django_db

POSTGRESQL = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="stemming, phrases and markup need PostgreSQL's full-text search"
)
CHANGELIST = admin_url(Conversation, "changelist")


def said(mailbox, body: str, subject: str = "A question", **kwargs) -> Conversation:
    return ConversationFactory(
        mailbox=mailbox, subject=subject, threads=[NewThread(type=Thread.Type.CUSTOMER, body=body)], **kwargs
    )


def found(text: str) -> set[int]:
    return set(conversations_search(queryset=Conversation.objects.all(), text=text).values_list("pk", flat=True))


# --- What it finds --------------------------------------------------------------------------------------


def test_words_of_a_subject_or_a_message_any_case(mailbox):
    by_subject = said(mailbox, "Hello", subject="Invoice missing")
    by_body = said(mailbox, "<p>The flux <b>Capacitor</b> broke</p>")
    said(mailbox, "Nothing to see")
    assert found("INVOICE") == {by_subject.pk}
    assert found("capacitor") == {by_body.pk}
    assert found("flux capacitor") == {by_body.pk}
    assert found("capacitor invoice") == set()  # every word, in one place


def test_numbers_addresses_and_customers(mailbox):
    customer = CustomerFactory(first_name="Zebulon", last_name="Quill", emails=[("zq@example.net", "work")])
    ordered = said(mailbox, "<p>Order 98765 for jane.doe@example.com</p>")
    theirs = said(mailbox, "Hi", customer=customer)
    assert found("98765") == {ordered.pk}
    assert found("jane.doe@example.com") == {ordered.pk}
    assert found("zq@example.net") == {theirs.pk}
    assert found("ZQ@example.net") == {theirs.pk}
    assert found("zebulon") == {theirs.pk}
    assert found("Zebulon Quill") == {theirs.pk}
    assert found(str(theirs.number)) == {theirs.pk}
    assert found(f"#{ordered.number}") == {ordered.pk}


def test_a_word_only_in_a_quoted_reply(mailbox):
    quoted = said(
        mailbox,
        '<p>Thanks!</p><div class="gmail_quote"><blockquote class="gmail_quote">The toaster smokes</blockquote></div>',
    )
    assert found("toaster") == {quoted.pk}


def test_a_colleagues_draft_is_never_found_until_it_is_sent(mailbox, agent):
    conversation = said(mailbox, "Hello")
    draft = thread_draft_save(conversation=conversation, user=agent, type=Thread.Type.MESSAGE, body="<p>Walrus</p>")
    assert draft is not None
    assert found("walrus") == set()
    thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Walrus</p>", user=agent),
        draft=draft,
    )
    assert found("walrus") == {conversation.pk}


def test_every_write_keeps_it_right(mailbox, agent):
    conversation = said(mailbox, "Hello", subject="Old words")
    conversation_change_subject(conversation=conversation, subject="Lighthouse keeper", by_user=agent)
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.NOTE, body="Kraken", user=agent))
    assert found("lighthouse") == found("kraken") == {conversation.pk}
    assert found("old words") == set()


def test_threads_merged_into_another_conversation_are_found_there(mailbox, agent):
    merge = pytest.importorskip("conversations.services.merge")
    mailbox_user_grant(mailbox=mailbox, user=agent)
    survivor, absorbed = said(mailbox, "Hello"), said(mailbox, "The narwhal escaped")
    merge.conversation_merge(survivor=survivor, absorbed=absorbed, by_user=agent)
    assert survivor.pk in found("narwhal")


# --- PostgreSQL: language, markup -----------------------------------------------------------------------


@POSTGRESQL
def test_stemming_accents_and_phrases(mailbox):
    printer = said(mailbox, "<p>My printer is jammed at the café</p>")
    assert found("printers") == found("PRINTER") == {printer.pk}
    assert found("cafe") == found("CAFÉ") == {printer.pk}
    assert found('"printer is jammed"') == {printer.pk}
    assert found('"jammed printer"') == set()
    assert found("printer -cafe") == set()


@POSTGRESQL
def test_another_language_stems_in_that_language(mailbox):
    assert search_language_apply(connection, language="german")
    houses = said(mailbox, "<p>Die Häuser sind verkauft</p>")
    assert found("Haus") == {houses.pk}
    assert not search_language_apply(connection, language="german")  # applied already: nothing to do
    # Back to english: the vectors are computed again, and German words no longer stem.
    assert search_language_apply(connection, language="english")
    assert found("Haus") == set()


@POSTGRESQL
def test_markup_and_entities_are_not_matched(mailbox):
    said(mailbox, '<p><a href="https://evil.example/printer">Link</a> &amp; <span>done</span></p>')
    for text in ("href", "evil.example", "span", "amp"):
        assert found(text) == set(), text


# --- Highlights -----------------------------------------------------------------------------------------


def test_highlights_escape_everything_but_the_marks(mailbox):
    conversation = said(
        mailbox,
        "<p>the printer &lt;b&gt;burns&lt;/b&gt; &amp; smokes</p>",
        subject='<script>alert("x")</script> Printer \x02trouble\x03',
    )
    [highlight] = conversation_search_highlights(conversations=[conversation], text="printer").values()
    assert "<script" not in highlight.subject and "&lt;script&gt;" in highlight.subject
    assert "<mark>Printer</mark>" in highlight.subject
    assert highlight.excerpt is not None
    assert "<b>" not in highlight.excerpt and "&lt;b&gt;burns&lt;/b&gt; &amp; smokes" in highlight.excerpt
    assert "<mark>printer</mark>" in highlight.excerpt
    assert highlight.excerpt.count("<mark>") == highlight.excerpt.count("</mark>")
    assert "\x02" not in highlight.subject + highlight.excerpt


def test_a_subject_match_keeps_no_excerpt(mailbox):
    conversation = said(mailbox, "Hello", subject="Broken kettle")
    [highlight] = conversation_search_highlights(conversations=[conversation], text="kettle").values()
    assert highlight.subject == "Broken <mark>kettle</mark>" and highlight.excerpt is None


# --- What a search may be -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "   ", "!!! ...", "a" * (SEARCH_MAX_CHARS + 1), "print\x00er", "\ud800printer", '"'], ids=repr
)
def test_searches_refused(text):
    with pytest.raises(Invalid) as refused:
        search_text_clean(text=text)
    assert list(refused.value.message_dict) == ["text"]


def test_a_search_is_trimmed():
    assert search_text_clean(text="  printer  ") == "printer"


# --- The agent UI ---------------------------------------------------------------------------------------


def test_the_agent_ui_finds_only_in_the_agents_mailboxes_and_marks_matches(agent_client, mailbox):
    mine = said(mailbox, "<p>The <b>printer</b> is on fire</p>", subject="Printer trouble")
    said(MailboxFactory(), "The printer elsewhere", subject="Printer trouble")
    response = agent_client.get(CHANGELIST, {"q": "printer"})
    assert [c.pk for c in response.context["cl"].result_list] == [mine.pk]
    content = response.content.decode()
    assert "<mark>Printer</mark> trouble" in content
    assert "<mark>printer</mark> is on fire" in content


def test_the_agent_ui_reports_a_search_it_cannot_run(agent_client, mailbox):
    said(mailbox, "Hello")
    response = agent_client.get(CHANGELIST, {"q": "!!!"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert "Nothing to search for" in messages_text(response)


def test_the_agent_ui_search_costs_the_same_queries_for_more_rows(agent_client, mailbox):
    said(mailbox, "A printer")
    with CaptureQueriesContext(connection) as one:
        agent_client.get(CHANGELIST, {"q": "printer"})
    for _ in range(4):
        said(mailbox, "Another printer")
    with CaptureQueriesContext(connection) as five:
        agent_client.get(CHANGELIST, {"q": "printer"})
    assert len(five) == len(one)


# --- The APIs -------------------------------------------------------------------------------------------


@pytest.fixture
def two_mailboxes(agent, mailbox):
    """A conversation the agent may see and one of a mailbox they may not, both about a printer."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mine = said(mailbox, "<p>The printer is on fire</p>")
    theirs = said(MailboxFactory(), "<p>Their printer too</p>")
    return mine, theirs


def test_freescout_search_extension(agent, admin, two_mailboxes):
    mine, theirs = two_mailboxes
    for user, expected in ((agent, [mine.pk]), (admin, [theirs.pk, mine.pk])):
        response = client_for(user).get("/api/conversations", {"search": "printer"})
        assert response.status_code == 200, response.content
        assert [c["id"] for c in response.json()["_embedded"]["conversations"]] == expected
        assert response.json()["page"]["totalElements"] == len(expected)
    # Combined with the other filters, as any filter is.
    response = client_for(admin).get("/api/conversations", {"search": "printer", "mailboxId": mine.mailbox_id})
    assert [c["id"] for c in response.json()["_embedded"]["conversations"]] == [mine.pk]
    # Empty or blank, as every filter of this API: no filter.
    for blank in ("", "   "):
        response = client_for(agent).get("/api/conversations", {"search": blank})
        assert [c["id"] for c in response.json()["_embedded"]["conversations"]] == [mine.pk]


@pytest.mark.parametrize("value", ["!!!", "p" * (SEARCH_MAX_CHARS + 1), "a\x00b"], ids=repr)
def test_freescout_search_refused_is_a_400_at_search(agent, two_mailboxes, value):
    response = client_for(agent).get("/api/conversations", {"search": value})
    assert response.status_code == 400, response.content
    # NUL is refused by the transport before the filter, which quotes the value it refuses.
    assert list(error_paths(response)) == ["search"]


def test_liveagent_search_extension(agent, admin, two_mailboxes):
    mine, theirs = two_mailboxes

    def listed(user) -> list[str]:
        key = api_key_create(user=user)[1]
        response = client_for(user).get("/liveagent/api/conversations", {"apikey": key, "search": "printer"})
        assert response.status_code == 200, response.content
        return [row["conversationid"] for row in response.json()["response"]["conversations"]]

    assert listed(agent) == [id_encode(Kind.CONVERSATION, mine.pk)]
    assert listed(admin) == [id_encode(Kind.CONVERSATION, c.pk) for c in (theirs, mine)]


@pytest.mark.parametrize("value", ["!!!", "p" * (SEARCH_MAX_CHARS + 1), "a\x00b", "\ud800"], ids=repr)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_liveagent_search_refused_is_a_400_naming_search(client, agent, two_mailboxes, value, fmt):
    key = api_key_create(user=agent)[1]
    path = "/liveagent/api/conversations" + (".xml" if fmt == "xml" else "")
    # In a JSON body, where a lone surrogate can be written; the transport or the search refuses it.
    response = client.generic(
        "GET", path, f'{{"apikey": "{key}", "search": {_json(value)}}}', content_type="application/json"
    )
    body = assert_error(response, 400, fmt)
    assert body["debugmessage"] == "search" or value == "\ud800"


def _json(value: str) -> str:
    return json.dumps(value)


@pytest.mark.parametrize("phrase", ["Printer", "fire"])
def test_the_search_survives_a_subject_change_by_the_api(agent, two_mailboxes, phrase):
    mine, _ = two_mailboxes
    response = client_for(agent).put(
        f"/api/conversations/{mine.pk}", {"subject": "Printer fire", "byUser": agent.pk}, format="json"
    )
    assert response.status_code == 204, response.content
    assert mine.pk in found(phrase)


def test_a_regular_users_search_never_reaches_another_mailbox_by_number_or_customer(agent, two_mailboxes):
    _, theirs = two_mailboxes
    client = client_for(agent)
    for text in (str(theirs.number), theirs.customer.emails.first().email, theirs.customer.first_name):
        response = client.get("/api/conversations", {"search": text})
        assert theirs.pk not in [c["id"] for c in response.json()["_embedded"]["conversations"]], text
