"""The admin-only mailbox extensions: POST /api/mailboxes, PUT|DELETE /api/mailboxes/{id},
PUT|DELETE /api/mailboxes/{id}/users/{userId}, POST /api/mailboxes/{id}/custom_fields and
PUT|DELETE /api/mailboxes/{id}/custom_fields/{fieldId} (issue 4's extensions; freescout-behaviour.md §2, §4, §7)."""

import datetime
import re

import pytest
from django.core.files.storage import default_storage

from conversations.models import Attachment, Conversation, CustomFieldValue
from conversations.services import NewAttachment, NewThread, conversation_custom_fields_set
from helpdesk.models import User
from helpdesk.services import user_update
from mailboxes.models import CustomField, Folder, Mailbox, MailboxUser
from mailboxes.services import custom_field_update, mailbox_user_grant
from tests.api_helpers import client_for, error_paths
from tests.factories import (
    AdminFactory,
    ConversationFactory,
    CustomFieldFactory,
    MailboxFactory,
    UserFactory,
    WebhookFactory,
)
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MAILBOX_TYPES = {1, 30, 40, 60, 80, 110}


@pytest.fixture
def agent_api(agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return client_for(agent)


def assert_400(response, path: str, rejected=..., message: str | None = None) -> dict:
    assert response.status_code == 400, response.content
    errors = error_paths(response)
    assert list(errors) == [path], errors
    if rejected is not ...:
        assert errors[path]["rejectedValue"] == rejected
    if message is not None:
        assert message in errors[path]["message"]
    return errors[path]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert error_paths(response) == {}
    body = response.json()
    assert body["errorCode"] == code
    assert "Resource-ID" not in response
    return body


def listed_ids(response, name: str) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["_embedded"][name]]


# --- Permissions ---------------------------------------------------------------------------------------


def test_every_write_is_admin_only(agent_api, agent, mailbox):
    field = CustomFieldFactory(mailbox=mailbox)
    base = f"/api/mailboxes/{mailbox.pk}"
    calls = [
        ("post", "/api/mailboxes", {"name": "New", "email": "new@example.com"}),
        ("put", base, {"name": "Renamed"}),
        ("delete", base, None),
        ("put", f"{base}/users/{agent.pk}", None),
        ("delete", f"{base}/users/{agent.pk}", None),
        ("post", f"{base}/custom_fields", {"name": "F", "type": "singleline"}),
        ("put", f"{base}/custom_fields/{field.pk}", {"name": "G"}),
        ("delete", f"{base}/custom_fields/{field.pk}", None),
        # Unknown ids too: a regular key learns nothing about what exists.
        ("put", "/api/mailboxes/999999", {"name": "x"}),
        ("delete", "/api/mailboxes/999999/custom_fields/999999", None),
    ]
    for method, url, body in calls:
        body_out = assert_error(getattr(agent_api, method)(url, body, format="json"), 403, "FORBIDDEN")
        assert body_out["message"] == "Only an admin's API key may do this."
    mailbox.refresh_from_db()
    assert mailbox.name == "Support"
    assert list(Mailbox.objects.values_list("pk", flat=True)) == [mailbox.pk]
    assert MailboxUser.objects.filter(mailbox=mailbox, user=agent).exists()
    assert list(CustomField.objects.values_list("pk", "name")) == [(field.pk, field.name)]
    # Reading stays open to the key's own mailboxes.
    assert agent_api.get("/api/mailboxes").status_code == 200
    assert agent_api.get(f"{base}/custom_fields").status_code == 200


def test_writes_need_a_key(api_client, mailbox):
    assert_error(api_client.post("/api/mailboxes", {"name": "x"}, format="json"), 401, "NOT AUTHORIZED")
    assert_error(api_client.delete(f"/api/mailboxes/{mailbox.pk}"), 401, "NOT AUTHORIZED")


# --- POST /api/mailboxes ----------------------------------------------------------------------------------


