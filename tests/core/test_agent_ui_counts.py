"""The agent UI's counts at scale (issue 22): the folder counters and the conversation list's totals summed
from the tally equal the counts they replace, under every filter the tally answers, and fall back to
counting rows when it cannot; the list, the folder sidebar and the conversation page cost a bounded number
of queries whatever the data."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from conversations import services
from conversations.admin.list_count import list_filter_tallied
from conversations.models import Conversation, Thread
from conversations.tallies import NOBODY, SOMEBODY, TallyFilter, conversations_count_tallied, folder_counts_tallied
from mailboxes.models import Folder
from mailboxes.selectors import folder_counts, folder_counts_counted, folder_navigation
from mailboxes.services import mailbox_user_grant
from tests.admin_helpers import admin_url
from tests.factories import ConversationFactory, MailboxFactory, UserFactory

CHANGELIST = admin_url(Conversation, "changelist")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the tally is kept by PostgreSQL triggers; SQLite counts rows"
)


@pytest.fixture
def desk(admin, agent, mailbox):
    """Two mailboxes holding a conversation in every folder, each made and changed by the services."""
    other = MailboxFactory(name="Billing")
    colleague = UserFactory(email="colleague@example.com")
    for box in (mailbox, other):
        mailbox_user_grant(mailbox=box, user=agent)
        mailbox_user_grant(mailbox=box, user=colleague)
    made = {
        "unassigned": ConversationFactory(mailbox=mailbox),
        "pending": ConversationFactory(mailbox=mailbox, status="pending"),
        "mine": ConversationFactory(mailbox=mailbox, assignee=agent),
        "colleague": ConversationFactory(mailbox=mailbox, assignee=colleague, status="pending"),
        "closed": ConversationFactory(mailbox=mailbox, assignee=agent),
        "spam": ConversationFactory(mailbox=mailbox),
        "draft": ConversationFactory(mailbox=mailbox, state="draft"),
        "deleted": ConversationFactory(mailbox=mailbox, assignee=agent),
        "moved": ConversationFactory(mailbox=mailbox, assignee=colleague),
        "elsewhere": ConversationFactory(mailbox=other, assignee=agent),
        "reassigned": ConversationFactory(mailbox=mailbox, assignee=agent),
    }
    services.conversation_change_status(conversation=made["closed"], status="closed", by_user=admin)
    services.conversation_change_status(conversation=made["spam"], status="spam", by_user=admin)
    services.conversation_delete(conversation=made["deleted"], by_user=admin)
    services.conversation_move(conversation=made["moved"], mailbox=other, by_user=admin)
    services.conversation_assign(conversation=made["reassigned"], assignee=colleague, by_user=admin)
    services.conversation_assign(conversation=made["pending"], assignee=None, by_user=admin)
    services.conversation_star(conversation=made["mine"], user=agent)
    services.conversation_star(conversation=made["closed"], user=agent)
    services.conversation_star(conversation=made["elsewhere"], user=colleague)
    return {"mailboxes": [mailbox, other], "agent": agent, "colleague": colleague, "made": made}


def every_folder(desk) -> list[Folder]:
    return list(Folder.objects.filter(mailbox__in=desk["mailboxes"]).order_by("id"))


@on_postgresql
@pytest.mark.django_db
def test_folder_counts_from_the_tally_equal_the_counted_ones(desk, admin):
    folders = every_folder(desk)
    expected = folder_counts_counted(folders=folders)
    assert folder_counts_tallied(folders=folders) == expected
    assert folder_counts(folders=folders) == expected
    # Not all zero: every kind of folder holds something in the first mailbox.
    mailbox, agent = desk["mailboxes"][0], desk["agent"]
    assert all(
        expected[folder.pk][0] for folder in folders if folder.mailbox == mailbox and folder.user in (None, agent)
    )
    # And after more changes, including a restore and a conversation deleted for good.
    made = desk["made"]
    services.conversation_restore(conversation=made["deleted"], by_user=admin)
    services.conversation_change_status(conversation=made["closed"], status="active", by_user=admin)
    services.conversation_delete_forever(conversation=made["spam"])
    assert folder_counts_tallied(folders=folders) == folder_counts_counted(folders=folders)


@pytest.mark.django_db
def test_folder_counts_count_rows_without_a_tally(desk):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's fallback")
    folders = every_folder(desk)
    assert folder_counts_tallied(folders=folders) is None
    assert folder_counts(folders=folders) == folder_counts_counted(folders=folders)


def tally_filters(desk) -> list[TallyFilter]:
    mailbox, other = (box.pk for box in desk["mailboxes"])
    agent = desk["agent"].pk
    return [
        TallyFilter(),
        TallyFilter(mailbox_ids=frozenset({mailbox})),
        TallyFilter(statuses=frozenset({"active", "pending"}), assignee=NOBODY),
        TallyFilter(mailbox_ids=frozenset({mailbox, other}), assignee=SOMEBODY, states=frozenset({"published"})),
        TallyFilter(assignee=agent),
        TallyFilter(mailbox_ids=frozenset({other}), assignee=agent, statuses=frozenset({"active"})),
        TallyFilter(states=frozenset({"deleted", "draft"})),
        TallyFilter(assignee=SOMEBODY).narrowed(assignee=NOBODY),
        TallyFilter(assignee=SOMEBODY).narrowed(assignee=agent),
        TallyFilter(mailbox_ids=frozenset({mailbox})).narrowed(mailbox_ids=frozenset({other})),
    ]


def counted(user, where: TallyFilter) -> int:
    from conversations.selectors import conversations_visible_to

    rows = conversations_visible_to(user=user)
    for field, values in (("mailbox_id", where.mailbox_ids), ("status", where.statuses), ("state", where.states)):
        if values is not None:
            rows = rows.filter(**{f"{field}__in": values})
    if where.assignee == NOBODY:
        rows = rows.filter(assignee__isnull=True)
    elif where.assignee == SOMEBODY:
        rows = rows.filter(assignee__isnull=False)
    elif where.assignee != "any":
        rows = rows.filter(assignee_id=where.assignee if isinstance(where.assignee, int) else -1)
    return rows.count()


@on_postgresql
@pytest.mark.django_db
def test_tallied_counts_equal_the_counted_ones_for_each_user(desk, admin):
    outsider = UserFactory(email="outsider@example.com")
    for user in (admin, desk["agent"], outsider):
        for where in tally_filters(desk):
            assert conversations_count_tallied(user=user, where=where) == counted(user, where), (user, where)


# The list's totals


def list_totals(client, query: dict) -> tuple[int, int, int]:
    """(the list's count, its rows counted, the count of everything visible) of one changelist request."""
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    changelist = response.context["cl"]
    return changelist.result_count, changelist.queryset.count(), changelist.full_result_count


def list_queries(desk) -> list[dict]:
    mailbox, other = desk["mailboxes"]
    agent, colleague = desk["agent"], desk["colleague"]
    queries: list[dict] = [{}, {"o": "2"}, {"p": "0"}, {"q": ""}]
    queries += [{"folder": folder.pk} for folder in every_folder(desk)]
    queries += [
        {"status__exact": "pending"},
        {"status__exact": "spam", "mailbox__id__exact": mailbox.pk},
        {"state__exact": "deleted"},
        {"assignee__id__exact": agent.pk},
        {"assignee__isnull": "True"},
        {
            "folder": Folder.objects.get(mailbox=mailbox, type=Folder.Type.ASSIGNED).pk,
            "assignee__id__exact": colleague.pk,
        },
        {
            "folder": Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED).pk,
            "assignee__id__exact": agent.pk,
        },
        {"folder": Folder.objects.get(mailbox=other, type=Folder.Type.CLOSED).pk, "mailbox__id__exact": mailbox.pk},
        {
            "folder": Folder.objects.get(mailbox=mailbox, type=Folder.Type.MINE, user=agent).pk,
            "status__exact": "active",
        },
    ]
    return queries


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "agent"])
def test_the_lists_totals_equal_its_rows_under_every_filter(client, desk, admin, who):
    client.force_login(admin if who == "admin" else desk["agent"])
    everything = (
        Conversation.objects.count()
        if who == "admin"
        else Conversation.objects.filter(mailbox__in=desk["mailboxes"]).count()
    )
    for query in list_queries(desk):
        shown, rows, full = list_totals(client, query)
        assert shown == rows, query
        assert full == everything, query


