"""Undo send (issue 19, item 2): a reply sent from the agent UI waits its window as a ``DelayedReply``, seen
by neither API, report, webhook nor email; the task queued with it and beat's sweep publish it once through
``thread_create``; Undo before that gives the text back as the author's draft. Services first, then the
admin page and the undo endpoint with their error paths. A real worker: test_undo_send_worker.py; a real
browser: test_undo_send_browser.py."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conversations.models import Attachment, Conversation, DelayedReply, OutgoingEmail, Status, Thread
from conversations.selectors import thread_draft_of
from conversations.services import NewAttachment, NewThread, thread_draft_save
from conversations.services.delayed_replies import (
    delayed_replies_purge,
    delayed_reply_publish_claimed,
    delayed_reply_undo,
    reply_send,
)
from conversations.tasks import delayed_reply_publish, delayed_reply_sweep
from helpdesk.errors import Conflict, NotFound
from helpdesk.outbox import outbox_claim
from liveagent.ids import Kind, id_encode
from mailboxes.services import mailbox_user_grant
from reports.models import FactKind, ReportFact
from tests.admin_helpers import admin_url, messages_text
from tests.core.test_drafts import conversation as drafts_conversation
from tests.factories import ConversationFactory, UserFactory
from tests.liveagent.helpers import envelope
from webhooks.models import Event, WebhookEvent

WINDOW = 10.0


conversation = drafts_conversation  # the fixture: Carla's "Printer on fire" in ``mailbox``, open to ``agent``


@pytest.fixture
def queued(monkeypatch):
    """The publish tasks queued on commit, as (reply id, countdown), instead of going to a broker."""
    calls: list[tuple[int, float | None]] = []
    monkeypatch.setattr(
        delayed_reply_publish, "apply_async", lambda args, countdown=None, **_: calls.append((*args, countdown))
    )
    return calls


def send(conversation, agent, body="<p>Unplug it</p>", *, status=None, draft=None, **thread) -> DelayedReply:
    sent = reply_send(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body=body, user=agent, **thread),
        status=status,
        draft=draft,
        undo_seconds=WINDOW,
    )
    assert isinstance(sent, DelayedReply)
    return sent


def due_now(reply: DelayedReply) -> None:
    DelayedReply.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now() - timedelta(milliseconds=1))


def agent_replies(conversation: Conversation) -> list[Thread]:
    return list(conversation.threads.filter(type=Thread.Type.MESSAGE, state=Thread.State.PUBLISHED))


def told() -> tuple[int, int, int]:
    """(reply emails, agent-reply events, status events) written so far."""
    return (
        OutgoingEmail.objects.filter(kind="reply").count(),
        WebhookEvent.objects.filter(name=Event.CONVO_AGENT_REPLY_CREATED).count(),
        WebhookEvent.objects.filter(name=Event.CONVO_STATUS).count(),
    )


def answers(conversation: Conversation) -> int:
    return ReportFact.objects.filter(conversation_id=conversation.pk, kind=FactKind.ANSWER).count()


# --- waiting


def test_a_waiting_reply_is_seen_by_no_api_report_webhook_or_email(
    conversation, agent, hook, queued, admin_api, admin_key, client, django_capture_on_commit_callbacks
):
    conversation.refresh_from_db()
    before = (conversation.status, conversation.threads_count, conversation.preview, conversation.updated_at)
    with django_capture_on_commit_callbacks(execute=True):
        reply = send(conversation, agent, status=Status.CLOSED, cc=["boss@example.org"])

    assert queued == [(reply.pk, WINDOW)]
    assert (reply.status, reply.conversation_status, reply.cc) == ("pending", "closed", ["boss@example.org"])
    assert WINDOW - 1 < (reply.next_attempt_at - timezone.now()).total_seconds() <= WINDOW
    assert agent_replies(conversation) == []
    conversation.refresh_from_db()
    assert (conversation.status, conversation.threads_count, conversation.preview, conversation.updated_at) == before
    assert told() == (0, 0, 0)
    assert answers(conversation) == 0

    freescout = admin_api.get(f"/api/conversations/{conversation.pk}?embed=threads").json()
    assert [t["type"] for t in freescout["_embedded"]["threads"]] == ["customer"]
    assert (freescout["threadsCount"], freescout["status"]) == (1, "active")
    listed = admin_api.get("/api/conversations", {"mailboxId": conversation.mailbox_id}).json()
    [row] = listed["_embedded"]["conversations"]
    assert (row["threadsCount"], row["preview"]) == (1, "Smoke from tray 2")
    liveagent = client.get(
        f"/liveagent/api/conversations/{id_encode(Kind.CONVERSATION, conversation.pk)}/messages", {"apikey": admin_key}
    )
    assert len(envelope(liveagent)["groups"]) == 1


def test_a_note_and_a_window_of_zero_publish_at_once(conversation, agent, queued):
    note = reply_send(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.NOTE, body="<p>Called them</p>", user=agent),
        status=None,
        draft=None,
        undo_seconds=WINDOW,
    )
    reply = reply_send(
        conversation=conversation,
        thread=NewThread(type=Thread.Type.MESSAGE, body="<p>Now</p>", user=agent),
        status=None,
        draft=None,
        undo_seconds=0,
    )
    assert isinstance(note, Thread) and isinstance(reply, Thread)
    assert not DelayedReply.objects.exists() and queued == []


def test_sending_consumes_the_draft_and_takes_its_files(conversation, agent, queued):
    draft = thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>Unplug it</p>")
    Attachment.objects.create(thread=draft, file_name="old.txt", file=SimpleUploadedFile("old.txt", b"x"))
    reply = send(conversation, agent, draft=draft, attachments=[NewAttachment(file_name="a.txt", content=b"aa")])

    assert thread_draft_of(conversation_id=conversation.pk, user=agent) is None
    files = Attachment.objects.filter(token__in=reply.attachment_tokens)
    assert sorted(files.values_list("file_name", "thread", "uploaded_by")) == [
        ("a.txt", None, agent.pk),
        ("old.txt", None, agent.pk),
    ]


def test_a_reply_the_services_would_refuse_is_refused_at_once_with_no_file_left(conversation, agent, media_root):
    with pytest.raises(Exception, match="not a valid email"):
        send(conversation, agent, to=["not an address"], attachments=[NewAttachment(file_name="a.txt", content=b"a")])
    assert not DelayedReply.objects.exists() and not Attachment.objects.filter(file_name="a.txt").exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


# --- publishing


def test_the_task_publishes_when_due_once_with_the_status_chosen(conversation, agent, hook, queued, admin_api):
    reply = send(conversation, agent, status=Status.CLOSED, cc=["boss@example.org"])
    delayed_reply_publish(reply.pk)  # early: not yet
    assert agent_replies(conversation) == []

    due_now(reply)
    delayed_reply_publish(reply.pk)
    [thread] = agent_replies(conversation)
    assert (thread.body, thread.cc, thread.created_by_user_id, thread.status) == (
        "<p>Unplug it</p>",
        ["boss@example.org"],
        agent.pk,
        "closed",
    )
    conversation.refresh_from_db()
    assert (conversation.status, conversation.threads_count) == ("closed", 2)
    assert told() == (1, 1, 1)
    assert answers(conversation) == 1
    reply.refresh_from_db()
    assert (reply.status, reply.thread_id, reply.locked_until) == ("succeeded", thread.pk, None)

    delayed_reply_publish(reply.pk)
    delayed_reply_sweep()
    assert len(agent_replies(conversation)) == 1 and told() == (1, 1, 1)
    body = admin_api.get(f"/api/conversations/{conversation.pk}?embed=threads").json()
    assert [t["id"] for t in body["_embedded"]["threads"] if t["type"] == "message"] == [thread.pk]


def test_a_task_run_a_moment_early_queues_itself_for_the_rest(
    conversation, agent, queued, django_capture_on_commit_callbacks
):
    reply = send(conversation, agent)
    with django_capture_on_commit_callbacks(execute=True):
        delayed_reply_publish(reply.pk)
    [(reply_id, countdown)] = queued
    assert reply_id == reply.pk and 0 < countdown <= WINDOW


def test_the_sweep_publishes_what_no_task_did_and_files_go_with_it(conversation, agent, queued, hook):
    reply = send(conversation, agent, attachments=[NewAttachment(file_name="log.txt", content=b"tray 2")])
    assert delayed_reply_sweep() == 0  # not due
    due_now(reply)
    assert delayed_reply_sweep() == 1
    [thread] = agent_replies(conversation)
    assert list(thread.attachments.values_list("file_name", flat=True)) == ["log.txt"]
    delayed_reply_publish(reply.pk)  # the task, late: nothing more
    assert len(agent_replies(conversation)) == 1 and told() == (1, 1, 0)


def test_a_claim_lost_to_undo_publishes_nothing(conversation, agent, queued):
    reply = send(conversation, agent)
    due_now(reply)
    claimed = outbox_claim(DelayedReply.objects.all(), reply.pk)
    assert claimed is not None
    delayed_reply_undo(reply_id=reply.pk, user=agent)
    assert delayed_reply_publish_claimed(claimed) is None
    assert agent_replies(conversation) == [] and told() == (0, 0, 0)


def test_a_reply_refused_at_publishing_goes_back_to_the_draft(conversation, agent, queued):
    reply = send(conversation, agent, attachments=[NewAttachment(file_name="log.txt", content=b"x")])
    Attachment.objects.filter(token__in=reply.attachment_tokens).delete()  # purged meanwhile
    due_now(reply)
    delayed_reply_publish(reply.pk)
    reply.refresh_from_db()
    assert reply.status == "failed" and "No file" in reply.last_error
    assert agent_replies(conversation) == []
    assert thread_draft_of(conversation_id=conversation.pk, user=agent).body == "<p>Unplug it</p>"
    with pytest.raises(Conflict, match="could not be sent"):
        delayed_reply_undo(reply_id=reply.pk, user=agent)


def test_published_rows_are_forgotten_after_a_day(conversation, agent, queued):
    reply = send(conversation, agent)
    due_now(reply)
    delayed_reply_publish(reply.pk)
    assert delayed_replies_purge() == 0
    DelayedReply.objects.update(finished_at=timezone.now() - timedelta(days=1, minutes=1))
    assert delayed_replies_purge() == 1


# --- undo


def test_undo_gives_the_text_back_as_the_draft_and_deletes_the_files(
    conversation, agent, queued, media_root, django_capture_on_commit_callbacks
):
    reply = send(
        conversation,
        agent,
        "<p>Unplug <b>it</b></p>",
        status=Status.CLOSED,
        to=["carla@example.org"],
        attachments=[NewAttachment(file_name="log.txt", content=b"tray 2")],
    )
    # A draft begun after sending stays, after the undone text.
    thread_draft_save(conversation=conversation, user=agent, type="message", body="<p>PS</p>")
    with django_capture_on_commit_callbacks(execute=True):
        undone = delayed_reply_undo(reply_id=reply.pk, user=agent)

    assert (undone.type, undone.body, undone.status, undone.to, undone.removed_files) == (
        "message",
        "<p>Unplug <b>it</b></p>",
        "closed",
        ["carla@example.org"],
        ["log.txt"],
    )
    draft = thread_draft_of(conversation_id=conversation.pk, user=agent)
    assert (draft.body, draft.to) == ("<p>Unplug <b>it</b></p><p>PS</p>", ["carla@example.org"])
    assert not DelayedReply.objects.exists() and not Attachment.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]
    delayed_reply_sweep()
    assert agent_replies(conversation) == [] and told() == (0, 0, 0)


def test_undo_after_publishing_is_refused_and_only_the_author_may_undo(conversation, agent, mailbox, queued):
    reply = send(conversation, agent)
    colleague = UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    with pytest.raises(NotFound):
        delayed_reply_undo(reply_id=reply.pk, user=colleague)
    due_now(reply)
    delayed_reply_publish(reply.pk)
    with pytest.raises(Conflict, match="already been sent"):
        delayed_reply_undo(reply_id=reply.pk, user=agent)
    assert len(agent_replies(conversation)) == 1


# --- the admin page and the undo endpoint


@pytest.fixture
def window(settings):
    settings.HELPDESK_UNDO_SEND_SECONDS = WINDOW


def post_reply(agent_client, conversation, **extra):
    return agent_client.post(
        admin_url(Conversation, "change", conversation.pk),
        {"op": "reply", "type": "message", "text": "Unplug it", **extra},
    )


def undo_url(conversation, reply) -> str:
    return admin_url(Conversation, "undo_send", conversation.pk, reply.pk)


XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def test_send_from_the_page_waits_and_the_page_shows_it_to_its_author_only(
    agent_client, conversation, mailbox, window, queued, client
):
    page = admin_url(Conversation, "change", conversation.pk)
    sent = post_reply(agent_client, conversation, status="closed")
    assert sent.status_code == 302 and sent["Location"] == page
    assert "Sending your reply in 10 s" in messages_text(sent)
    reply = DelayedReply.objects.get()
    shown = agent_client.get(page).content.decode()
    assert f'id="delayed-{reply.pk}"' in shown and "Sending in" in shown and "Then Closed" in shown
    assert undo_url(conversation, reply) in shown

    colleague = UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    client.force_login(colleague)
    assert 'id="delayed-' not in client.get(page).content.decode()


def test_send_then_next_stays_and_carries_where_to_go_next(agent_client, conversation, mailbox, window, queued):
    older = ConversationFactory(mailbox=mailbox, created_at=conversation.created_at - timedelta(days=1))
    page = admin_url(Conversation, "change", conversation.pk)
    sent = post_reply(agent_client, conversation, after_send="next")
    assert sent.status_code == 302
    here, then = sent["Location"].split("#then=")
    assert here == page and then.startswith(admin_url(Conversation, "change", older.pk))


def test_the_undo_endpoint(agent_client, conversation, window, queued):
    post_reply(agent_client, conversation, status="closed")
    reply = DelayedReply.objects.get()
    url = undo_url(conversation, reply)
    assert agent_client.get(url).json() == {"state": "waiting", "thread": None}

    undone = agent_client.post(url, **XHR)
    assert undone.status_code == 200
    assert undone.json() == {
        "type": "message",
        "text": "Unplug it",
        "html": "<p>Unplug it</p>",
        "status": "closed",
        "to": [],
        "cc": [],
        "bcc": [],
        "removedFiles": [],
        "message": "Sending undone.",
    }
    assert agent_client.post(url, **XHR).status_code == 404  # undone already
    page = agent_client.get(admin_url(Conversation, "change", conversation.pk)).content.decode()
    assert "Unplug it</textarea>" in page  # the composer opens with it: it is the draft again


def test_undo_after_publishing_answers_already_sent(agent_client, conversation, window, queued):
    post_reply(agent_client, conversation)
    reply = DelayedReply.objects.get()
    due_now(reply)
    delayed_reply_publish(reply.pk)
    url = undo_url(conversation, reply)
    refused = agent_client.post(url, **XHR)
    assert refused.status_code == 409 and refused.json() == {"error": "This reply has already been sent."}
    thread = agent_replies(conversation)[0]
    assert agent_client.get(url).json() == {"state": "sent", "thread": thread.pk}
    # Without JavaScript: back to the page, saying so.
    plain = agent_client.post(url)
    assert plain.status_code == 302 and "already been sent" in messages_text(plain)


def test_undo_without_javascript_goes_back_to_the_page(agent_client, conversation, window, queued):
    post_reply(agent_client, conversation, attachments=SimpleUploadedFile("log.txt", b"tray 2"))
    reply = DelayedReply.objects.get()
    undone = agent_client.post(undo_url(conversation, reply))
    assert undone.status_code == 302 and undone["Location"] == admin_url(Conversation, "change", conversation.pk)
    assert "back in the composer. Attach again: log.txt." in messages_text(undone)
    assert not DelayedReply.objects.exists()


def test_who_may_undo(agent_client, client, conversation, mailbox, window, queued, admin):
    post_reply(agent_client, conversation)
    reply = DelayedReply.objects.get()
    url = undo_url(conversation, reply)
    colleague, outsider = UserFactory(), UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=colleague)
    for other in (colleague, outsider, admin):  # another agent of the mailbox, one of none, an admin
        client.force_login(other)
        assert client.post(url, **XHR).status_code == 404
        assert client.get(url).status_code == 404
    other_conversation = ConversationFactory(mailbox=mailbox)
    assert agent_client.post(undo_url(other_conversation, reply), **XHR).status_code == 404
    assert agent_client.post(url.replace(f"/{reply.pk}/", "/999999/"), **XHR).status_code == 404
    assert agent_client.put(url).status_code == 405
    client.logout()
    assert client.post(url, **XHR).status_code == 302  # to the login page
    assert DelayedReply.objects.get().status == "pending"
