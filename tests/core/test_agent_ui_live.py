"""The agent UI, issue 18 (items 1, 2 and 4): the live checks and their query budget, presence, the reply
held back when the conversation moved on, where the agent goes after sending, remembered preferences,
previous/next, saved filters and the inbox list's columns, with constant queries."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.admin.live import presence_text
from conversations.models import AgentPreferences, Conversation, ConversationViewer, Thread
from conversations.selectors import VIEWER_FRESH_SECONDS, Viewer, agent_preferences_of, viewers_of
from conversations.services import (
    NewAttachment,
    NewThread,
    agent_preferences_update,
    conversation_viewer_heartbeat,
    conversation_viewer_leave,
    thread_create,
)
from helpdesk.errors import Invalid
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url, messages_text
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory

CHANGELIST = admin_url(Conversation, "changelist")
LIST_CHECK = reverse("admin:conversations_conversation_live")
PREFERENCES = reverse("admin:conversations_conversation_preferences")
SAVED_FILTERS = reverse("admin:conversations_conversation_saved_filters")
# A request of a signed-in agent reads its session and its user.
AUTHENTICATION_QUERIES = 2


def page_url(conversation) -> str:
    return admin_url(Conversation, "change", conversation.pk)


def check_url(conversation) -> str:
    return reverse("admin:conversations_conversation_check", args=[conversation.pk])


def presence_url(conversation) -> str:
    return reverse("admin:conversations_conversation_presence", args=[conversation.pk])


@pytest.fixture
def ana(mailbox):
    ana = UserFactory(email="ana@example.com", first_name="Ana", last_name="Lopez")
    mailbox_user_grant(mailbox=mailbox, user=ana)
    return ana


@pytest.fixture
def conversation(agent_client, mailbox):
    return ConversationFactory(
        mailbox=mailbox, subject="Printer on fire", customer=CustomerFactory(first_name="Carla", last_name="Customer")
    )


def last_thread_id(conversation) -> int:
    return conversation.threads.order_by("-id").values_list("id", flat=True).first()


# --- the live checks


def test_conversation_check_says_changed_only_when_something_changed(agent_client, conversation, agent):
    first = agent_client.get(check_url(conversation), {"v": ""}).json()
    assert first["changed"] is True
    same = agent_client.get(check_url(conversation), {"v": first["version"]}).json()
    assert (same["changed"], same["viewers"], same["presence"]) == (False, [], "")

    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CUSTOMER, body="More smoke"))
    moved = agent_client.get(check_url(conversation), {"v": first["version"]}).json()
    assert moved["changed"] is True and moved["version"] != first["version"]


def test_the_checks_cost_two_queries_beyond_authentication_and_the_presence_heartbeat(
    agent_client, conversation, ana, django_assert_max_num_queries
):
    conversation_viewer_heartbeat(conversation=conversation, user=ana, replying=True)
    version = agent_client.get(check_url(conversation)).json()["version"]
    # An online agent's heartbeat is one query (presence.services.presence_heartbeat).
    with django_assert_max_num_queries(AUTHENTICATION_QUERIES + 1 + 2):
        state = agent_client.get(check_url(conversation), {"v": version}).json()
    assert state["presence"] == "Ana Lopez is replying"
    with django_assert_max_num_queries(AUTHENTICATION_QUERIES + 1 + 2):
        state = agent_client.get(LIST_CHECK, {"v": "x"}).json()
    assert state["viewers"] == {str(conversation.pk): [{"id": ana.pk, "name": "Ana Lopez", "replying": True}]}


def test_list_check_follows_every_visible_change_and_nothing_else(agent_client, conversation, agent):
    version = agent_client.get(LIST_CHECK).json()["version"]
    assert agent_client.get(LIST_CHECK, {"v": version}).json()["changed"] is False
    ConversationFactory(mailbox=MailboxFactory(), subject="Elsewhere")
    assert agent_client.get(LIST_CHECK, {"v": version}).json()["changed"] is False
    ConversationFactory(mailbox=conversation.mailbox)
    assert agent_client.get(LIST_CHECK, {"v": version}).json()["changed"] is True


def test_checks_of_conversations_out_of_reach_are_404(agent_client, agent):
    hidden = ConversationFactory(mailbox=MailboxFactory())
    assert agent_client.get(check_url(hidden)).status_code == 404
    assert agent_client.post(presence_url(hidden)).status_code == 404
    assert agent_client.get("/admin/conversations/conversation/abc/live/").status_code == 404
    assert agent_client.post(check_url(hidden)).status_code == 405
    assert not ConversationViewer.objects.exists()


def test_checks_need_a_signed_in_agent(conversation):
    response = Client().get(check_url(conversation))
    assert response.status_code == 302 and "/login/" in response.url


# --- presence


def test_heartbeat_records_viewing_and_replying_and_leaving(agent_client, agent, conversation, ana):
    assert agent_client.post(presence_url(conversation), {"replying": "1"}).status_code == 204
    assert agent_client.post(presence_url(conversation), {"replying": "0"}).status_code == 204
    row = ConversationViewer.objects.get()
    assert (row.user, row.replying) == (agent, False)
    assert viewers_of(user=ana, conversation_ids=[conversation.pk])[conversation.pk][0].name == "Alan Agent"
    # One's own presence is not news.
    assert viewers_of(user=agent, conversation_ids=[conversation.pk]) == {}
    assert agent_client.post(presence_url(conversation), {"leave": "1"}).status_code == 204
    assert not ConversationViewer.objects.exists()
    assert agent_client.get(presence_url(conversation)).status_code == 405


def test_heartbeat_is_csrf_protected(agent, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(presence_url(conversation), {"replying": "1"}).status_code == 403
    assert not ConversationViewer.objects.exists()


def test_stale_viewers_are_not_shown_and_are_dropped_by_the_next_beat(conversation, ana, agent, mailbox):
    long_ago = timezone.now() - datetime.timedelta(seconds=VIEWER_FRESH_SECONDS + 5)
    conversation_viewer_heartbeat(conversation=conversation, user=ana, replying=False, at=long_ago)
    assert viewers_of(user=agent) == {}
    conversation_viewer_heartbeat(conversation=conversation, user=ana, replying=False)
    assert [v.name for v in viewers_of(user=agent)[conversation.pk]] == ["Ana Lopez"]
    assert ConversationViewer.objects.count() == 1  # one row per agent and conversation

    # Ana closed the page without a goodbye, long ago; her next beat elsewhere drops that row.
    ConversationViewer.objects.update(seen_at=long_ago)
    agent_busy = ConversationFactory(mailbox=mailbox)
    conversation_viewer_heartbeat(conversation=agent_busy, user=agent, replying=False)  # not Ana's rows
    other = ConversationFactory(mailbox=mailbox)
    conversation_viewer_heartbeat(conversation=other, user=ana, replying=True)
    assert set(ConversationViewer.objects.values_list("conversation_id", "user_id")) == {
        (agent_busy.pk, agent.pk),
        (other.pk, ana.pk),
    }
    conversation_viewer_leave(conversation=conversation, user=ana)  # nothing left: no error


def test_viewers_of_other_mailboxes_stay_hidden(agent, ana):
    elsewhere = ConversationFactory(mailbox=MailboxFactory())
    conversation_viewer_heartbeat(conversation=elsewhere, user=ana, replying=True)
    assert viewers_of(user=agent) == {}


def test_presence_text():
    ana, ben, cy = Viewer(1, "Ana", False), Viewer(2, "Ben", True), Viewer(3, "Cy", False)
    assert presence_text([]) == ""
    assert presence_text([ana]) == "Ana is viewing"
    assert presence_text([ana, ben, cy]) == "Ben is replying; Ana and Cy are viewing"
    assert presence_text([ana, cy, Viewer(4, "Di", False)]) == "Ana, Cy and Di are viewing"


def test_page_says_who_is_viewing_and_replying(agent_client, conversation, ana):
    conversation_viewer_heartbeat(conversation=conversation, user=ana, replying=False)
    assert "Ana Lopez is viewing" in agent_client.get(page_url(conversation)).content.decode()
    conversation_viewer_heartbeat(conversation=conversation, user=ana, replying=True)
    assert "Ana Lopez is replying" in agent_client.get(page_url(conversation)).content.decode()


# --- a reply over threads that arrived after the page loaded


def reply(client, conversation, seen, **extra):
    data = {"op": "reply", "type": "message", "text": "On it", "seen_thread": seen, **extra}
    return client.post(page_url(conversation), data)


def test_a_reply_over_newer_threads_asks_first_then_sends_anyway(agent_client, agent, conversation, ana):
    seen = last_thread_id(conversation)
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body="Done", user=ana))

    held = reply(agent_client, conversation, seen)
    assert held.status_code == 409
    content = held.content.decode()
    assert "1 new message from Ana Lopez arrived after you opened this conversation" in content
    assert 'id="hd-send-anyway"' in content and "Done" in content
    assert not conversation.threads.filter(created_by_user=agent).exists()

    sent = reply(agent_client, conversation, seen, send_anyway="on")
    assert sent.status_code == 302
    assert conversation.threads.filter(created_by_user=agent, type=Thread.Type.MESSAGE).count() == 1


def test_line_items_and_ones_own_threads_do_not_hold_a_reply(agent_client, agent, conversation, ana):
    seen = last_thread_id(conversation)
    agent_client.post(page_url(conversation), {"op": "update", "assignee": agent.pk})
    agent_client.post(page_url(conversation), {"op": "reply", "type": "note", "text": "Mine"})
    assert reply(agent_client, conversation, seen).status_code == 302


def test_a_customer_message_holds_a_note_too(agent_client, conversation):
    seen = last_thread_id(conversation)
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CUSTOMER, body="Hello?"))
    held = reply(agent_client, conversation, seen, type="note")
    assert held.status_code == 409
    assert "from Carla Customer" in held.content.decode()


def test_the_page_carries_the_newest_thread_id(agent_client, conversation):
    content = agent_client.get(page_url(conversation)).content.decode()
    assert f'name="seen_thread" value="{last_thread_id(conversation)}"' in content


# --- after sending; preferences


@pytest.fixture
def three(agent_client, mailbox):
    """Three conversations of Unassigned, oldest first."""
    base = timezone.now() - datetime.timedelta(hours=1)
    made = []
    for n in range(3):
        conversation = ConversationFactory(mailbox=mailbox, subject=f"Question {n}")
        Conversation.objects.filter(pk=conversation.pk).update(created_at=base + datetime.timedelta(minutes=n))
        made.append(conversation)
    return made


def test_previous_and_next_follow_the_folder_as_listed(agent_client, three, mailbox):
    oldest, middle, newest = three
    unassigned = Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED)
    response = agent_client.get(page_url(middle), {"_changelist_filters": f"folder={unassigned.pk}"})
    assert response.context["previous_url"].startswith(page_url(newest))
    assert response.context["next_url"].startswith(page_url(oldest))
    assert response.context["folder_url"] == f"{CHANGELIST}?folder={unassigned.pk}"
    # Without the list's filters: the conversation's own folder.
    top = agent_client.get(page_url(newest))
    assert (top.context["previous_url"], top.context["folder"]) == ("", unassigned)


def test_after_send_goes_next_or_to_the_folder_and_is_remembered(agent_client, agent, three, mailbox):
    oldest, middle, newest = three
    unassigned = Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED)
    sent = reply(agent_client, newest, last_thread_id(newest), after_send="next")
    assert sent.url.startswith(page_url(middle))
    assert agent_preferences_of(user=agent).after_send == "next"
    assert 'value="next" selected' in agent_client.get(page_url(middle)).content.decode()

    # Middle went to Mine with the reply (pending); "next" from the oldest, the last: back to the folder.
    sent = reply(agent_client, oldest, last_thread_id(oldest), after_send="next")
    assert sent.url == f"{CHANGELIST}?folder={unassigned.pk}"
    sent = reply(agent_client, middle, last_thread_id(middle), after_send="folder")
    assert sent.url == f"{CHANGELIST}?folder={unassigned.pk}"
    sent = reply(agent_client, middle, last_thread_id(middle), after_send="stay")
    assert sent.url == page_url(middle)


def test_timeline_order_is_the_agents_choice(agent_client, agent, conversation):
    thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.CUSTOMER, body="<p>Second one</p>"))
    content = agent_client.get(page_url(conversation)).content.decode()
    assert content.index("Hello, I need help.") < content.index("Second one")

    response = agent_client.post(PREFERENCES, {"newest_first": "1", "next": page_url(conversation)})
    assert response.status_code == 302 and response.url == page_url(conversation)
    content = agent_client.get(page_url(conversation)).content.decode()
    assert content.index("Second one") < content.index("Hello, I need help.")
    # The composer stays first either way.
    assert content.index('id="hd-reply-form"') < content.index("Second one")


def test_preferences_refuse_bad_values_and_foreign_next(agent_client, agent):
    refused = agent_client.post(PREFERENCES, {"after_send": "elsewhere"})
    assert refused.status_code == 400 and "after_send" in refused.json()["errors"]
    assert agent_client.post(PREFERENCES, {"newest_first": "1", "next": "https://evil.example/"}).status_code == 204
    assert agent_preferences_of(user=agent).newest_first is True
    assert agent_client.get(PREFERENCES).status_code == 405


def test_preferences_service_checks_saved_filters(agent):
    with pytest.raises(Invalid):
        agent_preferences_update(user=agent, saved_filters=[{"name": "", "query": "status=active"}])
    with pytest.raises(Invalid):
        agent_preferences_update(user=agent, saved_filters=[{"name": "x", "query": "q"}] * 13 + [])
    saved = agent_preferences_update(
        user=agent, saved_filters=[{"name": "Open", "query": "?status=active"}, {"name": "open", "query": "o=2"}]
    ).saved_filters
    assert saved == [{"name": "open", "query": "o=2"}]


def test_accessible_names_of_the_composer(agent_client, conversation):
    content = agent_client.get(page_url(conversation)).content.decode()
    assert '<label for="id_text" class="hd-composer-label" id="hd-composer-label">Reply</label>' in content
    assert '<label for="id_status">Status after sending</label>' in content
    assert 'id="hd-send">Send</button>' in content
    assert content.index('id="hd-reply-form"') < content.index('class="hd-timeline"')


# --- the inbox list


def test_saved_filters_are_per_agent(agent_client, agent, ana, mailbox):
    response = agent_client.post(SAVED_FILTERS, {"name": "Open ones", "query": "status__exact=active&p=3"})
    assert response.url == f"{CHANGELIST}?status__exact=active"
    assert "Saved “Open ones”." in messages_text(response)
    content = agent_client.get(CHANGELIST, {"status__exact": "active"}).content.decode()
    assert '<a href="?status__exact=active" aria-current="true">Open ones</a>' in content
    assert agent_preferences_of(user=ana).saved_filters == []

    refused = agent_client.post(SAVED_FILTERS, {"name": "", "query": "status__exact=closed"})
    assert "A name of 1 to 40 characters." in messages_text(refused)
    agent_client.post(SAVED_FILTERS, {"forget": "Open ones"})
    assert AgentPreferences.objects.get(user=agent).saved_filters == []


def test_list_rows_show_unanswered_threads_attachments_and_activity(agent_client, agent, mailbox):
    waiting = ConversationFactory(
        mailbox=mailbox,
        subject="Waiting for us",
        threads=[
            NewThread(
                type=Thread.Type.CUSTOMER, body="Hi", attachments=[NewAttachment(file_name="a.txt", content=b"a")]
            )
        ],
    )
    answered = ConversationFactory(mailbox=mailbox, subject="We answered")
    thread_create(conversation=answered, thread=NewThread(type=Thread.Type.MESSAGE, body="Done", user=agent))
    content = agent_client.get(CHANGELIST).content.decode()
    assert f'class="hd-subject hd-unanswered" data-conversation="{waiting.pk}">Waiting for us' in content
    assert f'class="hd-subject" data-conversation="{answered.pk}">We answered</span>' in content
    row = content[content.index(f'data-conversation="{waiting.pk}"') :][:2000]
    assert 'aria-label="Has attachments"' in row
    assert '<td class="field-threads">1</td>' in row and "Just now" in row
    assert "Has attachments" not in content[content.index(f'data-conversation="{answered.pk}"') :][:600]


def test_the_list_and_the_page_cost_constant_queries(
    agent_client, agent, mailbox, media_root, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            ConversationFactory(
                mailbox=mailbox,
                threads=[
                    NewThread(
                        type=Thread.Type.CUSTOMER, body="Hi", attachments=[NewAttachment(file_name="a", content=b"a")]
                    )
                ],
            )

    make(2)
    conversation = Conversation.objects.first()
    with CaptureQueriesContext(connection) as few_rows:
        agent_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few_threads:
        agent_client.get(page_url(conversation))
    make(8)
    for n in range(9):
        thread_create(conversation=conversation, thread=NewThread(type=Thread.Type.MESSAGE, body=f"{n}", user=agent))
    assert conversation.threads.count() >= 10 and Conversation.objects.count() == 10
    with django_assert_max_num_queries(len(few_rows)):
        agent_client.get(CHANGELIST)
    with django_assert_max_num_queries(len(few_threads)):
        agent_client.get(page_url(conversation))
