"""The conversation JSON as freescout-behaviour.md §4 describes it, and who may see what."""

import re

import pytest
from rest_framework.test import APIClient

from conversations import services
from conversations.services import NewAttachment, NewThread
from helpdesk.services import api_key_create
from mailboxes.services import mailbox_user_grant
from tests.factories import ConversationFactory, CustomFieldFactory, MailboxFactory

pytestmark = pytest.mark.django_db

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CONVERSATION_KEYS = [
    "id",
    "number",
    "threadsCount",
    "type",
    "folderId",
    "status",
    "state",
    "subject",
    "preview",
    "mailboxId",
    "assignee",
    "createdBy",
    "createdAt",
    "updatedAt",
    "closedBy",
    "closedByUser",
    "closedAt",
    "userUpdatedAt",
    "customerWaitingSince",
    "source",
    "cc",
    "bcc",
    "customer",
    "customFields",
    "_embedded",
]
THREAD_KEYS = [
    "id",
    "type",
    "status",
    "state",
    "action",
    "body",
    "source",
    "customer",
    "createdBy",
    "assignedTo",
    "to",
    "cc",
    "bcc",
    "createdAt",
    "openedAt",
    "_embedded",
]
SHORT_KEYS = ["id", "type", "firstName", "lastName", "photoUrl", "email"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_FREESCOUT_API_KEY=api_key_create(user=user)[1])
    return client


def test_a_conversation_as_the_docs_show_it(admin_api, admin, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HELPDESK_BASE_URL = "https://help.example.com"
    field = CustomFieldFactory(mailbox=mailbox, name="Priority", type="dropdown", options={"1": "Low", "2": "High"})
    CustomFieldFactory(mailbox=mailbox, name="Order", type="number")
    conversation = ConversationFactory(mailbox=mailbox, subject="Refund")
    services.conversation_custom_fields_set(conversation=conversation, values={field.pk: "2"})
    services.thread_create(
        conversation=conversation,
        thread=NewThread(
            type="message",
            body="<b>Sure</b>",
            user=admin,
            attachments=[NewAttachment("a.pdf", b"%PDF", "application/pdf")],
        ),
    )
    services.conversation_change_status(conversation=conversation, status="closed", by_user=admin)

    body = admin_api.get(f"/api/conversations/{conversation.pk}").json()
    assert list(body) == CONVERSATION_KEYS
    assert body["status"] == "closed" and body["threadsCount"] == 2 and body["preview"] == "Sure"
    assert body["closedBy"] == admin.pk and list(body["closedByUser"]) == SHORT_KEYS
    assert body["createdBy"]["type"] == "customer" and list(body["customer"]) == SHORT_KEYS
    assert body["assignee"] is None and body["cc"] == [] and body["bcc"] == []
    for key in ("createdAt", "updatedAt", "closedAt", "userUpdatedAt"):
        assert DATE.match(body[key]), key
    assert body["customerWaitingSince"]["latestReplyFrom"] == "user"
    assert body["customerWaitingSince"]["friendly"] == "Just now"
    assert body["source"] == {"type": "email", "via": "customer"}
    assert body["customFields"] == [
        {"id": field.pk, "name": "Priority", "value": "2", "text": "High"},
        {"id": field.pk + 1, "name": "Order", "value": "", "text": ""},
    ]
    threads = body["_embedded"]["threads"]
    assert list(body["_embedded"]) == ["threads"]
    assert [t["type"] for t in threads] == ["lineitem", "message", "customer"]  # newest first
    assert all(list(t) == THREAD_KEYS for t in threads)
    assert threads[0]["action"] == {
        "type": "changed-ticket-status",
        "text": "Ada Admin marked as Closed",
        "associatedEntities": [],
    }
    attachment = threads[1]["_embedded"]["attachments"][0]
    assert list(attachment) == ["id", "fileName", "fileUrl", "mimeType", "size"]
    assert attachment["fileUrl"].startswith("https://help.example.com/attachments/")

    download = admin_api.get(attachment["fileUrl"].removeprefix("https://help.example.com"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF"
    assert download["Content-Type"] == "application/pdf"
    assert (
        admin_api.get(attachment["fileUrl"].removeprefix("https://help.example.com")[:-5] + "b.pdf").status_code == 404
    )


def test_embed_selects_what_is_embedded(admin_api, mailbox):
    conversation = ConversationFactory(mailbox=mailbox)
    services.conversation_tags_set(conversation=conversation, names=["vip"])
    body = admin_api.get(f"/api/conversations/{conversation.pk}", {"embed": "tags,timelogs"}).json()
    assert body["_embedded"] == {"timelogs": [], "tags": [{"id": conversation.tags.get().pk, "name": "vip"}]}
    listed = admin_api.get("/api/conversations").json()["_embedded"]["conversations"][0]
    assert listed["_embedded"] == {}


def test_the_list_defaults_to_active_conversations_newest_first(admin_api, admin, mailbox):
    first, second = ConversationFactory(mailbox=mailbox), ConversationFactory(mailbox=mailbox)
    closed = ConversationFactory(mailbox=mailbox)
    services.conversation_change_status(conversation=closed, status="closed", by_user=admin)
    body = admin_api.get("/api/conversations").json()
    assert [c["id"] for c in body["_embedded"]["conversations"]] == [second.pk, first.pk]
    assert body["page"] == {"size": 50, "totalElements": 2, "totalPages": 1, "number": 1}


def test_paging_clamps_the_size_and_answers_past_the_end(admin_api, mailbox):
    ConversationFactory(mailbox=mailbox)
    body = admin_api.get("/api/conversations", {"pageSize": 500, "page": 3}).json()
    assert body == {
        "_embedded": {"conversations": []},
        "page": {"size": 100, "totalElements": 1, "totalPages": 1, "number": 3},
    }
    for bad in ({"page": 0}, {"page": "x"}, {"pageSize": -1}):
        response = admin_api.get("/api/conversations", bad)
        assert response.status_code == 400
        error = response.json()["_embedded"]["errors"][0]
        assert error["path"] == next(iter(bad)) and error["rejectedValue"] == str(next(iter(bad.values())))


def test_a_regular_user_sees_only_their_mailboxes(agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    mine, theirs = ConversationFactory(mailbox=mailbox), ConversationFactory(mailbox=MailboxFactory())
    api = client_for(agent)
    assert [c["id"] for c in api.get("/api/conversations").json()["_embedded"]["conversations"]] == [mine.pk]
    assert api.get(f"/api/conversations/{mine.pk}").status_code == 200
    response = api.get(f"/api/conversations/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT FOUND"


def test_the_list_costs_a_constant_number_of_queries(admin_api, admin, mailbox):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        for _ in range(3):
            conversation = ConversationFactory(mailbox=mailbox)
            services.thread_create(conversation=conversation, thread=NewThread(type="note", body="n", user=admin))
            services.conversation_tags_set(conversation=conversation, names=["a", "b"])
        with CaptureQueriesContext(connection) as context:
            assert admin_api.get("/api/conversations", {"embed": "threads,tags,timelogs"}).status_code == 200
        return len(context)

    admin_api.get("/api/conversations")  # the key's first use is recorded once; measure after it
    assert queries_for_list() == queries_for_list() <= 15  # 3 then 6 conversations: no query per row
