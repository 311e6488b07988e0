"""Connection set-up and written-out reads (``helpdesk.db``): timestamps read by psycopg's compiled parser
on PostgreSQL; ``rows_by_ids``, ``values_from_rows`` and ``instances_from_rows`` on either database; the
PostgreSQL backend's health check (``helpdesk.postgresql``)."""

import datetime
import select

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from conversations.models import Conversation
from helpdesk.db import instances_from_rows, model_columns, rows_by_ids, values_from_rows
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create
from tests.factories import ConversationFactory


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders exist on PostgreSQL only")
def test_timestamps_are_read_by_the_compiled_parser(mailbox):
    import psycopg
    from psycopg.pq import Format

    from helpdesk.db import UtcTimestamptzLoader

    moment = datetime.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=datetime.UTC)
    conversation = ConversationFactory(mailbox=mailbox, created_at=moment)
    with connection.cursor() as cursor:
        oid = psycopg.adapters.types["timestamptz"].oid
        # Django's backend would put its own loader on a cursor whose connection's loader disagreed.
        assert cursor.cursor.adapters.get_loader(oid, Format.TEXT) is UtcTimestamptzLoader
    loaded = Conversation.objects.values_list("created_at", flat=True).get(pk=conversation.pk)
    assert loaded == moment
    assert loaded.tzinfo is datetime.UTC
    assert Conversation.objects.filter(created_at=moment).count() == 1


@pytest.mark.django_db
def test_rows_by_ids_takes_any_number_of_ids(mailbox):
    conversations = [ConversationFactory(mailbox=mailbox) for _ in range(3)]
    sql = "SELECT id, subject FROM conversations_conversation WHERE id {ids} ORDER BY id"
    assert rows_by_ids(sql, ids=[c.pk for c in conversations]) == [(c.pk, c.subject) for c in conversations]
    assert rows_by_ids(sql, ids={conversations[1].pk, 10**18}) == [(conversations[1].pk, conversations[1].subject)]
    assert rows_by_ids(sql, ids=[]) == []
    # Several lists, each where its name stands.
    two = "SELECT id FROM conversations_conversation WHERE id {last} OR (id {first} AND id {last}) ORDER BY id"
    assert rows_by_ids(two, first=[conversations[0].pk], last=[conversations[2].pk]) == [(conversations[2].pk,)]


@pytest.mark.django_db
def test_written_out_reads_give_what_the_orm_gives(mailbox, admin):
    """``values_from_rows`` and ``instances_from_rows`` convert as the ORM does, on either database: JSON
    decoded, dates parsed (SQLite returns text), and instances equal field for field."""
    conversation = ConversationFactory(mailbox=mailbox)
    Conversation.objects.filter(pk=conversation.pk).update(cc=["a@example.com"])
    columns = ("id", "cc", "bcc", "created_at", "closed_at", "assignee_id", "status")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {model_columns(Conversation, 'c', columns)} FROM conversations_conversation c WHERE c.id = %s",
            [conversation.pk],
        )
        written_out = values_from_rows(cursor.fetchall(), Conversation, columns)
    assert written_out == [list(Conversation.objects.values_list(*columns).get(pk=conversation.pk))]
    assert written_out[0][1] == ["a@example.com"]

    api_key_create(user=admin, name="test")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {model_columns(ApiKey, 'k')}, {model_columns(User, 'u')} FROM helpdesk_apikey k"
            " JOIN helpdesk_user u ON u.id = k.user_id"
        )
        ((key, user),) = instances_from_rows(cursor.fetchall(), ApiKey, User)
    expected_key = ApiKey.objects.select_related("user").get()
    assert (key, user) == (expected_key, expected_key.user)
    for fields, instance, expected in ((ApiKey, key, expected_key), (User, user, expected_key.user)):
        names = [field.attname for field in fields._meta.concrete_fields]
        assert [getattr(instance, name) for name in names] == [getattr(expected, name) for name in names]
        assert not instance._state.adding


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _between_requests() -> None:
    """What Django does as one request ends and the next starts (the test client skips it)."""
    connection.close_if_unusable_or_obsolete()
    connection.close_if_unusable_or_obsolete()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="helpdesk.postgresql is the PostgreSQL backend")
def test_a_busy_connection_is_checked_without_a_query_and_a_closed_one_replaced(monkeypatch):
    assert connection.health_check_enabled
    pid = _backend_pid()
    _between_requests()
    monkeypatch.setattr(connection, "is_usable", lambda: pytest.fail("a query checked a busy connection"))
    assert _backend_pid() == pid

    # The server ends the connection between two requests: the next request gets a new one, no error.
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    socket = connection.connection.fileno()
    assert select.select([socket], [], [], 5)[0], "the server did not close the connection"
    _between_requests()
    assert _backend_pid() != pid


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="helpdesk.postgresql is the PostgreSQL backend")
def test_a_connection_idle_for_longer_is_checked_with_a_query(monkeypatch):
    pid = _backend_pid()
    _between_requests()
    connection.used_at -= connection.QUERY_CHECK_AFTER_IDLE + 1
    checks = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or is_usable())
    assert _backend_pid() == pid
    assert checks == [1]
