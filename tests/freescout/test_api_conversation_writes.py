"""Writes through the FreeScout API: create, update, delete, threads, tags, custom fields."""

import base64
import dataclasses

import pytest

from conversations import services
from conversations.models import Conversation, Thread
from conversations.services import intake
from customers.models import Customer
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import bad_request, client_for, error_paths
from tests.factories import ConversationFactory, CustomerFactory, CustomFieldFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db

ACT_AS_ANOTHER_403 = {
    "message": "A regular user's API key can only act as that user.",
    "errorCode": "FORBIDDEN",
    "_embedded": {"errors": []},
}


@pytest.fixture
def docs_body(mailbox, admin):
    """The docs' "Create Conversation" example, with our ids (sent as strings, as the PHP example does)."""
    return {
        "type": "email",
        "mailboxId": str(mailbox.pk),
        "subject": "Hi there",
        "customer": {"email": "mark@example.org"},
        "threads": [
            {"text": "This is the message from a user", "type": "message", "user": admin.pk},
            {"text": "This is the note from a user", "type": "note", "user": str(admin.pk)},
            {
                "text": "This is the message from a customer",
                "type": "customer",
                "cc": ["antony@example.org"],
                "customer": {"email": "mark@example.org", "firstName": "Mark"},
            },
        ],
        "imported": False,
        "assignTo": admin.pk,
        "status": "active",
        "createdAt": "2020-03-16T14:07:23Z",
    }


def post(api, url, body):
    return api.post(url, body, format="json")


def test_create_answers_201_with_resource_id_and_the_entity(admin_api, docs_body, mailbox):
    response = post(admin_api, "/api/conversations", docs_body)
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Resource-ID"] == str(body["id"])
    conversation = Conversation.objects.get(pk=body["id"])
    assert body["number"] == conversation.number and body["mailboxId"] == mailbox.pk
    # Stored oldest first, shown newest first.
    assert [t.type for t in conversation.threads.order_by("created_at", "id")] == ["customer", "note", "message"]
    assert [t["type"] for t in body["_embedded"]["threads"]][:3] == ["message", "note", "customer"]
    assert body["createdAt"] == "2020-03-16T14:07:23Z"
    assert body["customer"]["email"] == "mark@example.org"
    assert body["source"] == {"type": "api", "via": "customer"}
    assert body["assignee"]["id"] == conversation.assignee_id
    customer = Customer.objects.get()
    assert customer.emails.get().email == "mark@example.org"
    assert body["status"] == "active" and body["threadsCount"] == 2


def test_create_finds_the_customer_by_any_email_or_id(admin_api, docs_body):
    known = CustomerFactory(emails=[("first@example.org", "work"), ("mark@example.org", "home")])
    response = post(admin_api, "/api/conversations", docs_body)
    assert response.json()["customer"]["id"] == known.pk
    docs_body["customer"] = {"id": known.pk, "email": "ignored@example.org"}
    assert post(admin_api, "/api/conversations", docs_body).json()["customer"]["id"] == known.pk
    assert Customer.objects.count() == 1


def test_create_a_phone_conversation_with_a_name_only(admin_api, mailbox, admin):
    body = {
        "type": "phone",
        "mailboxId": mailbox.pk,
        "subject": "Call",
        "customer": {"firstName": "Mark", "phone": "777-777"},
        "threads": [{"type": "note", "text": "Called about the invoice", "user": admin.pk}],
    }
    response = post(admin_api, "/api/conversations", body)
    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    assert customer.first_name == "Mark" and customer.phones.get().digits == "777777"
    assert response.json()["createdBy"]["type"] == "user"


