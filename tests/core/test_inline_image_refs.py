"""Issue 20, item 8: links from stored bodies to our attachments are free of any host name
(conversations/body_links.py). Mail taken in with no HELPDESK_BASE_URL (or any) stores ``/attachments/<token>/
<name>``; whatever reads the body from another host (both APIs, webhook payloads, outgoing email) gets it absolute
on the base URL of the moment, so a change of domain changes every link; the agent UI keeps the path. Migration
0012 rewrote the links stored before, on any host, and back."""

import email
import json
from email import policy

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from conversations.body_links import ATTACHMENT_PATH_PREFIX, body_links_absolute, body_links_relative
from conversations.mail.compose import notification_compose, reply_compose
from conversations.mail.ingest import mail_ingest
from conversations.models import Attachment, Thread
from helpdesk.services import api_key_create
from mailboxes.services import mailbox_user_grant
from tests.core.test_mail_incoming import CORPUS
from tests.factories import ConversationFactory
from webhooks.models import Event, WebhookEvent

BEFORE = ("conversations", "0011_agent_ui")
MIGRATION = ("conversations", "0012_thread_body_links_host_free")


@pytest.fixture
def taken_in(settings, media_root, mailbox):
    """The inline-image message of the corpus, taken in by a fetch_mail that had no base URL to go on."""
    settings.HELPDESK_BASE_URL = ""
    received = mail_ingest(mailbox=mailbox, raw=(CORPUS / "04_inline_image.eml").read_bytes())
    assert received is not None
    thread = received.thread
    attachment = Attachment.objects.get(thread=thread, inline=True)
    return thread, attachment


def _path(attachment: Attachment) -> str:
    return reverse("attachment-download", args=[attachment.token, attachment.file_name])


def _html(message: email.message.EmailMessage) -> str:
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    html = parsed.get_body(preferencelist=("html",))
    assert html is not None
    return html.get_content()


def test_the_stored_path_is_where_downloads_are_served():
    assert reverse("attachment-download", args=["0" * 32, "a.png"]).startswith(ATTACHMENT_PATH_PREFIX)


def test_mail_taken_in_without_a_base_url_stores_a_host_free_link(taken_in, client, settings):
    thread, attachment = taken_in
    thread.refresh_from_db()
    assert f'src="{_path(attachment)}"' in thread.body
    assert "http" not in thread.body and "cid:" not in thread.body
    # Downloadable at that path, whatever host the request came to.
    response = client.get(_path(attachment), HTTP_HOST="localhost")
    assert response.status_code in (200, 302)


def test_every_reader_on_another_host_gets_the_link_absolute_on_the_base_url_of_the_moment(
    taken_in, settings, admin, agent, mailbox, admin_api, hook
):
    thread, attachment = taken_in
    conversation = thread.conversation
    mailbox_user_grant(mailbox=mailbox, user=agent)
    la_key = api_key_create(user=admin)[1]
    for base in ("https://help.example.com", "https://support.example.org/desk"):
        settings.HELPDESK_BASE_URL = base
        absolute = f'src="{base}{_path(attachment)}"'
        # FreeScout: the conversation with its threads, and the thread list.
        got = admin_api.get(f"/api/conversations/{conversation.pk}", {"embed": "threads"}).json()
        bodies = [t["body"] for t in got["_embedded"]["threads"] if t["id"] == thread.pk]
        assert len(bodies) == 1 and absolute in bodies[0]
        # LiveAgent: the message group of the thread.
        response = Client().get(f"/liveagent/api/conversations/{conversation.code}/messages", {"apikey": la_key})
        assert response.status_code == 200
        messages = [m["message"] for g in response.json()["response"]["groups"] for m in g["messages"]]
        assert any(absolute in m for m in messages)
        # A webhook payload built now (a note's event) carries the thread's body with the same link.
        admin_api.post(
            f"/api/conversations/{conversation.pk}/threads",
            {"type": "note", "text": "Seen.", "user": admin.pk},
            format="json",
        )
        payload = json.loads(
            bytes(WebhookEvent.objects.filter(name=Event.CONVO_NOTE_CREATED).latest("created_at").payload)
        )
        threads = {t["id"]: t["body"] for t in payload["_embedded"]["threads"]}
        assert absolute in threads[thread.pk]
        # Email: a notification quoting the message, to an agent.
        notice = notification_compose(
            conversation=conversation, user=agent, headline="New message", thread=thread, message_id="n@example.com"
        )
        assert absolute in _html(notice)
    # Stored as it was taken in.
    thread.refresh_from_db()
    assert f'src="{_path(attachment)}"' in thread.body and "example" not in thread.body


