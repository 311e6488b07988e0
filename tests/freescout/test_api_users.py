"""POST /api/users, DELETE /api/users/{id} (documented), PUT /api/users/{id} and the API key endpoints
(extensions): the JSON, every parameter and error path, admin keys only (freescout-behaviour.md §2, §6, §7)."""

from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import check_password
from rest_framework.test import APIClient

from conversations.models import Conversation, Thread, Timelog
from conversations.services import timelog_start
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create, user_delete, user_update
from mailboxes.models import MailboxUser
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import USER_KEYS, assert_error, bad_request, client_for, error_paths
from tests.factories import AdminFactory, ConversationFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db

API_KEY_KEYS = ["id", "name", "prefix", "createdAt", "lastUsedAt", "revokedAt"]
DOCS_BODY = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "johndoe@example.org",
    "password": "123456789",
    "alternateEmails": "johndoe777@example.org",
    "jobTitle": "Support agent",
    "phone": "777-777-777",
    "timezone": "Europe/Paris",
    "photoUrl": "https://example.org/upload/customer.jpg",
}


@pytest.fixture
def agent_api(agent):
    return client_for(agent)


# --- POST /api/users ----------------------------------------------------------------------------------


def test_create_a_user_with_the_docs_example(admin_api):
    response = admin_api.post("/api/users", DOCS_BODY, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(email="johndoe@example.org")
    assert response["Resource-ID"] == str(user.pk)
    body = response.json()
    assert list(body) == USER_KEYS
    assert body == {
        "id": user.pk,
        "firstName": "John",
        "lastName": "Doe",
        "email": "johndoe@example.org",
        "role": "user",
        "alternateEmails": "johndoe777@example.org",
        "jobTitle": "Support agent",
        "phone": "777-777-777",
        "timezone": "Europe/Paris",
        "photoUrl": "",
        "language": "en",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
    }
    assert body["createdAt"].endswith("Z")
    assert admin_api.get(f"/api/users/{user.pk}").json() == body
    # A regular user without mailbox access; the password is stored hashed.
    assert user.role == User.Role.USER and user.status == User.Status.ACTIVE
    assert not MailboxUser.objects.filter(user=user).exists()
    assert check_password("123456789", user.password)


def test_create_with_only_the_required_fields(admin_api, mailbox, mailoutbox):
    response = admin_api.post(
        "/api/users", {"firstName": "Ann", "lastName": "", "email": " Ann@Example.COM "}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["role"], body["timezone"], body["language"]) == ("Ann@example.com", "user", "UTC", "en")
    assert body["alternateEmails"] is None and body["jobTitle"] == "" and body["phone"] == ""
    user = User.objects.get(pk=body["id"])
    assert not user.has_usable_password()
    assert mailoutbox == []  # no invitation


def test_role_is_not_assignable_on_create(admin_api):
    body = {"firstName": "Eve", "lastName": "X", "email": "eve@example.com", "role": "admin", "status": "disabled"}
    response = admin_api.post("/api/users", body, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "user"
    assert User.objects.get(email="eve@example.com").status == User.Status.ACTIVE


def test_profile_fields_on_create(admin_api):
    body = {
        "firstName": "Ann",
        "lastName": "Lee",
        "email": "ann@example.com",
        "alternateEmails": ["Ann.Lee@Example.com", "al@example.com"],
        "language": "fr",
        "timezone": "America/New_York",
    }
    created = admin_api.post("/api/users", body, format="json").json()
    assert created["alternateEmails"] == "ann.lee@example.com,al@example.com"
    assert (created["language"], created["timezone"]) == ("fr", "America/New_York")


@pytest.mark.parametrize("missing", ["firstName", "lastName", "email"])
def test_required_fields(admin_api, missing):
    body = {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"}
    del body[missing]
    bad_request(admin_api.post("/api/users", body, format="json"), missing)
    assert not User.objects.filter(email="ann@example.com").exists()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("firstName", "x" * 41),
        ("lastName", "x" * 41),
        ("email", "not-an-email"),
        ("email", "a" * 180 + "@example.com"),
        ("jobTitle", "x" * 101),
        ("phone", "x" * 61),
        ("timezone", "Mars/Olympus"),
        ("timezone", "x" * 61),
        ("language", "x" * 13),
        ("alternateEmails", "ok@example.com,not-an-email"),
        ("password", "short"),
    ],
)
def test_invalid_values_are_a_400_at_their_path(admin_api, path, value):
    body = {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", path: value}
    bad_request(admin_api.post("/api/users", body, format="json"), path, value)
    assert User.objects.count() == 1  # the admin only


def test_a_blank_first_name_is_refused(admin_api):
    body = {"firstName": "", "lastName": "", "email": "a@example.com"}
    bad_request(admin_api.post("/api/users", body, format="json"), "firstName")  # blank: nothing to quote


def test_a_duplicate_email_is_a_409(admin_api, agent):
    for email in ("agent@example.com", "AGENT@example.COM"):
        response = admin_api.post("/api/users", {"firstName": "A", "lastName": "B", "email": email}, format="json")
        assert response.status_code == 409
        assert "Resource-ID" not in response
        assert response.json() == {
            "message": "A user with this email already exists.",
            "errorCode": "CONFLICT",
            "_embedded": {"errors": []},
        }


def test_a_deleted_users_email_can_be_used_again(admin_api, admin, agent):
    assert admin_api.delete(f"/api/users/{agent.pk}?byUserId={admin.pk}").status_code == 204
    body = {"firstName": "New", "lastName": "", "email": "agent@example.com"}
    response = admin_api.post("/api/users", body, format="json")
    assert response.status_code == 201
    assert response.json()["id"] != agent.pk
    assert User.objects.filter(email="agent@example.com").count() == 2


# --- PUT /api/users/{id} (extension) ------------------------------------------------------------------


def test_update_a_user(admin_api, agent):
    body = {
        "firstName": "Alana",
        "lastName": "Agentova",
        "email": "alana@example.com",
        "jobTitle": "Lead",
        "phone": "+44 1",
        "timezone": "Europe/London",
        "language": "de",
        "alternateEmails": "a2@example.com",
    }
    response = admin_api.put(f"/api/users/{agent.pk}", body, format="json")
    assert response.status_code == 204 and response.content == b""
    assert "Resource-ID" not in response
    got = admin_api.get(f"/api/users/{agent.pk}").json()
    assert {key: got[key] for key in body} == body
    assert got["updatedAt"] >= got["createdAt"]


def test_update_is_partial(admin_api, agent):
    assert admin_api.put(f"/api/users/{agent.pk}", {"jobTitle": "Boss"}, format="json").status_code == 204
    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name, agent.email, agent.job_title) == (
        "Alan",
        "Agent",
        "agent@example.com",
        "Boss",
    )
    assert admin_api.put(f"/api/users/{agent.pk}", {}, format="json").status_code == 204


def test_promote_demote_disable_and_enable(admin_api, admin, agent, mailbox):
    assert admin_api.put(f"/api/users/{agent.pk}", {"role": "admin"}, format="json").status_code == 204
    agent.refresh_from_db()
    assert agent.is_admin
    assert admin_api.put(f"/api/users/{agent.pk}", {"role": "user"}, format="json").status_code == 204
    assert admin_api.put(f"/api/users/{agent.pk}", {"status": "disabled"}, format="json").status_code == 204
    agent.refresh_from_db()
    assert (agent.role, agent.status) == ("user", "disabled")
    # A disabled user's key stops working and comes back with the user.
    key = api_key_create(user=agent)[1]
    assert APIClient().get("/api/users", HTTP_X_FREESCOUT_API_KEY=key).status_code == 401
    assert admin_api.put(f"/api/users/{agent.pk}", {"status": "active"}, format="json").status_code == 204
    assert APIClient().get("/api/users", HTTP_X_FREESCOUT_API_KEY=key).status_code == 200


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("role", "owner"),
        ("status", "deleted"),
        ("status", "gone"),
        ("firstName", ""),
        ("firstName", "x" * 41),
        ("email", "nope"),
        ("timezone", "Nowhere/Land"),
        ("jobTitle", "x" * 101),
    ],
)
def test_invalid_update_values(admin_api, agent, path, value):
    response = admin_api.put(f"/api/users/{agent.pk}", {path: value, "phone": "1"}, format="json")
    bad_request(response, path, *([value] if value else []))
    agent.refresh_from_db()
    assert agent.phone == ""  # nothing applied