@pytest.mark.parametrize(
    ("change", "path", "rejected"),
    [
        ({"type": "fax"}, "type", "fax"),
        ({"status": "open"}, "status", "open"),
        ({"mailboxId": "abc"}, "mailboxId", "abc"),
        ({"mailboxId": 99999}, "mailboxId", 99999),
        ({"subject": ""}, "subject", None),
        ({"threads": []}, "threads", None),
        ({"customer": {"id": 99999}}, "customer.id", 99999),
        ({"customer": {}}, "customer.email", None),
        ({"assignTo": 99999}, "assignTo", 99999),
        ({"createdAt": "yesterday"}, "createdAt", "yesterday"),
        ({"imported": "maybe"}, "imported", "maybe"),
        ({"threads": [{"type": "chatter", "text": "x"}]}, "threads[0].type", "chatter"),
        ({"threads": [{"type": "message", "text": "x"}]}, "threads[0].user", None),
        ({"threads": [{"type": "customer", "text": "x", "cc": ["nope"]}]}, "threads[0].cc", None),
        (
            {"threads": [{"type": "customer", "text": "x", "attachments": [{"fileName": "a", "data": "!!"}]}]},
            "threads[0].attachments[0].data",
            "!!",
        ),
        ({"customFields": [{"id": 99999, "value": "x"}]}, "customFields[0].id", 99999),
    ],
)
def test_create_refuses_bad_input_at_its_path_and_writes_nothing(admin_api, docs_body, change, path, rejected):
    response = post(admin_api, "/api/conversations", {**docs_body, **change})
    assert response.status_code == 400, response.content
    errors = error_paths(response)
    assert path in errors, errors
    if rejected is not None:
        assert errors[path]["rejectedValue"] == rejected
    assert response.json()["message"] == "Bad request" and "Resource-ID" not in response
    assert not Conversation.objects.exists() and not Customer.objects.exists()


def test_create_refuses_missing_required_fields(admin_api):
    response = post(admin_api, "/api/conversations", {})
    assert response.status_code == 400
    assert set(error_paths(response)) == {"type", "mailboxId", "subject", "customer", "threads"}


def test_create_refuses_an_assignee_without_access_and_writes_nothing(admin_api, docs_body):
    docs_body["assignTo"] = UserFactory().pk
    response = post(admin_api, "/api/conversations", docs_body)
    assert response.status_code == 400
    assert "assignTo" in error_paths(response)
    assert not Conversation.objects.exists() and not Customer.objects.exists()


def test_create_applies_custom_fields_and_refuses_bad_values(admin_api, docs_body, mailbox):
    priority = CustomFieldFactory(mailbox=mailbox, type="dropdown", options={"1": "Low", "2": "High"})
    docs_body["customFields"] = [{"id": priority.pk, "value": 2}]
    body = post(admin_api, "/api/conversations", docs_body).json()
    assert body["customFields"] == [{"id": priority.pk, "name": priority.name, "value": "2", "text": "High"}]
    docs_body["customFields"] = [{"id": priority.pk, "value": 7}]
    response = post(admin_api, "/api/conversations", docs_body)
    assert response.status_code == 400 and "customFields[0].value" in error_paths(response)
    assert Conversation.objects.count() == 1


def test_import_keeps_dates_and_closed_at(admin_api, docs_body):
    docs_body.update(imported=True, status="closed", closedAt="2020-03-17T10:00:00+02:00")
    docs_body["threads"][0]["createdAt"] = "2020-03-16T15:00:00"
    body = post(admin_api, "/api/conversations", docs_body).json()
    assert body["closedAt"] == "2020-03-17T08:00:00Z"
    assert body["_embedded"]["threads"][0]["createdAt"] == "2020-03-16T15:00:00Z"
    assert Conversation.objects.get().imported