def test_a_body_written_with_our_absolute_links_is_stored_host_free_and_mailed_absolute(
    taken_in, settings, admin, admin_api
):
    thread, attachment = taken_in
    settings.HELPDESK_BASE_URL = "https://help.example.com"
    echoed = f'<p>As you sent:</p><img src="https://help.example.com{_path(attachment)}" alt="shot">'
    response = admin_api.post(
        f"/api/conversations/{thread.conversation_id}/threads",
        {"type": "message", "text": echoed, "user": admin.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    reply = Thread.objects.get(pk=response.json()["id"])
    assert f'src="{_path(attachment)}"' in reply.body and "example.com" not in reply.body
    assert f'src="https://help.example.com{_path(attachment)}"' in response.json()["body"]
    settings.HELPDESK_BASE_URL = "https://new.example.net"
    mailed = _html(reply_compose(thread=reply, conversation=reply.conversation))
    assert f'src="https://new.example.net{_path(attachment)}"' in mailed


def test_the_agent_ui_shows_the_inline_image_by_its_path(taken_in, settings, admin_client):
    thread, attachment = taken_in
    settings.HELPDESK_BASE_URL = "https://help.example.com"
    page = admin_client.get(reverse("admin:conversations_conversation_change", args=[thread.conversation_id]))
    assert page.status_code == 200
    assert f'<img src="{_path(attachment)}" alt="' in page.content.decode()
    assert "hd-blocked-image" not in page.content.decode()


def test_only_links_in_tags_to_our_attachments_change(settings):
    settings.HELPDESK_BASE_URL = "https://h.example"
    body = (
        '<p>src="/attachments/not-a-link" <img src="/attachments/abc/x.png" alt="a&gt;b">'
        ' <a href="/attachments/abc/x.pdf" title="x">pdf</a> <img src="/static/logo.png"></p>'
    )
    absolute = body_links_absolute(body)
    assert absolute == (
        '<p>src="/attachments/not-a-link" <img src="https://h.example/attachments/abc/x.png" alt="a&gt;b">'
        ' <a href="https://h.example/attachments/abc/x.pdf" title="x">pdf</a> <img src="/static/logo.png"></p>'
    )
    assert body_links_relative(absolute) == body


def test_the_migration_rewrites_links_on_any_host_and_back(transactional_db, settings, media_root):
    conversation = ConversationFactory()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([BEFORE])
        apps = executor.loader.project_state([BEFORE]).apps
        bodies = _seed_old_bodies(apps, conversation.pk)
        executor = MigrationExecutor(connection)
        executor.migrate([MIGRATION])
        Thread = apps.get_model("conversations", "Thread")
        token = bodies["token"]
        rows = dict(Thread.objects.values_list("pk", "body"))
        assert rows[bodies["old_default"]] == f'<p><img src="/attachments/{token}/shot.png" alt="shot"></p>'
        assert rows[bodies["old_domain"]] == (
            f'<p><a href="/attachments/{token}/shot.png">shot</a> <img src="/attachments/{token}/shot.png"></p>'
        )
        # Someone else's URL that merely looks like ours, and text, stay as they were.
        assert rows[bodies["foreign"]] == bodies["foreign_body"]

        # Back: absolute again, on today's base URL.
        settings.HELPDESK_BASE_URL = "https://today.example.com"
        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE])
        rows = dict(Thread.objects.values_list("pk", "body"))
        assert rows[bodies["old_default"]] == (
            f'<p><img src="https://today.example.com/attachments/{token}/shot.png" alt="shot"></p>'
        )
        assert rows[bodies["foreign"]] == bodies["foreign_body"]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)


def _seed_old_bodies(apps, conversation_id: int) -> dict:
    """Threads as the code before 0012 stored them, with the historical models."""
    Thread = apps.get_model("conversations", "Thread")
    Attachment = apps.get_model("conversations", "Attachment")
    token = "0123456789abcdef0123456789abcdef"
    unknown = "fedcba9876543210fedcba9876543210"

    def thread(body: str) -> int:
        return Thread.objects.create(conversation_id=conversation_id, type="customer", body=body).pk

    first = thread(f'<p><img src="http://127.0.0.1:8000/attachments/{token}/shot.png" alt="shot"></p>')
    Attachment.objects.create(thread_id=first, token=token, file="attachments/x/shot.png", file_name="shot.png")
    foreign_body = (
        f"<p>See http://old.example.com/attachments/{token}/shot.png "
        f'<img src="https://elsewhere.example/attachments/{unknown}/shot.png"></p>'
    )
    return {
        "token": token,
        "old_default": first,
        "old_domain": thread(
            f'<p><a href="https://old.example.com/desk/attachments/{token}/shot.png">shot</a>'
            f' <img src="https://old.example.com/desk/attachments/{token}/shot.png"></p>'
        ),
        "foreign": thread(foreign_body),
        "foreign_body": foreign_body,
    }