def test_unknown_enum_wording(admin_api, agent):
    error = bad_request(admin_api.put(f"/api/users/{agent.pk}", {"role": "owner"}, format="json"), "role", "owner")
    assert error["message"] == "Expected one of these: 'admin', 'user'"


def test_the_last_active_admin_cannot_be_demoted_or_disabled(admin_api, admin):
    for field, value in (("role", "user"), ("status", "disabled")):
        response = admin_api.put(f"/api/users/{admin.pk}", {field: value}, format="json")
        bad_request(response, field, value)
        admin.refresh_from_db()
        assert admin.is_admin and admin.is_active
    # With a second active admin it is allowed.
    AdminFactory()
    assert admin_api.put(f"/api/users/{admin.pk}", {"role": "user"}, format="json").status_code == 204


def test_a_disabled_admin_does_not_count(admin_api, admin):
    other = AdminFactory()
    user_update(user=other, status=User.Status.DISABLED)
    bad_request(admin_api.put(f"/api/users/{admin.pk}", {"role": "user"}, format="json"), "role", "user")


def test_changing_to_a_taken_email_is_a_409(admin_api, admin, agent):
    response = admin_api.put(f"/api/users/{agent.pk}", {"email": "ADMIN@example.com"}, format="json")
    assert_error(response, 409, "CONFLICT")
    agent.refresh_from_db()
    assert agent.email == "agent@example.com"
    # Its own address, in another case, is not a conflict.
    assert admin_api.put(f"/api/users/{agent.pk}", {"email": "Agent@example.com"}, format="json").status_code == 204