def test_create_a_mailbox(admin_api, admin):
    other_admin = AdminFactory()
    agent = UserFactory()
    response = admin_api.post(
        "/api/mailboxes",
        {
            "name": " Billing ",
            "email": "Billing@Example.com",
            "aliases": "invoices@example.com, Accounts@example.com",
            "signature": "<p>Billing team</p>",
            "fromName": "custom",
            "fromNameCustom": "Acme Billing",
            "autoReplyEnabled": "true",
            "autoReplySubject": "We got it",
            "autoReplyMessage": "Thanks!",
            "outMethod": "smtp",
            "outServer": "smtp.example.com",
            "outPort": "587",
            "outUsername": "billing",
            "outPassword": " s3cret ",
            "outEncryption": "tls",
            "inServer": "imap.example.com",
            "inPort": 993,
            "inUsername": "billing",
            "inPassword": "imap-secret",
            "inEncryption": "ssl",
            "inValidateCert": "0",
            "inImapFolders": ["INBOX", "Support"],
            "unknownKey": "ignored",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    mailbox = Mailbox.objects.get()
    assert response["Resource-ID"] == str(mailbox.pk)
    body = response.json()
    assert list(body) == ["id", "name", "email", "createdAt", "updatedAt"]
    assert body["id"] == mailbox.pk and body["name"] == "Billing" and body["email"] == "billing@example.com"
    assert DATE.match(body["createdAt"]) and DATE.match(body["updatedAt"])
    assert "secret" not in response.content.decode() and "s3cret" not in response.content.decode()

    assert (mailbox.aliases, mailbox.signature) == ("invoices@example.com, accounts@example.com", "<p>Billing team</p>")
    assert (mailbox.from_name, mailbox.from_name_custom) == ("custom", "Acme Billing")
    assert (mailbox.auto_reply_enabled, mailbox.auto_reply_subject, mailbox.auto_reply_message) == (
        True,
        "We got it",
        "Thanks!",
    )
    assert (mailbox.out_method, mailbox.out_server, mailbox.out_port) == ("smtp", "smtp.example.com", 587)
    assert (mailbox.out_username, mailbox.out_password, mailbox.out_encryption) == ("billing", " s3cret ", "tls")
    assert (mailbox.in_server, mailbox.in_port, mailbox.in_username, mailbox.in_password) == (
        "imap.example.com",
        993,
        "billing",
        "imap-secret",
    )
    assert (mailbox.in_encryption, mailbox.in_validate_cert, mailbox.in_imap_folders) == ("ssl", False, "INBOX,Support")

    # Its folders, and Mine/Starred for every admin (not for regular users, who have no access yet).
    assert set(Folder.objects.filter(mailbox=mailbox, user=None).values_list("type", flat=True)) == MAILBOX_TYPES
    personal = set(Folder.objects.filter(mailbox=mailbox, user__isnull=False).values_list("user_id", "type"))
    assert personal == {(admin.pk, 20), (admin.pk, 25), (other_admin.pk, 20), (other_admin.pk, 25)}
    assert agent.pk not in {user_id for user_id, _ in personal}
    assert listed_ids(admin_api.get("/api/mailboxes"), "mailboxes") == [mailbox.pk]
    assert len(listed_ids(admin_api.get(f"/api/mailboxes/{mailbox.pk}/folders"), "folders")) == 10


def test_create_with_only_name_and_email_takes_the_defaults(admin_api):
    response = admin_api.post("/api/mailboxes/", {"name": "Help", "email": "help@example.com"}, format="json")
    assert response.status_code == 201
    mailbox = Mailbox.objects.get(pk=response.json()["id"])
    assert (mailbox.from_name, mailbox.out_method, mailbox.out_encryption, mailbox.in_encryption) == (
        "mailbox",
        "default",
        "tls",
        "ssl",
    )
    assert (mailbox.in_imap_folders, mailbox.in_validate_cert, mailbox.out_port) == ("INBOX", True, None)


@pytest.mark.parametrize(
    ("body", "path", "rejected"),
    [
        ({"email": "a@example.com"}, "name", ...),
        ({"name": "A"}, "email", ...),
        ({"name": "", "email": "a@example.com"}, "name", ...),
        ({"name": "x" * 41, "email": "a@example.com"}, "name", "x" * 41),
        ({"name": "A", "email": "not-an-email"}, "email", "not-an-email"),
        ({"name": "A", "email": "a" * 183 + "@example.com"}, "email", "a" * 183 + "@example.com"),
        ({"name": "A", "email": "a@example.com", "fromName": "robot"}, "fromName", "robot"),
        ({"name": "A", "email": "a@example.com", "outMethod": "sendmail"}, "outMethod", "sendmail"),
        ({"name": "A", "email": "a@example.com", "outEncryption": "starttls"}, "outEncryption", "starttls"),
        ({"name": "A", "email": "a@example.com", "inEncryption": "x"}, "inEncryption", "x"),
        ({"name": "A", "email": "a@example.com", "outPort": 70000}, "outPort", 70000),
        ({"name": "A", "email": "a@example.com", "inPort": "abc"}, "inPort", "abc"),
        ({"name": "A", "email": "a@example.com", "inValidateCert": "maybe"}, "inValidateCert", "maybe"),
        ({"name": "A", "email": "a@example.com", "aliases": "x@example.com, nope"}, "aliases", "x@example.com, nope"),
        ({"name": "A", "email": "a@example.com", "fromNameCustom": "n" * 129}, "fromNameCustom", "n" * 129),
        ({"name": "A", "email": "a@example.com", "autoReplySubject": "s" * 129}, "autoReplySubject", "s" * 129),
        ({"name": "A", "email": "a@example.com", "outServer": "h" * 256}, "outServer", "h" * 256),
        ({"name": "A", "email": "a@example.com", "inImapFolders": 5}, "inImapFolders", 5),
    ],
)
def test_create_refuses_bad_values_at_their_path(admin_api, body, path, rejected):
    response = admin_api.post("/api/mailboxes", body, format="json")
    error = assert_400(response, path, rejected)
    if rejected is ...:
        assert "rejectedValue" not in error
    assert "Resource-ID" not in response
    assert not Mailbox.objects.exists() and not Folder.objects.exists()


def test_an_unknown_enum_value_lists_the_choices(admin_api):
    response = admin_api.post(
        "/api/mailboxes", {"name": "A", "email": "a@example.com", "fromName": "robot"}, format="json"
    )
    assert assert_400(response, "fromName", "robot")["message"] == "Expected one of these: 'mailbox', 'user', 'custom'"


def test_a_duplicate_email_is_a_409(admin_api, mailbox):
    response = admin_api.post("/api/mailboxes", {"name": "Again", "email": "SUPPORT@example.com"}, format="json")
    body = assert_error(response, 409, "CONFLICT")
    assert body["message"] == "Another mailbox already uses this address."
    assert Mailbox.objects.count() == 1


# --- PUT /api/mailboxes/{id} -----------------------------------------------------------------------------


def test_update_is_partial(admin_api, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(
        updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), out_password="keep"
    )
    response = admin_api.put(
        f"/api/mailboxes/{mailbox.pk}",
        {"name": "Helpdesk", "outPort": None, "inPort": "143", "fromName": "user", "signature": None},
        format="json",
    )
    assert response.status_code == 204 and response.content == b""
    assert "Resource-ID" not in response
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.email, mailbox.in_port, mailbox.out_port) == (
        "Helpdesk",
        "support@example.com",
        143,
        None,
    )
    assert (mailbox.from_name, mailbox.signature, mailbox.out_password) == ("user", "", "keep")
    assert mailbox.updated_at.year > 2020
    listed = admin_api.get("/api/mailboxes").json()["_embedded"]["mailboxes"]
    assert listed[0]["name"] == "Helpdesk"


def test_update_errors(admin_api, mailbox):
    other = MailboxFactory(email="other@example.com")
    url = f"/api/mailboxes/{mailbox.pk}"
    assert_400(admin_api.put(url, {"name": ""}, format="json"), "name")
    assert_400(admin_api.put(url, {"outEncryption": "rot13"}, format="json"), "outEncryption", "rot13")
    assert_400(admin_api.put(url, {"email": "bad"}, format="json"), "email", "bad")
    assert_error(admin_api.put(url, {"email": "Other@example.com"}, format="json"), 409, "CONFLICT")
    # Its own address is no conflict.
    assert admin_api.put(url, {"email": "support@example.com"}, format="json").status_code == 204
    assert_error(admin_api.put("/api/mailboxes/999999", {"name": "x"}, format="json"), 404, "NOT FOUND")
    mailbox.refresh_from_db()
    other.refresh_from_db()
    assert (mailbox.name, mailbox.email, other.email) == ("Support", "support@example.com", "other@example.com")


# --- DELETE /api/mailboxes/{id} --------------------------------------------------------------------------


def test_delete_erases_the_mailbox_its_conversations_and_their_files(
    admin_api, admin, agent, mailbox, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    hook = WebhookFactory(events=["convo.deleted_forever"])
    mailbox_user_grant(mailbox=mailbox, user=agent)
    field = CustomFieldFactory(mailbox=mailbox, name="Order")
    with_file = ConversationFactory(
        mailbox=mailbox,
        threads=[
            NewThread(
                type="customer",
                body="See attached",
                attachments=[NewAttachment(file_name="invoice.txt", content=b"data", mime_type="text/plain")],
            )
        ],
    )
    plain = ConversationFactory(mailbox=mailbox)
    conversation_custom_fields_set(conversation=plain, values={field.pk: "A-1"})
    kept = ConversationFactory(mailbox=MailboxFactory())
    file_name = Attachment.objects.get(thread__conversation=with_file).file.name
    assert default_storage.exists(file_name)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.delete(f"/api/mailboxes/{mailbox.pk}")
    assert response.status_code == 204 and response.content == b""

    assert not Mailbox.objects.filter(pk=mailbox.pk).exists()
    assert list(Conversation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Folder.objects.filter(mailbox_id=mailbox.pk).exists()
    assert not CustomField.objects.filter(pk=field.pk).exists() and not CustomFieldValue.objects.exists()
    assert not MailboxUser.objects.filter(mailbox_id=mailbox.pk).exists()
    assert not Attachment.objects.exists()
    assert not default_storage.exists(file_name)
    events = WebhookEvent.objects.filter(deliveries__webhook=hook).order_by("created_at")
    assert list(events.values_list("name", flat=True)) == ["convo.deleted_forever", "convo.deleted_forever"]
    assert listed_ids(admin_api.get("/api/mailboxes"), "mailboxes") == [kept.mailbox_id]
    assert listed_ids(client_for(agent).get("/api/mailboxes"), "mailboxes") == []


def test_delete_is_refused_while_a_webhook_listens_to_that_mailbox_alone(admin_api, mailbox):
    other = MailboxFactory(email="sales@example.com")
    only_here = WebhookFactory(events=["convo.created"])
    only_here.mailboxes.add(mailbox)
    shared = WebhookFactory(events=["convo.created"])
    shared.mailboxes.add(mailbox, other)
    conversation = ConversationFactory(mailbox=mailbox)

    body = assert_error(admin_api.delete(f"/api/mailboxes/{mailbox.pk}"), 409, "CONFLICT")
    assert body["message"] == f"Webhooks {only_here.pk} listen to this mailbox only: change or delete them first."
    assert Mailbox.objects.filter(pk=mailbox.pk).exists() and Conversation.objects.filter(pk=conversation.pk).exists()

    only_here.mailboxes.add(other)
    assert admin_api.delete(f"/api/mailboxes/{mailbox.pk}").status_code == 204
    assert list(shared.mailboxes.all()) == [other] and list(only_here.mailboxes.all()) == [other]


def test_delete_an_empty_mailbox_and_unknown_ids(admin_api, mailbox):
    assert admin_api.delete(f"/api/mailboxes/{mailbox.pk}").status_code == 204
    assert not Mailbox.objects.exists()
    assert_error(admin_api.delete(f"/api/mailboxes/{mailbox.pk}"), 404, "NOT FOUND")
    assert_error(admin_api.delete("/api/mailboxes/abc"), 404, "NOT FOUND")


# --- PUT|DELETE /api/mailboxes/{id}/users/{userId} ---------------------------------------------------------


def test_grant_and_revoke_access(admin_api, agent, mailbox):
    other = MailboxFactory(email="sales@example.com")
    url = f"/api/mailboxes/{other.pk}/users/{agent.pk}"
    assert listed_ids(admin_api.get("/api/mailboxes", {"userId": agent.pk}), "mailboxes") == []

    response = admin_api.put(url)
    assert response.status_code == 204 and response.content == b""
    assert admin_api.put(url).status_code == 204  # granting twice changes nothing
    assert MailboxUser.objects.filter(mailbox=other, user=agent).count() == 1
    assert listed_ids(admin_api.get("/api/mailboxes", {"userId": agent.pk}), "mailboxes") == [other.pk]
    assert set(Folder.objects.filter(mailbox=other, user=agent).values_list("type", flat=True)) == {20, 25}
    assert listed_ids(client_for(agent).get("/api/mailboxes"), "mailboxes") == [other.pk]

    assert admin_api.delete(url).status_code == 204
    assert admin_api.delete(url).status_code == 204  # revoking what is not granted is no error
    assert listed_ids(admin_api.get("/api/mailboxes", {"userId": agent.pk}), "mailboxes") == []
    assert not Folder.objects.filter(mailbox=other, user=agent).exists()


def test_access_of_unknown_or_deleted_users_and_mailboxes_is_404(admin_api, agent, mailbox):
    user_update(user=agent, status=User.Status.DELETED)
    for method in ("put", "delete"):
        call = getattr(admin_api, method)
        assert_error(call(f"/api/mailboxes/{mailbox.pk}/users/{agent.pk}"), 404, "NOT FOUND")
        assert_error(call(f"/api/mailboxes/{mailbox.pk}/users/999999"), 404, "NOT FOUND")
        assert_error(call(f"/api/mailboxes/999999/users/{agent.pk}"), 404, "NOT FOUND")
    assert not MailboxUser.objects.exists()


# --- POST /api/mailboxes/{id}/custom_fields ------------------------------------------------------------


def test_create_custom_fields(admin_api, mailbox):
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields"
    response = admin_api.post(
        url,
        {"name": "Priority", "type": "dropdown", "options": {"3": "High", "1": "Low"}, "required": "1", "sortOrder": 2},
        format="json",
    )
    assert response.status_code == 201, response.content
    priority = CustomField.objects.get(name="Priority")
    assert response["Resource-ID"] == str(priority.pk)
    assert response.json() == {
        "id": priority.pk,
        "name": "Priority",
        "type": "dropdown",
        "options": {"1": "Low", "3": "High"},
        "required": True,
        "sortOrder": 2,
    }
    assert priority.mailbox == mailbox

    listed = admin_api.post(url, {"name": "Size", "type": "dropdown", "options": ["S", "M", "L"]}, format="json")
    assert listed.status_code == 201
    assert listed.json()["options"] == {"1": "S", "2": "M", "3": "L"}

    plain = admin_api.post(url, {"name": " Order number ", "type": "number", "options": ""}, format="json")
    assert plain.json() == {
        "id": plain.json()["id"],
        "name": "Order number",
        "type": "number",
        "options": "",
        "required": False,
        "sortOrder": 0,
    }
    date = admin_api.post(url, {"name": "Due", "type": "date", "sortOrder": "-1"}, format="json")
    assert date.json()["options"] is None and date.json()["sortOrder"] == -1

    response = admin_api.get(url)
    assert [field["name"] for field in response.json()["_embedded"]["custom_fields"]] == [
        "Due",
        "Size",
        "Order number",  # ties on sortOrder go by id
        "Priority",
    ]
    assert response.json()["_embedded"]["custom_fields"][3] == {
        "id": priority.pk,
        "name": "Priority",
        "type": "dropdown",
        "options": {"1": "Low", "3": "High"},
        "required": True,
        "sortOrder": 2,
    }


@pytest.mark.parametrize(
    ("body", "path", "rejected"),
    [
        ({"type": "singleline"}, "name", ...),
        ({"name": "X"}, "type", ...),
        ({"name": "", "type": "singleline"}, "name", ...),
        ({"name": "n" * 76, "type": "singleline"}, "name", "n" * 76),
        ({"name": "X", "type": "checkbox"}, "type", "checkbox"),
        ({"name": "X", "type": "dropdown"}, "options", ...),
        ({"name": "X", "type": "dropdown", "options": {}}, "options", ...),
        ({"name": "X", "type": "dropdown", "options": {"a": "Low"}}, "options", ...),
        ({"name": "X", "type": "dropdown", "options": {"1": ""}}, "options", ...),
        ({"name": "X", "type": "dropdown", "options": [1, 2]}, "options", ...),
        ({"name": "X", "type": "dropdown", "options": "Low,High"}, "options", "Low,High"),
        ({"name": "X", "type": "singleline", "options": {"1": "Low"}}, "options", ...),
        ({"name": "X", "type": "singleline", "required": "perhaps"}, "required", "perhaps"),
        ({"name": "X", "type": "singleline", "sortOrder": "first"}, "sortOrder", "first"),
    ],
)
def test_create_custom_field_errors(admin_api, mailbox, body, path, rejected):
    response = admin_api.post(f"/api/mailboxes/{mailbox.pk}/custom_fields", body, format="json")
    assert_400(response, path, rejected)
    assert not CustomField.objects.exists()


def test_create_custom_field_conflicts_and_unknown_mailbox(admin_api, mailbox):
    CustomFieldFactory(mailbox=mailbox, name="Priority")
    CustomFieldFactory(mailbox=MailboxFactory(), name="Vendor")
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields"
    body = assert_error(admin_api.post(url, {"name": "priority", "type": "number"}, format="json"), 409, "CONFLICT")
    assert body["message"] == "This mailbox already has a field of this name."
    # The same name in another mailbox is fine.
    assert admin_api.post(url, {"name": "Vendor", "type": "singleline"}, format="json").status_code == 201
    response = admin_api.post("/api/mailboxes/999999/custom_fields", {"name": "A", "type": "date"}, format="json")
    assert_error(response, 404, "NOT FOUND")


# --- PUT|DELETE /api/mailboxes/{id}/custom_fields/{fieldId} ------------------------------------------------


def test_update_custom_field_is_partial(admin_api, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, name="Priority", type="dropdown", options={"1": "Low", "2": "High"})
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields/{field.pk}"
    response = admin_api.put(url, {"name": "Urgency", "required": True, "sortOrder": 5}, format="json")
    assert response.status_code == 204 and response.content == b""
    response = admin_api.put(url, {"options": {"1": "Low", "2": "Very high", "3": "Urgent"}}, format="json")
    assert response.status_code == 204
    listed = admin_api.get(f"/api/mailboxes/{mailbox.pk}/custom_fields").json()["_embedded"]["custom_fields"]
    assert listed == [
        {
            "id": field.pk,
            "name": "Urgency",
            "type": "dropdown",
            "options": {"1": "Low", "2": "Very high", "3": "Urgent"},
            "required": True,
            "sortOrder": 5,
        }
    ]
    # Turning a dropdown into a text field drops its options.
    assert admin_api.put(url, {"type": "singleline"}, format="json").status_code == 204
    field.refresh_from_db()
    assert (field.type, field.options) == ("singleline", {})


def test_removing_a_dropdown_option_in_use_is_refused(admin_api, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, name="Priority", type="dropdown", options={"1": "Low", "2": "High"})
    conversation = ConversationFactory(mailbox=mailbox)
    conversation_custom_fields_set(conversation=conversation, values={field.pk: "2"})
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields/{field.pk}"

    error = assert_400(admin_api.put(url, {"options": ["Low"]}, format="json"), "options")
    assert "'2'" in error["message"]
    # "2" would pass as a number, but means nothing once the field is no longer a dropdown.
    error = assert_400(admin_api.put(url, {"type": "number", "options": None}, format="json"), "type", "number")
    assert "cannot change" in error["message"]
    field.refresh_from_db()
    assert (field.type, field.options) == ("dropdown", {"1": "Low", "2": "High"})

    # Relabelling or removing an unused option is fine; the value keeps its id.
    assert admin_api.put(url, {"options": {"2": "Top"}}, format="json").status_code == 204
    payload = admin_api.get(f"/api/conversations/{conversation.pk}").json()
    assert [(f["value"], f["text"]) for f in payload["customFields"]] == [("2", "Top")]


def test_changing_a_type_its_values_do_not_fit_is_refused(admin_api, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, name="Reference", type="singleline")
    conversation_custom_fields_set(conversation=ConversationFactory(mailbox=mailbox), values={field.pk: "AB-12"})
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields/{field.pk}"
    assert_400(admin_api.put(url, {"type": "number"}, format="json"), "type", "number")
    assert admin_api.put(url, {"type": "multiline"}, format="json").status_code == 204


def test_update_custom_field_errors(admin_api, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, name="Priority", type="singleline")
    CustomFieldFactory(mailbox=mailbox, name="Vendor")
    elsewhere = CustomFieldFactory(mailbox=MailboxFactory(), name="Elsewhere")
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields/{field.pk}"
    assert_400(admin_api.put(url, {"type": "radio"}, format="json"), "type", "radio")
    assert_400(admin_api.put(url, {"name": "n" * 76}, format="json"), "name", "n" * 76)
    assert_400(admin_api.put(url, {"type": "dropdown"}, format="json"), "options")
    assert_400(admin_api.put(url, {"options": ["A"]}, format="json"), "options")
    assert_error(admin_api.put(url, {"name": "VENDOR"}, format="json"), 409, "CONFLICT")
    assert admin_api.put(url, {"name": "Priority"}, format="json").status_code == 204  # its own name
    assert_error(
        admin_api.put(f"/api/mailboxes/{mailbox.pk}/custom_fields/{elsewhere.pk}", {"name": "x"}, format="json"),
        404,
        "NOT FOUND",
    )
    assert_error(
        admin_api.put(f"/api/mailboxes/{mailbox.pk}/custom_fields/999999", {}, format="json"), 404, "NOT FOUND"
    )
    assert_error(admin_api.put(f"/api/mailboxes/999999/custom_fields/{field.pk}", {}, format="json"), 404, "NOT FOUND")
    field.refresh_from_db()
    assert (field.name, field.type, field.options) == ("Priority", "singleline", {})


def test_delete_custom_field_takes_its_values(admin_api, mailbox):
    field = CustomFieldFactory(mailbox=mailbox, name="Reference")
    other = CustomFieldFactory(mailbox=mailbox, name="Other")
    conversation = ConversationFactory(mailbox=mailbox)
    conversation_custom_fields_set(conversation=conversation, values={field.pk: "AB-12", other.pk: "x"})
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields/{field.pk}"
    response = admin_api.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert listed_ids(admin_api.get(f"/api/mailboxes/{mailbox.pk}/custom_fields"), "custom_fields") == [other.pk]
    assert list(CustomFieldValue.objects.values_list("field_id", flat=True)) == [other.pk]
    assert_error(admin_api.delete(url), 404, "NOT FOUND")
    assert_error(admin_api.delete(f"/api/mailboxes/{MailboxFactory().pk}/custom_fields/{other.pk}"), 404, "NOT FOUND")
    assert CustomField.objects.filter(pk=other.pk).exists()


def test_custom_field_update_service_refuses_unknown_arguments(mailbox):
    field = CustomFieldFactory(mailbox=mailbox)
    with pytest.raises(TypeError):
        custom_field_update(field=field, colour="red")


def test_revoking_an_admin_leaves_the_access_every_admin_has(admin_api, admin, mailbox):
    assert admin_api.delete(f"/api/mailboxes/{mailbox.pk}/users/{admin.pk}/").status_code == 204
    assert listed_ids(admin_api.get("/api/mailboxes", {"userId": admin.pk}), "mailboxes") == [mailbox.pk]
    assert Folder.objects.filter(mailbox=mailbox, user=admin).count() == 2


def test_new_routes_answer_preflight_without_a_key(api_client, mailbox):
    for url in (
        "/api/mailboxes",
        f"/api/mailboxes/{mailbox.pk}",
        f"/api/mailboxes/{mailbox.pk}/users/1",
        f"/api/mailboxes/{mailbox.pk}/custom_fields/1",
    ):
        assert api_client.options(url).status_code == 200, url