def test_attachments_from_base64(admin_api, docs_body, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    docs_body["threads"][0]["attachments"] = [
        {"fileName": "file.txt", "mimeType": "plain/text", "data": base64.b64encode(b"file").decode()}
    ]
    body = post(admin_api, "/api/conversations", docs_body).json()
    attachment = body["_embedded"]["threads"][0]["_embedded"]["attachments"][0]
    assert (attachment["fileName"], attachment["mimeType"], attachment["size"]) == ("file.txt", "plain/text", 4)


def test_an_agent_key_acts_only_as_its_user(agent, mailbox, admin, docs_body):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    api = client_for(agent)
    docs_body.pop("assignTo")
    response = post(api, "/api/conversations", docs_body)  # threads name the admin as their user
    assert response.status_code == 403
    assert response.json() == ACT_AS_ANOTHER_403
    for thread in docs_body["threads"]:
        if "user" in thread:
            thread["user"] = agent.pk
    assert post(api, "/api/conversations", docs_body).status_code == 201
    docs_body["mailboxId"] = MailboxFactory().pk
    response = post(api, "/api/conversations", docs_body)
    assert response.status_code == 400 and "mailboxId" in error_paths(response)


@pytest.fixture
def conversation(mailbox, agent):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return ConversationFactory(mailbox=mailbox)


def test_update_applies_parameters_in_the_order_sent(admin_api, conversation, admin, agent):
    other = MailboxFactory()
    response = admin_api.put(
        f"/api/conversations/{conversation.pk}",
        {"byUser": admin.pk, "assignTo": agent.pk, "mailboxId": other.pk, "status": "closed", "subject": "New"},
        format="json",
    )
    assert response.status_code == 204 and response.content == b""
    conversation.refresh_from_db()
    # The agent was assigned, then unassigned by the move (no access to the other mailbox).
    assert (conversation.mailbox, conversation.assignee, conversation.status) == (other, None, "closed")
    assert conversation.subject == "New" and conversation.closed_by == admin
    actions = list(conversation.threads.filter(type="lineitem").order_by("id").values_list("action_type", flat=True))
    assert actions == ["changed-ticket-assignee", "moved-from-mailbox", "changed-ticket-status"]


def test_update_is_all_or_nothing(admin_api, conversation, admin):
    response = admin_api.put(
        f"/api/conversations/{conversation.pk}",
        {"byUser": admin.pk, "status": "closed", "assignTo": UserFactory().pk},
        format="json",
    )
    assert response.status_code == 400 and "assignTo" in error_paths(response)
    conversation.refresh_from_db()
    assert conversation.status == "active" and not conversation.threads.filter(type="lineitem").exists()


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"status": "closed"}, "byUser"),
        ({"byUser": 99999, "status": "closed"}, "byUser"),
        ({"byUser": "me", "status": "closed"}, "byUser"),
        ({"byUser": 1, "status": "shut"}, "status"),
        ({"byUser": 1, "mailboxId": 99999}, "mailboxId"),
        ({"customerId": 99999}, "customerId"),
        ({"byUser": 1, "assignTo": 99999}, "assignTo"),
    ],
)
def test_update_refuses_bad_input(admin_api, conversation, admin, body, path):
    body = {key: admin.pk if value == 1 else value for key, value in body.items()}
    response = admin_api.put(f"/api/conversations/{conversation.pk}", body, format="json")
    assert response.status_code == 400, response.content
    assert path in error_paths(response)


def test_update_unassigns_and_changes_customer(admin_api, conversation, admin, agent):
    services.conversation_assign(conversation=conversation, assignee=agent, by_user=admin)
    customer = CustomerFactory()
    response = admin_api.put(
        f"/api/conversations/{conversation.pk}",
        {"byUser": admin.pk, "assignTo": None, "customerId": customer.pk},
        format="json",
    )
    assert response.status_code == 204
    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.customer == customer