def test_restoring_a_deleted_user_whose_email_was_reused_is_a_409(admin_api, admin, agent):
    user_delete(user=agent, by_user=admin, reassign={})
    UserFactory(email="agent@example.com")
    assert_error(admin_api.put(f"/api/users/{agent.pk}", {"status": "active"}, format="json"), 409, "CONFLICT")


def test_update_an_unknown_user_is_404(admin_api):
    assert_error(admin_api.put("/api/users/999999", {"firstName": "X"}, format="json"), 404, "NOT FOUND")


# --- DELETE /api/users/{id} ---------------------------------------------------------------------------


@pytest.fixture
def sales(db):
    return MailboxFactory(name="Sales", email="sales@example.com")


@pytest.fixture
def leaving(mailbox, sales):
    user = UserFactory(email="leaving@example.com", first_name="Lee", last_name="Ving")
    mailbox_user_grant(mailbox=mailbox, user=user)
    mailbox_user_grant(mailbox=sales, user=user)
    return user


def assigned_conversation(mailbox, user) -> Conversation:
    return ConversationFactory(mailbox=mailbox, assignee=user)


def assignee_line_items(conversation: Conversation) -> list[Thread]:
    return list(conversation.threads.filter(action_type=Thread.Action.CHANGED_ASSIGNEE).order_by("id"))


def test_delete_reassigns_per_mailbox_and_unassigns_the_rest(admin_api, admin, agent, leaving, mailbox, sales):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    in_support = [assigned_conversation(mailbox, leaving) for _ in range(2)]
    in_sales = assigned_conversation(sales, leaving)
    someone_elses = assigned_conversation(mailbox, agent)
    key = api_key_create(user=leaving)[1]

    response = admin_api.delete(f"/api/users/{leaving.pk}?byUserId={admin.pk}&assignTo[{mailbox.pk}]={agent.pk}")
    assert response.status_code == 204 and response.content == b""

    for conversation in in_support:
        conversation.refresh_from_db()
        assert conversation.assignee == agent
        (item,) = assignee_line_items(conversation)
        assert item.created_by_user == admin and item.action_data == {"assignee_id": agent.pk}
    in_sales.refresh_from_db()
    assert in_sales.assignee is None
    (item,) = assignee_line_items(in_sales)
    assert item.created_by_user == admin and item.action_data == {"assignee_id": None}
    assert assignee_line_items(someone_elses) == []

    # The conversation shows the change as a line item, newest first.
    threads = admin_api.get(f"/api/conversations/{in_support[0].pk}").json()["_embedded"]["threads"]
    assert threads[0]["type"] == "lineitem"
    assert threads[0]["action"]["type"] == "changed-ticket-assignee"
    assert threads[0]["createdBy"]["id"] == admin.pk

    leaving.refresh_from_db()
    assert leaving.status == User.Status.DELETED
    assert not MailboxUser.objects.filter(user=leaving).exists()
    assert all(k.revoked_at is not None for k in ApiKey.objects.filter(user=leaving))
    assert_error(APIClient().get("/api/users", HTTP_X_FREESCOUT_API_KEY=key), 401, "NOT AUTHORIZED")
    # Still answers by id, left out of the list.
    assert admin_api.get(f"/api/users/{leaving.pk}").json()["email"] == "leaving@example.com"
    listed = admin_api.get("/api/users").json()["_embedded"]["users"]
    assert leaving.pk not in [u["id"] for u in listed]