@on_postgresql
@pytest.mark.django_db
def test_a_tallied_list_counts_no_conversation_rows(client, desk, admin):
    client.force_login(admin)
    mailbox = desk["mailboxes"][0]
    for query in ({}, {"folder": Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED).pk}):
        with CaptureQueriesContext(connection) as captured:
            client.get(CHANGELIST, query)
        counts = [
            q["sql"]
            for q in captured
            if q["sql"].startswith("SELECT COUNT(*)") and "conversations_conversation" in q["sql"]
        ]
        assert counts == [], query


def request_for(query: str):
    return RequestFactory().get(f"{CHANGELIST}?{query}")


@pytest.mark.django_db
def test_lists_the_tally_cannot_answer_fall_back(desk, client, admin):
    agent = desk["agent"]
    mailbox = desk["mailboxes"][0]
    starred = Folder.objects.get(mailbox=mailbox, type=Folder.Type.STARRED, user=agent)
    for query in ("q=invoice", "tags__id__exact=1", "type__exact=email", "status__exact=active&status__exact=closed"):
        assert list_filter_tallied(request_for(query), None) is None, query
    assert list_filter_tallied(request_for(f"folder={starred.pk}"), starred) is None
    # A folder the user may not open (``request_folder`` gave None) is left to the list, which shows nothing.
    assert list_filter_tallied(request_for("folder=999999"), None) is None
    assert list_filter_tallied(request_for("p=2&o=-1&q="), None) == TallyFilter()
    # And the list still shows the right count through the fallback, starred and searched.
    client.force_login(agent)
    for query in ({"folder": starred.pk}, {"type__exact": "email"}, {"tags__id__exact": "1"}):
        shown, rows, _ = list_totals(client, query)
        assert shown == rows, query


