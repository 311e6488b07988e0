"""GET /api/mailboxes, /api/mailboxes/{id}/custom_fields, /api/mailboxes/{id}/folders, /api/users and
/api/users/{id}: the docs' JSON, their parameters, and who may see what (freescout-behaviour.md §3, §4, §5, §7)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conversations import services
from conversations.services import NewThread
from helpdesk.models import User
from helpdesk.services import user_update
from mailboxes.models import Folder, Mailbox
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import USER_KEYS, client_for, error_paths
from tests.factories import ConversationFactory, CustomFieldFactory, MailboxFactory, UserFactory

pytestmark = pytest.mark.django_db

MAILBOX_KEYS = ["id", "name", "email", "createdAt", "updatedAt"]
CUSTOM_FIELD_KEYS = ["id", "name", "type", "options", "required", "sortOrder"]
FOLDER_KEYS = ["id", "name", "type", "userId", "totalCount", "activeCount", "meta"]
MAILBOX_FOLDER_NAMES = {1: "Unassigned", 30: "Drafts", 40: "Assigned", 60: "Closed", 80: "Spam", 110: "Deleted"}
UTC = datetime.UTC


def at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def page(size: int = 50, total: int = 1, pages: int = 1, number: int = 1) -> dict:
    return {"size": size, "totalElements": total, "totalPages": pages, "number": number}


def listed(response, name: str) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["_embedded", "page"]
    assert list(body["_embedded"]) == [name]
    assert list(body["page"]) == ["size", "totalElements", "totalPages", "number"]
    assert all(type(value) is int for value in body["page"].values())
    return body["_embedded"][name]


def ids(response, name: str) -> list[int]:
    return [item["id"] for item in listed(response, name)]


def assert_bad_param(response, path: str, rejected: str) -> None:
    assert response.status_code == 400, response.content
    errors = error_paths(response)
    assert list(errors) == [path]
    assert errors[path]["rejectedValue"] == rejected
    assert errors[path]["source"] == "JSON"


@pytest.fixture
def agent_api(agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    return client_for(agent)


@pytest.fixture
def other_mailbox(db):
    return MailboxFactory(name="Sales", email="sales@example.com")


# --- GET /api/mailboxes ------------------------------------------------------------------------------


def test_mailboxes_as_the_docs_show_them(admin_api, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(
        name="Demo Mailbox",
        email="support@support.example.org",
        created_at=at(2020, 8, 9, 10, 9, 0),
        updated_at=at(2021, 1, 16, 12, 38, 46),
    )
    response = admin_api.get("/api/mailboxes")
    assert response.status_code == 200
    assert response.json() == {
        "_embedded": {
            "mailboxes": [
                {
                    "id": mailbox.pk,
                    "name": "Demo Mailbox",
                    "email": "support@support.example.org",
                    "createdAt": "2020-08-09T10:09:00Z",
                    "updatedAt": "2021-01-16T12:38:46Z",
                }
            ]
        },
        "page": page(),
    }
    assert list(listed(response, "mailboxes")[0]) == MAILBOX_KEYS


def test_no_mailboxes_is_still_the_envelope(admin_api):
    response = admin_api.get("/api/mailboxes")
    assert response.json() == {"_embedded": {"mailboxes": []}, "page": page(total=0)}


def test_mailboxes_are_sorted_by_id_and_paged(admin_api):
    mailboxes = [MailboxFactory() for _ in range(5)]
    all_ids = [m.pk for m in mailboxes]
    assert ids(admin_api.get("/api/mailboxes"), "mailboxes") == all_ids

    response = admin_api.get("/api/mailboxes", {"page": "2", "pageSize": "2"})
    assert ids(response, "mailboxes") == all_ids[2:4]
    assert response.json()["page"] == page(size=2, total=5, pages=3, number=2)

    response = admin_api.get("/api/mailboxes", {"page": 3, "pageSize": 2})
    assert ids(response, "mailboxes") == all_ids[4:]

    past_the_end = admin_api.get("/api/mailboxes", {"page": 4, "pageSize": 2})
    assert listed(past_the_end, "mailboxes") == []
    assert past_the_end.json()["page"] == page(size=2, total=5, pages=3, number=4)

    capped = admin_api.get("/api/mailboxes", {"pageSize": 500})
    assert ids(capped, "mailboxes") == all_ids
    assert capped.json()["page"] == page(size=100, total=5)


@pytest.mark.parametrize(
    ("name", "value"), [("page", "0"), ("page", "abc"), ("page", "-1"), ("pageSize", "0"), ("pageSize", "1.5")]
)
def test_bad_paging_is_a_400_at_its_path(admin_api, mailbox, name, value):
    assert_bad_param(admin_api.get("/api/mailboxes", {name: value}), name, value)
    assert_bad_param(admin_api.get("/api/users", {name: value}), name, value)
    assert_bad_param(admin_api.get(f"/api/mailboxes/{mailbox.pk}/folders", {name: value}), name, value)
    assert_bad_param(admin_api.get(f"/api/mailboxes/{mailbox.pk}/custom_fields", {name: value}), name, value)


def test_user_id_lists_the_mailboxes_that_user_can_access(admin_api, admin, agent, mailbox, other_mailbox):
    mailbox_user_grant(mailbox=other_mailbox, user=agent)
    newcomer = UserFactory()
    assert ids(admin_api.get("/api/mailboxes", {"userId": agent.pk}), "mailboxes") == [other_mailbox.pk]
    assert ids(admin_api.get("/api/mailboxes", {"userId": str(admin.pk)}), "mailboxes") == [
        mailbox.pk,
        other_mailbox.pk,
    ]
    assert ids(admin_api.get("/api/mailboxes", {"userId": newcomer.pk}), "mailboxes") == []
    assert ids(admin_api.get("/api/mailboxes", {"userId": ""}), "mailboxes") == [mailbox.pk, other_mailbox.pk]

    user_update(user=agent, status=User.Status.DELETED)
    assert ids(admin_api.get("/api/mailboxes", {"userId": agent.pk}), "mailboxes") == []


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.0", "999999"])
def test_a_bad_user_id_is_a_400(admin_api, mailbox, value):
    assert_bad_param(admin_api.get("/api/mailboxes", {"userId": value}), "userId", value)
    assert_bad_param(admin_api.get(f"/api/mailboxes/{mailbox.pk}/folders", {"userId": value}), "userId", value)


def test_a_regular_users_key_sees_only_its_own_mailboxes(agent_api, admin, agent, mailbox, other_mailbox):
    colleague = UserFactory()
    mailbox_user_grant(mailbox=other_mailbox, user=colleague)
    assert ids(agent_api.get("/api/mailboxes"), "mailboxes") == [mailbox.pk]
    # Whatever userId says, never beyond the key's own mailboxes.
    assert ids(agent_api.get("/api/mailboxes", {"userId": admin.pk}), "mailboxes") == [mailbox.pk]
    assert ids(agent_api.get("/api/mailboxes", {"userId": colleague.pk}), "mailboxes") == []
    assert ids(agent_api.get("/api/mailboxes", {"userId": agent.pk}), "mailboxes") == [mailbox.pk]


def test_a_user_without_access_lists_no_mailbox(agent, mailbox):
    response = client_for(agent).get("/api/mailboxes")
    assert response.json() == {"_embedded": {"mailboxes": []}, "page": page(total=0)}


# --- GET /api/mailboxes/{id}/custom_fields -------------------------------------------------------------


def test_custom_fields_as_the_docs_show_them(admin_api, mailbox):
    comments = CustomFieldFactory(mailbox=mailbox, name="Comments", type="multiline", sort_order=7)
    vendor = CustomFieldFactory(mailbox=mailbox, name="Vendor", type="singleline", sort_order=6)
    priority = CustomFieldFactory(
        mailbox=mailbox,
        name="Priority",
        type="dropdown",
        options={"3": "High", "1": "Low", "2": "Medium"},
        sort_order=1,
    )
    amount = CustomFieldFactory(mailbox=mailbox, name="Amount", type="number", sort_order=8)
    purchase = CustomFieldFactory(mailbox=mailbox, name="Purchase Date", type="date", sort_order=3, required=True)
    CustomFieldFactory(mailbox=MailboxFactory(), name="Elsewhere")

    response = admin_api.get(f"/api/mailboxes/{mailbox.pk}/custom_fields")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "_embedded": {
            "custom_fields": [
                {
                    "id": priority.pk,
                    "name": "Priority",
                    "type": "dropdown",
                    "options": {"1": "Low", "2": "Medium", "3": "High"},
                    "required": False,
                    "sortOrder": 1,
                },
                {
                    "id": purchase.pk,
                    "name": "Purchase Date",
                    "type": "date",
                    "options": None,
                    "required": True,
                    "sortOrder": 3,
                },
                {
                    "id": vendor.pk,
                    "name": "Vendor",
                    "type": "singleline",
                    "options": "",
                    "required": False,
                    "sortOrder": 6,
                },
                {
                    "id": comments.pk,
                    "name": "Comments",
                    "type": "multiline",
                    "options": "",
                    "required": False,
                    "sortOrder": 7,
                },
                {"id": amount.pk, "name": "Amount", "type": "number", "options": "", "required": False, "sortOrder": 8},
            ]
        },
        "page": page(total=5),
    }
    fields = body["_embedded"]["custom_fields"]
    assert all(list(field) == CUSTOM_FIELD_KEYS for field in fields)
    assert list(fields[0]["options"]) == ["1", "2", "3"]  # by option id, on every database


def test_custom_fields_tie_on_sort_order_by_id_and_page(admin_api, mailbox):
    fields = [CustomFieldFactory(mailbox=mailbox, sort_order=order) for order in (2, 1, 2, 1)]
    expected = [fields[1].pk, fields[3].pk, fields[0].pk, fields[2].pk]
    url = f"/api/mailboxes/{mailbox.pk}/custom_fields"
    assert ids(admin_api.get(url), "custom_fields") == expected
    response = admin_api.get(url, {"page": 2, "pageSize": 3})
    assert ids(response, "custom_fields") == expected[3:]
    assert response.json()["page"] == page(size=3, total=4, pages=2, number=2)


def test_a_mailbox_without_custom_fields(admin_api, mailbox):
    response = admin_api.get(f"/api/mailboxes/{mailbox.pk}/custom_fields")
    assert response.json() == {"_embedded": {"custom_fields": []}, "page": page(total=0)}


def test_custom_fields_of_a_mailbox_the_key_cannot_see_are_404(agent_api, agent, mailbox, other_mailbox):
    CustomFieldFactory(mailbox=mailbox, name="Mine")
    CustomFieldFactory(mailbox=other_mailbox, name="Theirs")
    assert [
        f["name"] for f in listed(agent_api.get(f"/api/mailboxes/{mailbox.pk}/custom_fields"), "custom_fields")
    ] == ["Mine"]
    for url in (f"/api/mailboxes/{other_mailbox.pk}/custom_fields", "/api/mailboxes/999999/custom_fields"):
        response = agent_api.get(url)
        assert response.status_code == 404
        assert error_paths(response) == {} and response.json()["errorCode"] == "NOT FOUND"


# --- GET /api/mailboxes/{id}/folders -------------------------------------------------------------------


def folder_of(mailbox: Mailbox, type: int, user: User | None = None) -> Folder:
    return Folder.objects.get(mailbox=mailbox, type=type, user=user)


def test_folders_as_the_docs_show_them(admin_api, admin, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    response = admin_api.get(f"/api/mailboxes/{mailbox.pk}/folders")
    folders = listed(response, "folders")
    assert response.json()["page"] == page(total=10)
    assert all(list(folder) == FOLDER_KEYS for folder in folders)
    # Mailbox folders and every user's Mine and Starred, by type then id.
    assert [(f["type"], f["userId"]) for f in folders] == [
        (1, None),
        (20, admin.pk),
        (20, agent.pk),
        (25, admin.pk),
        (25, agent.pk),
        (30, None),
        (40, None),
        (60, None),
        (80, None),
        (110, None),
    ]
    unassigned = folder_of(mailbox, Folder.Type.UNASSIGNED)
    mine = folder_of(mailbox, Folder.Type.MINE, admin)
    assert folders[0] == {
        "id": unassigned.pk,
        "name": "Unassigned",
        "type": 1,
        "userId": None,
        "totalCount": 0,
        "activeCount": 0,
        "meta": None,
    }
    assert folders[1] == {
        "id": mine.pk,
        "name": "Mine",
        "type": 20,
        "userId": admin.pk,
        "totalCount": 0,
        "activeCount": 0,
        "meta": None,
    }
    names = {f["type"]: f["name"] for f in folders}
    assert names == {**MAILBOX_FOLDER_NAMES, 20: "Mine", 25: "Starred"}
    assert all(f["id"] in Folder.objects.filter(mailbox=mailbox).values_list("id", flat=True) for f in folders)


def test_user_id_gives_the_mailbox_folders_and_that_users_own(admin_api, admin, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    url = f"/api/mailboxes/{mailbox.pk}/folders"
    folders = listed(admin_api.get(url, {"userId": agent.pk}), "folders")
    assert [(f["type"], f["userId"]) for f in folders] == [
        (1, None),
        (20, agent.pk),
        (25, agent.pk),
        (30, None),
        (40, None),
        (60, None),
        (80, None),
        (110, None),
    ]
    # A user without access has no personal folders there: the mailbox folders only.
    outsider = UserFactory()
    folders = listed(admin_api.get(url, {"userId": str(outsider.pk)}), "folders")
    assert [f["type"] for f in folders] == list(MAILBOX_FOLDER_NAMES)


def test_folder_id_gives_that_folder(admin_api, admin, mailbox, other_mailbox):
    url = f"/api/mailboxes/{mailbox.pk}/folders"
    closed = folder_of(mailbox, Folder.Type.CLOSED)
    mine = folder_of(mailbox, Folder.Type.MINE, admin)
    response = admin_api.get(url, {"folderId": closed.pk})
    assert ids(response, "folders") == [closed.pk]
    assert response.json()["page"] == page(total=1)
    assert ids(admin_api.get(url, {"folderId": mine.pk, "userId": admin.pk}), "folders") == [mine.pk]
    # Another mailbox's folder, or another user's with userId, is not in this list.
    assert ids(admin_api.get(url, {"folderId": folder_of(other_mailbox, Folder.Type.CLOSED).pk}), "folders") == []
    assert ids(admin_api.get(url, {"folderId": 999999}), "folders") == []
    assert ids(admin_api.get(url, {"folderId": mine.pk, "userId": UserFactory().pk}), "folders") == []


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2.5"])
def test_a_bad_folder_id_is_a_400(admin_api, mailbox, value):
    assert_bad_param(admin_api.get(f"/api/mailboxes/{mailbox.pk}/folders", {"folderId": value}), "folderId", value)


def test_folders_page(admin_api, mailbox):
    url = f"/api/mailboxes/{mailbox.pk}/folders"
    every = ids(admin_api.get(url), "folders")
    assert len(every) == 8  # the admin's Mine and Starred too
    response = admin_api.get(url, {"pageSize": 3, "page": 3})
    assert ids(response, "folders") == every[6:]
    assert response.json()["page"] == page(size=3, total=8, pages=3, number=3)
    assert listed(admin_api.get(url, {"pageSize": 3, "page": 9}), "folders") == []
    assert admin_api.get(url, {"pageSize": 1000}).json()["page"]["size"] == 100


def test_a_regular_users_key_sees_its_own_personal_folders_only(agent_api, admin, agent, mailbox, other_mailbox):
    url = f"/api/mailboxes/{mailbox.pk}/folders"
    folders = listed(agent_api.get(url), "folders")
    assert {f["userId"] for f in folders} == {None, agent.pk}
    assert len(folders) == 8
    # Another user's folders stay hidden, by userId or by folderId.
    only_mailbox = listed(agent_api.get(url, {"userId": admin.pk}), "folders")
    assert [f["type"] for f in only_mailbox] == list(MAILBOX_FOLDER_NAMES)
    assert ids(agent_api.get(url, {"folderId": folder_of(mailbox, Folder.Type.MINE, admin).pk}), "folders") == []
    own = folder_of(mailbox, Folder.Type.STARRED, agent)
    assert ids(agent_api.get(url, {"folderId": own.pk}), "folders") == [own.pk]

    for other in (f"/api/mailboxes/{other_mailbox.pk}/folders", "/api/mailboxes/999999/folders"):
        response = agent_api.get(other)
        assert response.status_code == 404
        assert error_paths(response) == {}


def test_deleted_users_personal_folders_are_left_out(admin_api, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    url = f"/api/mailboxes/{mailbox.pk}/folders"
    assert agent.pk in {f["userId"] for f in listed(admin_api.get(url), "folders")}
    user_update(user=agent, status=User.Status.DELETED)
    assert agent.pk not in {f["userId"] for f in listed(admin_api.get(url), "folders")}
    assert [f["userId"] for f in listed(admin_api.get(url, {"userId": agent.pk}), "folders")] == [None] * 6


def test_folder_counters_follow_conversation_changes(admin_api, admin, agent, mailbox):
    mailbox_user_grant(mailbox=mailbox, user=agent)
    url = f"/api/mailboxes/{mailbox.pk}/folders"

    def counts() -> dict[tuple[int, int | None], tuple[int, int]]:
        folders = listed(admin_api.get(url), "folders")
        return {(f["type"], f["userId"]): (f["totalCount"], f["activeCount"]) for f in folders}

    unassigned = ConversationFactory(mailbox=mailbox)
    ConversationFactory(mailbox=mailbox, assignee=agent)
    pending = ConversationFactory(mailbox=mailbox, assignee=agent, status="pending")
    closed = ConversationFactory(mailbox=mailbox)
    spam = ConversationFactory(mailbox=mailbox)
    deleted = ConversationFactory(mailbox=mailbox)
    ConversationFactory(mailbox=mailbox, state="draft", threads=[NewThread(type="note", body="d", user=admin)])
    ConversationFactory(mailbox=MailboxFactory())  # elsewhere: counted nowhere here

    services.conversation_change_status(conversation=closed, status="closed", by_user=admin)
    services.conversation_change_status(conversation=spam, status="spam", by_user=admin)
    services.conversation_delete(conversation=deleted, by_user=admin)
    services.conversation_star(conversation=unassigned, user=admin)
    services.conversation_star(conversation=closed, user=admin)

    assert counts() == {
        (1, None): (1, 1),
        (20, admin.pk): (0, 0),
        (20, agent.pk): (2, 1),
        (25, admin.pk): (2, 1),
        (25, agent.pk): (0, 0),
        (30, None): (1, 1),
        (40, None): (2, 1),
        (60, None): (1, 0),
        (80, None): (1, 0),
        (110, None): (1, 1),
    }

    services.conversation_assign(conversation=unassigned, assignee=admin, by_user=admin)
    services.conversation_change_status(conversation=pending, status="active", by_user=agent)
    services.conversation_restore(conversation=deleted, by_user=admin)
    services.conversation_star(conversation=closed, user=admin, starred=False)
    services.thread_create(conversation=closed, thread=NewThread(type="customer", body="Still broken"))

    assert counts() == {
        (1, None): (2, 2),  # the restored conversation and the reopened one
        (20, admin.pk): (1, 1),
        (20, agent.pk): (2, 2),
        (25, admin.pk): (1, 1),
        (25, agent.pk): (0, 0),
        (30, None): (1, 1),
        (40, None): (3, 3),
        (60, None): (0, 0),
        (80, None): (1, 0),
        (110, None): (0, 0),
    }


# --- GET /api/users, /api/users/{id} -------------------------------------------------------------------


@pytest.fixture
def john(db):
    user = UserFactory(email="johndoe@example.org", first_name="John", last_name="Doe", role=User.Role.ADMIN)
    user_update(
        user=user,
        alternate_emails="johndoe777@example.org",
        job_title="Support agent",
        phone="+1867342345",
        timezone="Etc/GMT-3",
        language="en",
    )
    User.objects.filter(pk=user.pk).update(
        created_at=at(2018, 8, 9, 10, 8, 53), updated_at=at(2020, 12, 22, 14, 54, 35)
    )
    user.refresh_from_db()
    return user


def john_json(john: User) -> dict:
    return {
        "id": john.pk,
        "firstName": "John",
        "lastName": "Doe",
        "email": "johndoe@example.org",
        "role": "admin",
        "alternateEmails": "johndoe777@example.org",
        "jobTitle": "Support agent",
        "phone": "+1867342345",
        "timezone": "Etc/GMT-3",
        "photoUrl": "",
        "language": "en",
        "createdAt": "2018-08-09T10:08:53Z",
        "updatedAt": "2020-12-22T14:54:35Z",
    }


def test_a_user_as_the_docs_show_it(admin_api, john):
    response = admin_api.get(f"/api/users/{john.pk}")
    assert response.status_code == 200
    assert response.json() == john_json(john)
    assert list(response.json()) == USER_KEYS


def test_a_user_without_profile_details(admin_api, agent):
    body = admin_api.get(f"/api/users/{agent.pk}").json()
    assert body["role"] == "user" and body["alternateEmails"] is None
    assert body["jobTitle"] == "" and body["phone"] == "" and body["photoUrl"] == ""
    assert body["timezone"] == "UTC" and body["language"] == "en"


def test_users_list_as_the_docs_show_it(admin_api, john):
    response = admin_api.get("/api/users", {"email": "johndoe@example.org", "page": "1", "pageSize": "100"})
    assert response.status_code == 200
    assert response.json() == {"_embedded": {"users": [john_json(john)]}, "page": page(size=100)}
    assert list(listed(response, "users")[0]) == USER_KEYS


def test_users_are_sorted_by_id_paged_and_leave_deleted_users_out(admin_api, admin):
    users = [UserFactory() for _ in range(4)]
    disabled, deleted = UserFactory(), UserFactory()
    user_update(user=disabled, status=User.Status.DISABLED)
    user_update(user=deleted, status=User.Status.DELETED)
    expected = [admin.pk, *(u.pk for u in users), disabled.pk]
    assert ids(admin_api.get("/api/users"), "users") == expected

    response = admin_api.get("/api/users", {"page": 2, "pageSize": 4})
    assert ids(response, "users") == expected[4:]
    assert response.json()["page"] == page(size=4, total=6, pages=2, number=2)
    past_the_end = admin_api.get("/api/users", {"page": 3, "pageSize": 4})
    assert listed(past_the_end, "users") == []
    assert past_the_end.json()["page"] == page(size=4, total=6, pages=2, number=3)
    assert admin_api.get("/api/users", {"pageSize": 101}).json()["page"] == page(size=100, total=6)

    # A deleted user still answers by id.
    body = admin_api.get(f"/api/users/{deleted.pk}").json()
    assert body["id"] == deleted.pk and list(body) == USER_KEYS


def test_the_email_filter_is_exact_and_case_insensitive(admin_api, agent):
    UserFactory(email="agent@example.com.au")
    assert ids(admin_api.get("/api/users", {"email": "AGENT@Example.com"}), "users") == [agent.pk]
    assert ids(admin_api.get("/api/users", {"email": " agent@example.com "}), "users") == [agent.pk]
    assert ids(admin_api.get("/api/users", {"email": "agent@example"}), "users") == []
    assert ids(admin_api.get("/api/users", {"email": "nobody@example.com"}), "users") == []
    assert len(ids(admin_api.get("/api/users", {"email": ""}), "users")) == 3

    user_update(user=agent, status=User.Status.DELETED)
    assert ids(admin_api.get("/api/users", {"email": "agent@example.com"}), "users") == []


def test_an_unknown_user_is_404(admin_api):
    for url in ("/api/users/999999", "/api/users/99999999999999999999999", "/api/users/abc"):
        response = admin_api.get(url)
        assert response.status_code == 404, url
        assert error_paths(response) == {}


def test_a_regular_users_key_may_read_users(agent_api, admin, agent):
    assert ids(agent_api.get("/api/users"), "users") == sorted([admin.pk, agent.pk])
    assert agent_api.get(f"/api/users/{admin.pk}").json()["email"] == "admin@example.com"


# --- Keys, methods, query counts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/mailboxes",
        "/api/mailboxes/{m}/custom_fields",
        "/api/mailboxes/{m}/folders",
        "/api/users",
        "/api/users/{u}",
    ],
)
def test_a_key_is_needed(admin, mailbox, path):
    url = path.format(m=mailbox.pk, u=admin.pk)
    for client in (APIClient(), APIClient(HTTP_X_FREESCOUT_API_KEY="not-a-key-at-all")):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json() == {
            "message": "Not Authorized",
            "errorCode": "NOT AUTHORIZED",
            "_embedded": {"errors": []},
        }
    assert APIClient().options(url).status_code == 200  # preflight needs no key


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_folders_are_read_only(admin_api, mailbox, method):
    response = getattr(admin_api, method)(f"/api/mailboxes/{mailbox.pk}/folders", {}, format="json")
    assert response.status_code == 405
    body = response.json()
    assert list(body) == ["message", "errorCode", "_embedded"]
    assert body["errorCode"] == "METHOD NOT ALLOWED" and body["_embedded"] == {"errors": []}
    assert "GET" in response["Allow"]


def test_trailing_slash_is_accepted(admin_api, mailbox, admin):
    assert ids(admin_api.get("/api/mailboxes/"), "mailboxes") == [mailbox.pk]
    assert len(listed(admin_api.get(f"/api/mailboxes/{mailbox.pk}/folders/"), "folders")) == 8
    assert admin_api.get(f"/api/users/{admin.pk}/").json()["id"] == admin.pk


def queries(client: APIClient, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context)


def test_lists_cost_a_constant_number_of_queries(admin_api, admin, mailbox):
    admin_api.get("/api/users")  # the key's first use is recorded once; measure after it
    folders_url = f"/api/mailboxes/{mailbox.pk}/folders"
    fields_url = f"/api/mailboxes/{mailbox.pk}/custom_fields"

    def grow() -> None:
        for _ in range(2):
            MailboxFactory()
            user = UserFactory()
            mailbox_user_grant(mailbox=mailbox, user=user)
            ConversationFactory(mailbox=mailbox, assignee=user)
            CustomFieldFactory(mailbox=mailbox, type="dropdown", options={"1": "a"})

    grow()
    small = [
        queries(admin_api, "/api/mailboxes"),
        queries(admin_api, "/api/users"),
        queries(admin_api, fields_url),
        queries(admin_api, folders_url),
    ]
    grow()
    grow()
    large = [
        queries(admin_api, "/api/mailboxes"),
        queries(admin_api, "/api/users"),
        queries(admin_api, fields_url),
        queries(admin_api, folders_url),
    ]
    assert len(listed(admin_api.get(folders_url), "folders")) == 6 + 2 + 6 * 2
    assert small == large
    assert max(large) <= 10  # folders: key, mailbox, count, page, 3 counters (+ the request's savepoint)
