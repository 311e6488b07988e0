"""The conversation tally (PostgreSQL's triggers, ``conversations_tally``, ``conversation_tally_compact``)
and the list's ``totalElements`` read from it: always the exact count, whatever wrote the rows."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count

from conversations import services
from conversations.models import Conversation, ConversationTally
from conversations.selectors import conversations_tally
from mailboxes.services import mailbox_delete, mailbox_user_grant
from tests.api_helpers import client_for
from tests.factories import ConversationFactory, MailboxFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the tally is kept by PostgreSQL triggers; SQLite lists count rows"
)

STATES = ["draft", "published", "deleted"]


def counted() -> Counter:
    """``{(mailbox, status, state): n}`` by COUNT(*), the truth the tally must match."""
    return Counter(
        {
            (row["mailbox_id"], row["status"], row["state"]): row["n"]
            for row in Conversation.objects.order_by().values("mailbox_id", "status", "state").annotate(n=Count("id"))
        }
    )


def tallied() -> Counter:
    sums: Counter = Counter()
    for row in ConversationTally.objects.values("mailbox_id", "status", "state", "delta"):
        sums[row["mailbox_id"], row["status"], row["state"]] += row["delta"]
    return Counter({key: total for key, total in sums.items() if total})


def assert_exact() -> None:
    assert tallied() == counted()


@pytest.mark.django_db
def test_every_kind_of_write_is_counted(admin, mailbox):
    other = MailboxFactory()
    first = ConversationFactory(mailbox=mailbox)
    second = ConversationFactory(mailbox=mailbox, status="pending")
    third = ConversationFactory(mailbox=other, state="draft")
    assert_exact()
    services.conversation_change_status(conversation=first, status="closed", by_user=admin)
    services.conversation_move(conversation=second, mailbox=other, by_user=admin)
    services.conversation_delete(conversation=third, by_user=admin)
    assert_exact()
    services.conversation_restore(conversation=third, by_user=admin)
    services.conversation_delete_forever(conversation=first)
    # Past the services too: a bulk UPDATE and a plain save() are counted like any other write.
    Conversation.objects.filter(mailbox=other).update(status="spam")
    second.refresh_from_db()
    second.state = "deleted"
    second.save()
    assert_exact()
    # A change of other columns writes no tally row.
    rows = ConversationTally.objects.count()
    Conversation.objects.update(subject="Renamed")
    assert ConversationTally.objects.count() == rows
    mailbox_delete(mailbox=other)
    assert_exact()
    assert tallied() == Counter()


@pytest.mark.django_db
def test_compaction_keeps_the_sums_in_one_row_each(admin, mailbox):
    conversations = [ConversationFactory(mailbox=mailbox) for _ in range(4)]
    for conversation in conversations[:3]:
        services.conversation_change_status(conversation=conversation, status="pending", by_user=admin)
    services.conversation_change_status(conversation=conversations[0], status="active", by_user=admin)
    before = tallied()
    removed = services.conversation_tally_compact()
    assert removed >= 4 + 2 * 4
    assert tallied() == before == counted()
    assert ConversationTally.objects.count() == len(before)
    assert set(ConversationTally.objects.values_list("delta", flat=True)) == {2}
    # Compacting again changes nothing; a combination that nets to zero leaves no row.
    services.conversation_tally_compact()
    assert tallied() == before
    services.conversation_delete_forever(conversation=conversations[3])
    services.conversation_delete_forever(conversation=conversations[0])
    services.conversation_tally_compact()
    assert ConversationTally.objects.count() == 1
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_truncate_empties_the_tally():
    ConversationFactory(mailbox=MailboxFactory())
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE conversations_conversation CASCADE")
    assert tallied() == Counter() == counted()


@pytest.mark.django_db
def test_selector_sums_what_the_user_may_see(admin, agent, mailbox):
    other = MailboxFactory()
    mailbox_user_grant(mailbox=mailbox, user=agent)
    for status, state, box in [
        ("active", "published", mailbox),
        ("active", "draft", mailbox),
        ("active", "deleted", mailbox),
        ("closed", "published", mailbox),
        ("active", "published", other),
    ]:
        conversation = ConversationFactory(mailbox=box, state="draft" if state == "draft" else "published")
        if status != "active":
            services.conversation_change_status(conversation=conversation, status=status, by_user=admin)
        if state == "deleted":
            services.conversation_delete(conversation=conversation, by_user=admin)

    def total(user, **scope):
        return conversations_tally(
            user=user,
            mailbox_ids=scope.get("mailbox_ids"),
            statuses=scope.get("statuses"),
            states=scope.get("states"),
        )

    assert total(admin) == 5
    assert total(agent) == 4
    assert total(admin, statuses=["active"], states=["draft", "published"]) == 3
    assert total(agent, statuses=["active"], states=["draft", "published"]) == 2
    assert total(agent, mailbox_ids=[other.pk]) == 0
    assert total(admin, mailbox_ids=[mailbox.pk, other.pk], states=["deleted"]) == 1
    agent.status = agent.Status.DISABLED
    assert total(agent) == 0


LIST_PARAMS = [
    {},
    {"mailboxId": "M"},
    {"mailboxId": "M,O", "status": "all"},
    {"status": "closed,spam"},
    {"status": ""},
    {"state": "deleted"},
    {"state": "draft", "status": "all"},
    {"state": ""},
    {"mailboxId": "", "status": "pending"},
    {"mailboxId": "O", "state": "published", "page": "3", "pageSize": "1"},
    {"status": "all", "sortField": "updatedAt", "sortOrder": "asc", "pageSize": "2", "page": "2"},
    {"status": "all", "sortField": "waitingSince", "embed": "threads,tags,timelogs"},
    {"mailboxId": "M,O", "status": "all", "sortField": "mailboxId", "sortOrder": "ASC"},
    {"status": "all", "sortField": "number", "page": "9"},
    {"status": "all", "sortField": "subject"},
    # Errors, in the FilterSet's order.
    {"mailboxId": "x", "status": "bogus"},
    {"status": "bogus", "state": "bogus"},
    {"state": "bogus", "sortField": "bogus"},
    {"sortField": "bogus", "sortOrder": "bogus"},
    {"sortOrder": "sideways"},
    {"page": "0"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("params", LIST_PARAMS)
def test_tallied_listing_answers_as_the_filterset(admin, agent, mailbox, params):
    """The same parameters once answered by the tallied listing (the tally and one written-out statement)
    and once, with a filter that selects everything added, by the FilterSet and a COUNT: the same status
    and the same JSON, pages, errors and all, for an admin's key and a regular one."""
    other = MailboxFactory()
    mailbox_user_grant(mailbox=mailbox, user=agent)
    for index, status in enumerate(["active", "active", "pending", "closed", "spam", "active", "pending"]):
        box = mailbox if index % 3 else other
        conversation = ConversationFactory(mailbox=box, state="draft" if index == 5 else "published")
        if status != "active":
            services.conversation_change_status(conversation=conversation, status=status, by_user=admin)
        if index == 1:
            services.conversation_delete(conversation=conversation, by_user=admin)
    services.conversation_tally_compact()
    ConversationFactory(mailbox=mailbox)  # and a row written after the compaction
    names = {"M": str(mailbox.pk), "O": str(other.pk), "M,O": f"{mailbox.pk},{other.pk}"}
    params = {key: names.get(value, value) for key, value in params.items()}
    for user in (admin, agent):
        api = client_for(user)
        statements: list[str] = []

        def record(execute, sql, *args, statements=statements):
            statements.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(record):
            tallied = api.get("/api/conversations", params)
        counted = api.get("/api/conversations", {**params, "createdSince": "2000-01-01T00:00:00Z"})
        assert (tallied.status_code, tallied.json()) == (counted.status_code, counted.json())
        if tallied.status_code == 200 and params.get("sortField") != "subject":
            assert any("conversations_conversationtally" in sql for sql in statements)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_compaction_stay_exact(admin):
    """Four threads change the statuses of their own conversations, all in the same mailbox and so the
    same tally combinations, in many small transactions while a fifth compacts: nobody waits on a counter
    row (no deadlock, no serialisation error), and no count is lost or doubled."""
    mailbox = MailboxFactory()
    conversations = [ConversationFactory(mailbox=mailbox) for _ in range(8)]
    errors: list[BaseException] = []
    statuses = ["pending", "closed", "active", "spam"]

    def writer(offset: int) -> None:
        try:
            own = conversations[2 * offset : 2 * offset + 2]
            for round_ in range(10):
                with transaction.atomic():
                    for index, conversation in enumerate(own if round_ % 2 else own[::-1]):
                        status = statuses[(round_ + offset + index) % len(statuses)]
                        Conversation.objects.filter(pk=conversation.pk).update(status=status)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def compactor(stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                services.conversation_tally_compact()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    stop = threading.Event()
    compacting = threading.Thread(target=compactor, args=(stop,))
    compacting.start()
    writers = [threading.Thread(target=writer, args=(offset,)) for offset in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    stop.set()
    compacting.join(timeout=60)
    assert not errors, errors
    assert_exact()
    assert sum(tallied().values()) == 8