# Queries per page, whatever the data


def conversations_in_every_folder(desk, admin, more: int) -> None:
    mailbox = desk["mailboxes"][0]
    for index in range(more):
        conversation = ConversationFactory(mailbox=mailbox, assignee=desk["agent"] if index % 2 else None)
        services.conversation_tags_set(conversation=conversation, names=[f"tag {index}", "shared"])


@pytest.mark.django_db
def test_the_list_and_its_folders_cost_a_bounded_number_of_queries(client, desk, admin, django_assert_max_num_queries):
    mailbox = desk["mailboxes"][0]
    unassigned = Folder.objects.get(mailbox=mailbox, type=Folder.Type.UNASSIGNED)
    client.force_login(desk["agent"])
    conversations_in_every_folder(desk, admin, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST, {"folder": unassigned.pk})
    conversations_in_every_folder(desk, admin, 12)
    with django_assert_max_num_queries(len(few)):
        client.get(CHANGELIST, {"folder": unassigned.pk})
    with django_assert_max_num_queries(30):
        client.get(CHANGELIST)


@pytest.mark.django_db
def test_the_folder_sidebar_costs_a_bounded_number_of_queries(desk, admin, django_assert_max_num_queries):
    conversations_in_every_folder(desk, admin, 6)
    # Mailboxes, folders, the tally's sums (or three counts per mailbox without one) and the stars.
    ceiling = 4 if connection.vendor == "postgresql" else 2 + 3 * len(desk["mailboxes"])
    for user in (admin, desk["agent"]):
        with django_assert_max_num_queries(ceiling):
            navigation = folder_navigation(user=user)
        assert [mailbox for mailbox, _ in navigation] == sorted(desk["mailboxes"], key=lambda m: (m.name, m.pk))


@pytest.mark.django_db
def test_the_conversation_page_costs_the_same_queries_for_more_threads(
    client, desk, admin, django_assert_max_num_queries
):
    conversation = desk["made"]["mine"]
    url = admin_url(Conversation, "change", conversation.pk)
    client.force_login(desk["agent"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for index in range(8):
        kind = Thread.Type.NOTE if index % 2 else Thread.Type.MESSAGE
        services.thread_create(
            conversation=conversation,
            thread=services.NewThread(type=kind, body=f"<p>{index}</p>", user=desk["agent"]),
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_agents_live_token_is_the_newest_of_its_mailboxes(desk, admin):
    from django.db.models import Max

    from conversations.selectors import _version, conversations_live_version, conversations_visible_to

    for user in (admin, desk["agent"], UserFactory(email="nobody@example.com")):
        row = conversations_visible_to(user=user).aggregate(updated=Max("updated_at"), last=Max("id"))
        assert conversations_live_version(user=user) == _version(row["updated"], row["last"]), user