def test_delete_without_assign_to_unassigns_everything(admin_api, admin, leaving, mailbox, sales):
    conversations = [assigned_conversation(mailbox, leaving), assigned_conversation(sales, leaving)]
    assert admin_api.delete(f"/api/users/{leaving.pk}?byUserId={admin.pk}").status_code == 204
    for conversation in conversations:
        conversation.refresh_from_db()
        assert conversation.assignee is None
        assert len(assignee_line_items(conversation)) == 1


def test_assign_to_as_the_docs_example_sends_it(admin_api, admin, agent, leaving, mailbox):
    # The docs' example puts the pair inside a plain assignTo: ?assignTo=assignTo%5B2%5D%3D7
    mailbox_user_grant(mailbox=mailbox, user=agent)
    conversation = assigned_conversation(mailbox, leaving)
    pair = quote(f"assignTo[{mailbox.pk}]={agent.pk}", safe="")
    response = admin_api.delete(f"/api/users/{leaving.pk}?byUserId={admin.pk}&assignTo={pair}")
    assert response.status_code == 204
    conversation.refresh_from_db()
    assert conversation.assignee == agent


def test_assign_to_an_admin_needs_no_access_row(admin_api, admin, leaving, sales):
    other_admin = AdminFactory()
    conversation = assigned_conversation(sales, leaving)
    url = f"/api/users/{leaving.pk}?byUserId={admin.pk}&assignTo[{sales.pk}]={other_admin.pk}"
    assert admin_api.delete(url).status_code == 204
    conversation.refresh_from_db()
    assert conversation.assignee == other_admin


def test_an_empty_assign_to_unassigns(admin_api, admin, leaving, mailbox):
    conversation = assigned_conversation(mailbox, leaving)
    assert admin_api.delete(f"/api/users/{leaving.pk}?byUserId={admin.pk}&assignTo[{mailbox.pk}]=").status_code == 204
    conversation.refresh_from_db()
    assert conversation.assignee is None


@pytest.mark.parametrize(
    ("target", "value"),
    [
        ("no_access", None),
        ("unknown_user", "999999"),
        ("the_deleted_one", None),
        ("disabled", None),
        ("not_a_number", "abc"),
    ],
)
def test_a_bad_assignee_is_a_400_and_nothing_changes(admin_api, admin, agent, leaving, mailbox, target, value):
    conversation = assigned_conversation(mailbox, leaving)
    disabled = UserFactory()
    mailbox_user_grant(mailbox=mailbox, user=disabled)
    user_update(user=disabled, status=User.Status.DISABLED)
    value = value or str({"no_access": agent, "the_deleted_one": leaving, "disabled": disabled}[target].pk)
    response = admin_api.delete(f"/api/users/{leaving.pk}?byUserId={admin.pk}&assignTo[{mailbox.pk}]={value}")
    error = bad_request(response, f"assignTo[{mailbox.pk}]", value)
    assert error["source"] == "JSON"
    leaving.refresh_from_db()
    conversation.refresh_from_db()
    assert leaving.status == User.Status.ACTIVE and conversation.assignee == leaving
    assert assignee_line_items(conversation) == []


@pytest.mark.parametrize("mailbox_id", ["999999", "abc", "0"])
def test_an_unknown_mailbox_in_assign_to_is_a_400(admin_api, admin, agent, leaving, mailbox_id):
    response = admin_api.delete(f"/api/users/{leaving.pk}?byUserId={admin.pk}&assignTo[{mailbox_id}]={agent.pk}")
    bad_request(response, f"assignTo[{mailbox_id}]", str(agent.pk))
    leaving.refresh_from_db()
    assert leaving.status == User.Status.ACTIVE


def test_by_user_id_is_required(admin_api, leaving):
    for url in (f"/api/users/{leaving.pk}", f"/api/users/{leaving.pk}?byUserId="):
        error = bad_request(admin_api.delete(url), "byUserId")
        assert error["message"] == "This field is required."
    leaving.refresh_from_db()
    assert leaving.status == User.Status.ACTIVE


@pytest.mark.parametrize("value", ["abc", "0", "-1", "999999"])
def test_a_bad_by_user_id_is_a_400(admin_api, leaving, value):
    bad_request(admin_api.delete(f"/api/users/{leaving.pk}?byUserId={value}"), "byUserId", value)