def test_update_with_an_agent_key_as_another_user_is_403(agent, conversation, admin):
    response = client_for(agent).put(
        f"/api/conversations/{conversation.pk}", {"byUser": admin.pk, "status": "closed"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == ACT_AS_ANOTHER_403


def test_delete_erases_forever(admin_api, conversation):
    assert admin_api.delete(f"/api/conversations/{conversation.pk}").status_code == 204
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert admin_api.delete(f"/api/conversations/{conversation.pk}").status_code == 404


def test_threads_are_created_with_implied_or_given_status(admin_api, conversation, admin):
    url = f"/api/conversations/{conversation.pk}/threads"
    response = post(
        admin_api, url, {"type": "message", "text": "Hi", "user": admin.pk, "cc": "a@example.org, b@example.org"}
    )
    assert response.status_code == 201, response.content
    thread = response.json()
    assert response["Resource-ID"] == str(thread["id"])
    assert (thread["type"], thread["status"], thread["cc"]) == (
        "message",
        "pending",
        ["a@example.org", "b@example.org"],
    )
    conversation.refresh_from_db()
    assert conversation.status == "pending"
    post(admin_api, url, {"type": "customer", "text": "Thanks"})
    conversation.refresh_from_db()
    assert conversation.status == "active"
    post(admin_api, url, {"type": "note", "text": "fyi", "user": admin.pk, "status": "closed"})
    conversation.refresh_from_db()
    assert conversation.status == "closed"


def test_thread_created_at_is_used_only_for_imports(admin_api, conversation, admin):
    url = f"/api/conversations/{conversation.pk}/threads"
    body = {"type": "note", "text": "old", "user": admin.pk, "createdAt": "2020-01-01T00:00:00Z"}
    assert post(admin_api, url, body).json()["createdAt"] != "2020-01-01T00:00:00Z"
    assert post(admin_api, url, {**body, "imported": True}).json()["createdAt"] == "2020-01-01T00:00:00Z"


def test_a_thread_may_name_its_customer(admin_api, conversation):
    response = post(
        admin_api,
        f"/api/conversations/{conversation.pk}/threads",
        {"type": "customer", "text": "Me too", "customer": {"email": "colleague@example.org"}},
    )
    assert response.json()["customer"]["email"] == "colleague@example.org"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"type": "reply", "text": "x"}, "type"),
        ({"type": "message", "text": "x"}, "user"),
        ({"type": "note", "text": "", "user": 1}, "text"),
        ({"type": "note", "text": "x", "user": 1, "status": "open"}, "status"),
        ({"type": "note", "text": "x", "user": 99999}, "user"),
        ({"type": "customer", "text": "x", "customer": {"id": 99999}}, "customer.id"),
        ({"type": "customer", "text": "x", "attachments": [{"fileName": "a"}]}, "attachments[0].data"),
        (
            {"type": "customer", "text": "x", "attachments": [{"fileName": "a", "fileUrl": "http://127.0.0.1/x"}]},
            "attachments[0].fileUrl",
        ),
    ],
)
def test_thread_bad_input(admin_api, conversation, admin, body, path):
    body = {key: admin.pk if value == 1 else value for key, value in body.items()}
    before = Thread.objects.count()
    response = post(admin_api, f"/api/conversations/{conversation.pk}/threads", body)
    assert response.status_code == 400, response.content
    assert path in error_paths(response)
    assert Thread.objects.count() == before


@pytest.fixture
def blank_bodies(monkeypatch):
    """Threads sent with the text "(blank)" reach the services with a blank body. The FreeScout input refuses
    a blank text itself, first; this is how the services' own check is seen through the API."""
    thread = intake._thread

    def blanked(given, attachments):
        new = thread(given, attachments)
        return dataclasses.replace(new, body=" ") if new.body == "(blank)" else new

    monkeypatch.setattr(intake, "_thread", blanked)


def test_the_services_thread_body_error_is_answered_at_text(admin_api, conversation, docs_body, blank_bodies):
    docs_body["threads"][0]["text"] = "(blank)"  # the newest thread: the services' threads[2]
    error = bad_request(post(admin_api, "/api/conversations", docs_body), "threads[0].text", "(blank)")
    assert error["message"] == "A thread needs text."
    url = f"/api/conversations/{conversation.pk}/threads"
    error = bad_request(post(admin_api, url, {"type": "customer", "text": "(blank)"}), "text", "(blank)")
    assert error["message"] == "A thread needs text."
    assert not Conversation.objects.filter(subject=docs_body["subject"]).exists()


