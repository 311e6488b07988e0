"""``GET /api/conversations``: every documented parameter, the defaults, the sorts, and their errors."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import services
from conversations.models import Conversation
from conversations.services import NewThread
from mailboxes.models import Folder
from mailboxes.services import mailbox_user_grant
from tests.api_helpers import client_for, error_paths
from tests.factories import ConversationFactory, CustomerFactory, MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mailbox, admin, agent):
    """A small, fully known set of conversations."""
    mailbox_user_grant(mailbox=mailbox, user=agent)
    other_mailbox = MailboxFactory()
    mark = CustomerFactory(first_name="Mark", emails=[("mark@example.org", "work"), ("m@home.example", "home")])
    services_customer = CustomerFactory(emails=[("ann@example.org", "work")])
    from customers.services import _phones_add

    _phones_add(customer=mark, phones=[("+1 (777) 777-7777", "mobile")])
    now = timezone.now()
    c = {}
    c["refund"] = ConversationFactory(
        mailbox=mailbox, customer=mark, subject="Refund please", created_at=now - timedelta(days=5), imported=True
    )
    c["pending"] = ConversationFactory(
        mailbox=mailbox, customer=services_customer, subject="Login broken", assignee=agent
    )
    services.thread_create(conversation=c["pending"], thread=NewThread(type="message", body="On it", user=agent))
    c["closed"] = ConversationFactory(mailbox=mailbox, customer=mark, subject="Old question")
    services.conversation_change_status(conversation=c["closed"], status="closed", by_user=admin)
    c["spam"] = ConversationFactory(mailbox=mailbox, subject="Buy now")
    services.conversation_change_status(conversation=c["spam"], status="spam", by_user=admin)
    c["deleted"] = ConversationFactory(mailbox=mailbox, subject="Deleted one")
    services.conversation_delete(conversation=c["deleted"], by_user=admin)
    c["phone"] = services.conversation_create(
        mailbox=mailbox,
        subject="Phone call",
        customer=mark,
        type="phone",
        threads=[NewThread(type="note", body="Called", user=admin)],
    )
    c["draft"] = ConversationFactory(mailbox=mailbox, subject="Draft reply", state="draft")
    c["elsewhere"] = ConversationFactory(mailbox=other_mailbox, customer=mark, subject="Refund elsewhere")
    services.conversation_tags_set(conversation=c["refund"], names=["Refund", "vip"])
    services.conversation_tags_set(conversation=c["elsewhere"], names=["refund"])
    services.conversation_star(conversation=c["refund"], user=agent)
    for key in c:
        c[key] = Conversation.objects.get(pk=c[key].pk)
    c["mailbox"], c["other_mailbox"], c["mark"] = mailbox, other_mailbox, mark
    return c


def ids(api, **params) -> list[int]:
    response = api.get("/api/conversations", params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["_embedded"]["conversations"]]


def as_ids(world, *names) -> list[int]:
    return [world[name].pk for name in names]


def test_default_is_active_published_newest_first(admin_api, world):
    assert ids(admin_api) == as_ids(world, "elsewhere", "draft", "phone", "refund")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "pending"}, ["pending"]),
        ({"status": "closed,spam"}, ["spam", "closed"]),
        ({"status": "all", "mailboxId": "M"}, ["draft", "phone", "spam", "closed", "pending", "refund"]),
        ({"state": "deleted"}, ["deleted"]),
        ({"state": "draft"}, ["draft"]),
        ({"type": "phone"}, ["phone"]),
        ({"mailboxId": "O"}, ["elsewhere"]),
        ({"mailboxId": "M,O", "subject": "REFUND"}, ["elsewhere", "refund"]),
        ({"customerEmail": "M@HOME.example"}, ["elsewhere", "phone", "refund"]),
        ({"customerPhone": "777-7777"}, ["elsewhere", "phone", "refund"]),
        ({"customerId": "MARK"}, ["elsewhere", "phone", "refund"]),
        ({"tag": "REFUND"}, ["elsewhere", "refund"]),
        ({"tag": "vip"}, ["refund"]),
        ({"assignedTo": "AGENT"}, []),
        ({"assignedTo": "AGENT", "status": "pending"}, ["pending"]),
        ({"assignedTo": "", "mailboxId": "O"}, ["elsewhere"]),
        ({"assignedTo": "", "status": "pending"}, []),
        ({"assignedTo": "0", "status": "pending,closed"}, ["closed"]),
        ({"createdByUserId": "ADMIN"}, ["phone"]),
        ({"createdByCustomerId": "MARK", "status": "all"}, ["elsewhere", "closed", "refund"]),
    ],
)
def test_filters(admin_api, admin, agent, world, params, expected):
    names = {
        "M": world["mailbox"].pk,
        "O": world["other_mailbox"].pk,
        "M,O": f"{world['mailbox'].pk},{world['other_mailbox'].pk}",
        "MARK": world["mark"].pk,
        "AGENT": agent.pk,
        "ADMIN": admin.pk,
    }
    params = {key: names.get(value, value) for key, value in params.items()}
    assert ids(admin_api, **params) == as_ids(world, *expected)


def test_number_finds_any_status(admin_api, world):
    assert ids(admin_api, number=world["closed"].number) == as_ids(world, "closed")


def test_since_filters_are_inclusive(admin_api, world):
    created = world["refund"].created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    found = ids(admin_api, createdSince=created, status="all")
    assert world["refund"].pk in found
    later = (world["refund"].created_at + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert world["refund"].pk not in ids(admin_api, createdSince=later, status="all")
    assert ids(admin_api, updatedSince=(timezone.now() + timedelta(days=1)).isoformat()) == []


def test_folder_filter_includes_personal_views(admin_api, agent, world):
    mailbox = world["mailbox"]
    folder = lambda folder_type, user=None: Folder.objects.get(mailbox=mailbox, type=folder_type, user=user).pk  # noqa: E731
    assert ids(admin_api, folderId=folder(Folder.Type.CLOSED)) == as_ids(world, "closed")
    assert ids(admin_api, folderId=folder(Folder.Type.DELETED)) == as_ids(world, "deleted")
    assert ids(admin_api, folderId=folder(Folder.Type.MINE, agent)) == as_ids(world, "pending")
    assert ids(admin_api, folderId=folder(Folder.Type.STARRED, agent)) == as_ids(world, "refund")
    assert ids(admin_api, folderId=99999) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ({"sortField": "createdAt", "sortOrder": "asc"}, ["refund", "phone", "draft", "elsewhere"]),
        ({"sortField": "subject", "sortOrder": "ASC"}, ["draft", "phone", "elsewhere", "refund"]),
        ({"sortField": "number"}, ["elsewhere", "draft", "phone", "refund"]),
        ({"sortField": "mailboxId", "sortOrder": "desc"}, ["elsewhere", "draft", "phone", "refund"]),
        ({"sortField": "updatedAt"}, ["elsewhere", "draft", "phone", "refund"]),
    ],
)
def test_sorts(admin_api, world, sort, expected):
    assert ids(admin_api, **sort) == as_ids(world, *expected)


def test_ties_are_broken_by_id_so_paging_is_stable(admin_api, mailbox):
    moment = timezone.now()
    made = [ConversationFactory(mailbox=mailbox, created_at=moment) for _ in range(5)]
    pages = [i for page in (1, 2, 3) for i in ids(admin_api, pageSize=2, page=page)]
    assert pages == [c.pk for c in reversed(made)]
    assert ids(admin_api, pageSize=2, page=1, sortOrder="asc") == [made[0].pk, made[1].pk]


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"status": "open"}, "status"),
        ({"state": "gone"}, "state"),
        ({"type": "fax"}, "type"),
        ({"mailboxId": "a,b"}, "mailboxId"),
        ({"folderId": "x"}, "folderId"),
        ({"customerId": "x"}, "customerId"),
        ({"number": "x"}, "number"),
        ({"assignedTo": "me"}, "assignedTo"),
        ({"customerPhone": "abc"}, "customerPhone"),
        ({"createdSince": "last week"}, "createdSince"),
        ({"updatedSince": "2021-13-01"}, "updatedSince"),
        ({"sortField": "priority"}, "sortField"),
        ({"sortOrder": "up"}, "sortOrder"),
        ({"createdByUserId": "x"}, "createdByUserId"),
    ],
)
def test_bad_parameters_are_400_with_their_path(admin_api, world, params, path):
    response = admin_api.get("/api/conversations", params)
    assert response.status_code == 400, response.content
    error = error_paths(response)[path]
    assert error["rejectedValue"] == next(iter(params.values()))


def test_unknown_parameters_are_ignored(admin_api, world):
    assert ids(admin_api, query="x", per_page="3") == ids(admin_api)


def test_an_agent_sees_only_their_mailboxes(agent, world):
    api = client_for(agent)
    assert ids(api, status="all", mailboxId=world["other_mailbox"].pk) == []
    assert world["elsewhere"].pk not in ids(api, status="all")
    assert set(ids(api)) == set(as_ids(world, "draft", "phone", "refund"))


@pytest.mark.parametrize("page_size", [1, 10, 50])
def test_the_list_runs_a_constant_number_of_queries(admin_api, admin, mailbox, page_size):
    for index in range(page_size):
        conversation = ConversationFactory(mailbox=mailbox)
        if index < 3:
            services.thread_create(conversation=conversation, thread=NewThread(type="note", body="n", user=admin))
            services.conversation_tags_set(conversation=conversation, names=["a", "b"])
            services.timelog_record(conversation=conversation, user=admin, seconds=5)
    admin_api.get("/api/conversations")  # the key's first use is recorded once; measure after it
    with CaptureQueriesContext(connection) as context:
        response = admin_api.get("/api/conversations", {"embed": "threads,tags,timelogs", "pageSize": page_size})
    assert len(response.json()["_embedded"]["conversations"]) == page_size
    # auth, count, page, then one query per prefetched relation, whatever the page size
    assert len(context) <= 15, [q["sql"][:120] for q in context.captured_queries]
