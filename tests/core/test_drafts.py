"""Drafts (issue 19, item 1): the composer's text kept as the agent's draft thread, one per agent and
conversation; resumed in the composer, discarded, and published by Send as that same thread, emailed once
with one webhook. Until then neither email, webhook, report nor the LiveAgent API knows of it; the
FreeScout API lists it with ``state: draft``."""

import os

import pytest
from django.core.exceptions import ValidationError

from conversations.models import Conversation, OutgoingEmail, Thread
from conversations.selectors import conversation_live_version
from conversations.services import (
    NewAttachment,
    NewThread,
    conversation_change_status,
    thread_create,
    thread_draft_discard,
    thread_draft_save,
)
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from reports.models import FactKind, ReportFact
from tests.admin_helpers import admin_url, messages_text
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory, UserFactory
from tests.liveagent.helpers import envelope
from webhooks.models import Event, WebhookEvent


@pytest.fixture
def conversation(mailbox, agent, media_root):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return ConversationFactory(
        mailbox=mailbox,
        subject="Printer on fire",
        customer=CustomerFactory(first_name="Carla", last_name="Customer", emails=[("carla@example.org", "work")]),
        threads=[NewThread(type=Thread.Type.CUSTOMER, body="<p>Smoke from tray 2</p>")],
    )


def drafts(conversation: Conversation) -> list[Thread]:
    return list(conversation.threads.filter(state=Thread.State.DRAFT))


def answers(conversation: Conversation) -> int:
    return ReportFact.objects.filter(conversation_id=conversation.pk, kind=FactKind.ANSWER).count()


def replies_emailed() -> int:
    return OutgoingEmail.objects.filter(kind="reply").count()


def reply_events() -> int:
    return WebhookEvent.objects.filter(name=Event.CONVO_AGENT_REPLY_CREATED).count()


# --- services


def test_saving_again_updates_the_one_draft_and_tells_nobody(conversation, agent, hook):
    conversation.refresh_from_db()
    before = (conversation.updated_at, conversation.threads_count, conversation.preview, conversation.folder_id)
    version = conversation_live_version(user=agent, conversation_id=conversation.pk)
    events = WebhookEvent.objects.count()

    first = thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Unplug it</p>")
    again = thread_draft_save(conversation=conversation, user=agent, type="note", body="<p>Unplug it, then call</p>")

    assert first is not None and again is not None and again.pk == first.pk
    [draft] = drafts(conversation)
    assert (draft.type, draft.body, draft.created_by_user) == ("note", "<p>Unplug it, then call</p>", agent)
    conversation.refresh_from_db()
    assert (conversation.updated_at, conversation.threads_count, conversation.preview, conversation.folder_id) == before
    assert conversation_live_version(user=agent, conversation_id=conversation.pk) == version
    assert WebhookEvent.objects.count() == events
    assert replies_emailed() == 0


def test_each_agent_has_a_draft_of_their_own(conversation, agent, mailbox):
    colleague = UserFactory(email="ana@example.com")
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Mine</p>")
    thread_draft_save(conversation=conversation, user=colleague, type="message", body="<p>Hers</p>")
    assert sorted(t.body for t in drafts(conversation)) == ["<p>Hers</p>", "<p>Mine</p>"]
    assert thread_draft_discard(conversation=conversation, user=agent) is True
    assert [t.body for t in drafts(conversation)] == ["<p>Hers</p>"]
    assert thread_draft_discard(conversation=conversation, user=agent) is False


def test_a_body_without_text_discards_the_draft(conversation, agent):
    thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Soon</p>")
    assert thread_draft_save(conversation=conversation, user=agent, type="message", body="<p> </p>") is None
    assert drafts(conversation) == []


def test_a_draft_is_a_reply_or_a_note(conversation, agent):
    with pytest.raises(ValidationError) as error:
        thread_draft_save(conversation=conversation, user=agent, type="customer", body="<p>x</p>")
    assert error.value.message_dict == {"type": ["A draft is a reply (message) or a note."]}
    assert drafts(conversation) == []


def test_publishing_makes_the_draft_the_reply_emailed_once_with_one_webhook(
    conversation, agent, hook, django_capture_on_commit_callbacks
):
    draft = thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Draft text</p>")
    conversation_change_status(conversation=conversation, status="active", by_user=agent)  # refreshes the figures
    assert answers(conversation) == 0
    assert (replies_emailed(), reply_events()) == (0, 0)

    with django_capture_on_commit_callbacks():
        reply = thread_create(
            conversation=conversation,
            thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Final text</p>", user=agent),
            draft=draft,
        )

    assert draft is not None and reply.pk == draft.pk
    assert list(conversation.threads.filter(type=Thread.Type.MESSAGE).values_list("pk", "state", "body")) == [
        (draft.pk, "published", "<p>Final text</p>")
    ]
    assert (replies_emailed(), reply_events(), answers(conversation)) == (1, 1, 1)
    conversation.refresh_from_db()
    assert (conversation.threads_count, conversation.status, conversation.preview) == (2, "pending", "Final text")