def test_tags_replace_the_list_and_tags_are_listed_with_counters(admin_api, conversation, mailbox):
    other = ConversationFactory(mailbox=mailbox)
    url = f"/api/conversations/{conversation.pk}/tags"
    assert admin_api.put(url, {"tags": [" Refund ", "VIP"]}, format="json").status_code == 204
    admin_api.put(f"/api/conversations/{other.pk}/tags", {"tags": ["vip"]}, format="json")
    listed = admin_api.get("/api/tags").json()
    assert [(t["name"], t["counter"]) for t in listed["_embedded"]["tags"]] == [("refund", 1), ("vip", 2)]
    assert list(listed["_embedded"]["tags"][0]) == ["id", "name", "counter", "color"]
    only = admin_api.get("/api/tags", {"conversationId": other.pk}).json()["_embedded"]["tags"]
    assert [(t["name"], t["counter"]) for t in only] == [("vip", 2)]
    assert admin_api.put(url, {"tags": []}, format="json").status_code == 204
    assert not conversation.tags.exists()
    response = admin_api.put(url, {"tags": "vip"}, format="json")
    assert response.status_code == 400 and "tags" in error_paths(response)
    assert admin_api.get("/api/tags", {"conversationId": "x"}).status_code == 400


def test_custom_fields_endpoint(admin_api, conversation, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, type="number")
    url = f"/api/conversations/{conversation.pk}/custom_fields"
    assert admin_api.put(url, {"customFields": [{"id": field.pk, "value": "42"}]}, format="json").status_code == 204
    assert conversation.custom_field_values.get().value == "42"
    response = admin_api.put(url, {"customFields": [{"id": field.pk, "value": "forty"}]}, format="json")
    assert response.status_code == 400 and "customFields[0].value" in error_paths(response)
    other_mailbox_field = CustomFieldFactory()
    response = admin_api.put(url, {"customFields": [{"id": other_mailbox_field.pk, "value": "1"}]}, format="json")
    assert response.status_code == 400 and "customFields[0].id" in error_paths(response)
    assert conversation.custom_field_values.get().value == "42"


def test_timelogs_newest_first_with_paging(admin_api, conversation, admin):
    for seconds in (10, 20, 30):
        services.timelog_record(conversation=conversation, user=admin, seconds=seconds)
    body = admin_api.get(f"/api/conversations/{conversation.pk}/timelogs", {"pageSize": 2}).json()
    assert [t["timeSpent"] for t in body["_embedded"]["timelogs"]] == [30, 20]
    assert body["page"] == {"size": 2, "totalElements": 3, "totalPages": 2, "number": 1}
    assert list(body["_embedded"]["timelogs"][0]) == [
        "id",
        "conversationStatus",
        "userId",
        "timeSpent",
        "paused",
        "finished",
        "createdAt",
        "updatedAt",
    ]


def test_another_mailboxs_conversation_is_404_on_every_endpoint(agent, admin):
    hidden = ConversationFactory()
    api = client_for(agent)
    base = f"/api/conversations/{hidden.pk}"
    assert api.get(base).status_code == 404
    assert api.put(base, {"subject": "x"}, format="json").status_code == 404
    # Deleting forever is an admin key's: 403 to a regular key whatever the id (test_customer_visibility.py).
    assert api.delete(base).status_code == 403
    assert api.put(f"{base}/tags", {"tags": []}, format="json").status_code == 404
    assert api.put(f"{base}/custom_fields", {"customFields": []}, format="json").status_code == 404
    assert post(api, f"{base}/threads", {"type": "customer", "text": "x"}).status_code == 404
    assert api.get(f"{base}/timelogs").status_code == 404
    assert Conversation.objects.filter(pk=hidden.pk).exists()