def test_a_deleted_user_cannot_be_by_user(admin_api, admin, agent, leaving):
    user_delete(user=agent, by_user=admin, reassign={})
    bad_request(admin_api.delete(f"/api/users/{leaving.pk}?byUserId={agent.pk}"), "byUserId", str(agent.pk))


def test_the_last_active_admin_cannot_be_deleted(admin_api, admin, mailbox):
    conversation = assigned_conversation(mailbox, admin)
    response = admin_api.delete(f"/api/users/{admin.pk}?byUserId={admin.pk}")
    assert response.status_code == 400
    assert error_paths(response)[""]["message"] == "The last active admin cannot be deleted."
    admin.refresh_from_db()
    conversation.refresh_from_db()
    assert admin.status == User.Status.ACTIVE and conversation.assignee == admin
    # Another active admin makes it possible.
    other = AdminFactory()
    assert admin_api.delete(f"/api/users/{admin.pk}?byUserId={other.pk}").status_code == 204
    admin.refresh_from_db()
    assert admin.status == User.Status.DELETED


def test_deleting_twice_changes_nothing_more(admin_api, admin, leaving, mailbox):
    assigned_conversation(mailbox, leaving)
    url = f"/api/users/{leaving.pk}?byUserId={admin.pk}"
    assert admin_api.delete(url).status_code == 204
    assert admin_api.delete(url).status_code == 204
    assert Thread.objects.filter(action_type=Thread.Action.CHANGED_ASSIGNEE).count() == 1


def test_delete_finishes_the_users_running_timers(admin, leaving, mailbox):
    timelog = timelog_start(conversation=ConversationFactory(mailbox=mailbox), user=leaving)
    user_delete(user=leaving, by_user=admin, reassign={})
    timelog = Timelog.objects.get(pk=timelog.pk)
    assert timelog.finished and timelog.running_since is None


def test_delete_an_unknown_user_is_404(admin_api, admin):
    assert_error(admin_api.delete(f"/api/users/999999?byUserId={admin.pk}"), 404, "NOT FOUND")


def test_the_service_checks_access_too(admin, agent, leaving, mailbox):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        user_delete(user=leaving, by_user=admin, reassign={mailbox.pk: agent})
    assert list(error.value.message_dict) == [f"reassign[{mailbox.pk}]"]
    with pytest.raises(ValidationError):
        user_delete(user=leaving, by_user=admin, reassign={999999: None})


# --- API keys (extension) -----------------------------------------------------------------------------