def test_a_draft_gone_meanwhile_sends_the_reply_all_the_same(conversation, agent):
    draft = thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Draft</p>")
    thread_draft_discard(conversation=conversation, user=agent)
    reply = thread_create(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Sent</p>", user=agent),
        draft=draft,
    )
    assert reply.state == "published" and replies_emailed() == 1


def test_discarding_removes_the_files_of_an_api_draft(
    conversation, agent, media_root, django_capture_on_commit_callbacks
):
    draft = thread_create(
        conversation=conversation,
        thread=NewThread(
            type=Thread.Type.MESSAGE,
            body="<p>With a file</p>",
            user=agent,
            state=Thread.State.DRAFT,
            attachments=[NewAttachment(file_name="a.txt", content=b"abc")],
        ),
    )
    [stored] = [a.file.path for a in draft.attachments.all()]
    with django_capture_on_commit_callbacks(execute=True):
        assert thread_draft_discard(conversation=conversation, user=agent) is True
    assert drafts(conversation) == []
    assert not os.path.exists(stored)


# --- the endpoints and the page


def draft_url(conversation: Conversation, suffix: str = "") -> str:
    return admin_url(Conversation, "change", conversation.pk).replace("/change/", f"/draft/{suffix}")


def test_the_page_resumes_the_draft_and_send_publishes_it(agent_client, agent, conversation, hook):
    response = agent_client.post(draft_url(conversation), {"type": "note", "text": "Line one\nline <two>\n\nNext"})
    assert response.status_code == 200
    [draft] = drafts(conversation)
    assert response.json() == {"draft": draft.pk, "savedAt": draft.updated_at.isoformat()}
    assert draft.body == "<p>Line one<br>line &lt;two&gt;</p>\n\n<p>Next</p>"

    page = agent_client.get(admin_url(Conversation, "change", conversation.pk))
    form = page.context["forms"]["reply"]
    assert (form["type"].value(), form["text"].value()) == ("note", "Line one\nline <two>\n\nNext")
    assert f'data-draft="{draft.pk}"' in page.content.decode()
    assert "(draft)" not in page.content.decode()  # the agent's own draft is in the composer, not the timeline

    sent = agent_client.post(
        admin_url(Conversation, "change", conversation.pk), {"op": "reply", "type": "message", "text": "Sent text"}
    )
    assert sent.status_code == 302 and "Reply sent." in messages_text(sent)
    assert drafts(conversation) == []
    assert list(conversation.threads.filter(created_by_user=agent).values_list("pk", "type", "body")) == [
        (draft.pk, "message", "<p>Sent text</p>")
    ]
    assert (replies_emailed(), reply_events()) == (1, 1)


def test_saving_no_text_and_discarding(agent_client, conversation):
    agent_client.post(draft_url(conversation), {"type": "message", "text": "Soon"})
    response = agent_client.post(draft_url(conversation), {"type": "message", "text": "   "})
    assert (response.status_code, response.json()) == (200, {"draft": None, "savedAt": None})
    agent_client.post(draft_url(conversation), {"type": "message", "text": "Again"})
    response = agent_client.post(draft_url(conversation, "discard/"))
    assert response.status_code == 204 and drafts(conversation) == []
    assert agent_client.post(draft_url(conversation, "discard/")).status_code == 204


def test_a_type_that_is_no_drafts_is_a_400(agent_client, conversation):
    response = agent_client.post(draft_url(conversation), {"type": "lineitem", "text": "x"})
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"type": ["A draft is a reply (message) or a note."]}},
    )
    assert drafts(conversation) == []


def test_another_mailboxs_conversation_is_404_and_only_posts(agent_client, conversation):
    elsewhere = ConversationFactory(mailbox=MailboxFactory(name="Sales", email="sales@example.com"))
    for url in (draft_url(elsewhere), draft_url(elsewhere, "discard/"), "/admin/conversations/conversation/x/draft/"):
        assert agent_client.post(url, {"type": "message", "text": "x"}).status_code == 404
    assert agent_client.get(draft_url(conversation)).status_code == 405
    assert not Thread.objects.filter(state=Thread.State.DRAFT).exists()


def test_only_signed_in_agents(client, conversation):
    response = client.post(draft_url(conversation), {"type": "message", "text": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post(draft_url(conversation, "discard/")).status_code == 302
    assert drafts(conversation) == []


# --- the APIs


def test_the_freescout_api_shows_the_draft_and_liveagent_does_not(admin_api, admin_key, agent, conversation, client):
    draft = thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Half done</p>")
    body = admin_api.get(f"/api/conversations/{conversation.pk}?embed=threads").json()
    [shown] = [t for t in body["_embedded"]["threads"] if t["id"] == draft.pk]
    assert (shown["state"], shown["type"], shown["body"], shown["createdBy"]["id"]) == (
        "draft",
        "message",
        "<p>Half done</p>",
        agent.pk,
    )
    assert body["threadsCount"] == 1

    response = client.get(
        f"/liveagent/api/conversations/{id_encode(Kind.CONVERSATION, conversation.pk)}/messages",
        {"apikey": admin_key},
    )
    group_ids = [g["messagegroupid"] for g in envelope(response)["groups"]]
    assert len(group_ids) == 1 and id_encode(Kind.MESSAGE_GROUP, draft.pk) not in group_ids