def test_create_an_api_key_shown_once(admin_api, agent):
    response = admin_api.post(f"/api/users/{agent.pk}/api_keys", {"name": "zapier"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    api_key = ApiKey.objects.get(pk=body["id"])
    assert response["Resource-ID"] == str(api_key.pk)
    assert list(body) == [*API_KEY_KEYS, "key"]
    assert body == {
        "id": api_key.pk,
        "name": "zapier",
        "prefix": body["key"][:8],
        "createdAt": body["createdAt"],
        "lastUsedAt": None,
        "revokedAt": None,
        "key": body["key"],
    }
    assert api_key.user == agent and len(body["key"]) == 64

    # The key works as its user, and is never shown again.
    client = APIClient()
    client.credentials(HTTP_X_FREESCOUT_API_KEY=body["key"])
    assert client.get(f"/api/users/{agent.pk}").status_code == 200
    listed = admin_api.get(f"/api/users/{agent.pk}/api_keys").json()
    assert list(listed) == ["_embedded", "page"]
    (item,) = listed["_embedded"]["api_keys"]
    assert list(item) == API_KEY_KEYS and body["key"] not in str(listed)
    assert item["lastUsedAt"] is not None and item["id"] == api_key.pk


def test_an_api_key_without_a_name(admin_api, agent):
    response = admin_api.post(f"/api/users/{agent.pk}/api_keys")
    assert response.status_code == 201
    assert response.json()["name"] == ""


def test_an_api_key_name_too_long(admin_api, agent):
    bad_request(
        admin_api.post(f"/api/users/{agent.pk}/api_keys", {"name": "x" * 101}, format="json"), "name", "x" * 101
    )


def test_a_deleted_user_gets_no_api_key(admin_api, admin, agent):
    user_delete(user=agent, by_user=admin, reassign={})
    response = admin_api.post(f"/api/users/{agent.pk}/api_keys", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Bad request",
        "errorCode": "BAD REQUEST",
        "_embedded": {"errors": [{"path": "", "message": "A deleted user cannot have API keys.", "source": "JSON"}]},
    }
    assert not ApiKey.objects.filter(user=agent).exists()


def test_list_api_keys_oldest_first_with_revoked_ones(admin_api, admin, agent):
    first, _ = api_key_create(user=agent, name="one")
    second, _ = api_key_create(user=agent, name="two")
    assert admin_api.delete(f"/api/users/{agent.pk}/api_keys/{first.pk}").status_code == 204
    body = admin_api.get(f"/api/users/{agent.pk}/api_keys").json()
    assert body["page"] == {"size": 50, "totalElements": 2, "totalPages": 1, "number": 1}
    items = body["_embedded"]["api_keys"]
    assert [i["id"] for i in items] == [first.pk, second.pk]
    assert items[0]["revokedAt"] is not None and items[1]["revokedAt"] is None
    empty = admin_api.get(f"/api/users/{AdminFactory().pk}/api_keys").json()
    assert empty["_embedded"] == {"api_keys": []}


def test_revoke_an_api_key(admin_api, agent):
    api_key, raw = api_key_create(user=agent)
    client = APIClient()
    client.credentials(HTTP_X_FREESCOUT_API_KEY=raw)
    assert client.get("/api/users").status_code == 200
    response = admin_api.delete(f"/api/users/{agent.pk}/api_keys/{api_key.pk}")
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get("/api/users"), 401, "NOT AUTHORIZED")
    revoked_at = ApiKey.objects.get(pk=api_key.pk).revoked_at
    assert revoked_at is not None
    # Revoking again is harmless and keeps the first time.
    assert admin_api.delete(f"/api/users/{agent.pk}/api_keys/{api_key.pk}").status_code == 204
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == revoked_at


def test_a_key_of_another_user_or_unknown_is_404(admin_api, admin, agent):
    admins_key, _ = api_key_create(user=admin)
    assert_error(admin_api.delete(f"/api/users/{agent.pk}/api_keys/{admins_key.pk}"), 404, "NOT FOUND")
    assert_error(admin_api.delete(f"/api/users/{agent.pk}/api_keys/999999"), 404, "NOT FOUND")
    assert_error(admin_api.get("/api/users/999999/api_keys"), 404, "NOT FOUND")
    assert_error(admin_api.post("/api/users/999999/api_keys"), 404, "NOT FOUND")
    assert ApiKey.objects.get(pk=admins_key.pk).revoked_at is None


# --- Permissions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/users"),
        ("put", "/api/users/{a}"),
        ("put", "/api/users/{me}"),
        ("delete", "/api/users/{a}?byUserId={me}"),
        ("delete", "/api/users/{me}?byUserId={me}"),
        ("get", "/api/users/{me}/api_keys"),
        ("post", "/api/users/{me}/api_keys"),
        ("delete", "/api/users/{me}/api_keys/{k}"),
    ],
)
def test_writes_and_api_keys_need_an_admins_key(agent_api, admin, agent, method, path):
    api_key, _ = api_key_create(user=agent)
    url = path.format(a=admin.pk, me=agent.pk, k=api_key.pk)
    body = {"firstName": "New", "lastName": "", "email": "new@example.com", "role": "admin"}
    response = getattr(agent_api, method)(url, body, format="json")
    assert_error(response, 403, "FORBIDDEN")
    assert response.json()["message"] == "Only an admin's API key may do this."
    assert User.objects.count() == 2
    agent.refresh_from_db()
    assert agent.role == "user" and agent.status == "active"
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/users"),
        ("put", "/api/users/{a}"),
        ("delete", "/api/users/{a}?byUserId={a}"),
        ("get", "/api/users/{a}/api_keys"),
        ("post", "/api/users/{a}/api_keys"),
    ],
)
def test_a_key_is_needed(admin, method, path):
    response = getattr(APIClient(), method)(path.format(a=admin.pk), {}, format="json")
    assert_error(response, 401, "NOT AUTHORIZED")


def test_a_regular_user_still_reads_users(agent_api, admin):
    assert agent_api.get(f"/api/users/{admin.pk}").status_code == 200
    assert agent_api.get("/api/users").status_code == 200


def test_trailing_slashes(admin_api, agent):
    assert admin_api.put(f"/api/users/{agent.pk}/", {"jobTitle": "x"}, format="json").status_code == 204
    assert admin_api.post(f"/api/users/{agent.pk}/api_keys/").status_code == 201
