"""Timestamps read by psycopg's compiled parser on PostgreSQL (``helpdesk.postgresql``); written-out reads
(``helpdesk.db``): ``rows_by_ids``, ``values_from_rows`` and ``instances_from_rows`` on either database; the
PostgreSQL backend's health check (``helpdesk.postgresql``)."""

import datetime
import math
import select

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation
from helpdesk.db import IdsRead, instances_from_rows, model_columns, read_rows_by_ids, rows_by_ids, values_from_rows
from helpdesk.models import ApiKey, User
from helpdesk.services import api_key_create
from tests.factories import ConversationFactory


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders exist on PostgreSQL only")
def test_timestamps_are_read_by_the_compiled_parser(mailbox):
    import psycopg
    from psycopg.pq import Format

    moment = datetime.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=datetime.UTC)
    conversation = ConversationFactory(mailbox=mailbox, created_at=moment)
    oid = psycopg.adapters.types["timestamptz"].oid
    with connection.cursor() as cursor:
        # psycopg's own (compiled) loader, not Django's.
        assert cursor.cursor.adapters.get_loader(oid, Format.TEXT) is psycopg.adapters.get_loader(oid, Format.TEXT)
    with connection.chunked_cursor() as cursor:
        # A named (server-side) cursor keeps Django's loader, whose time zone Django checks.
        assert cursor.cursor.adapters.get_loader(oid, Format.TEXT).timezone is datetime.UTC
    loaded = Conversation.objects.values_list("created_at", flat=True).get(pk=conversation.pk)
    assert loaded == moment
    assert loaded.tzinfo is datetime.UTC
    assert Conversation.objects.filter(created_at=moment).count() == 1
    with transaction.atomic():
        # Through a server-side cursor (``iterator``), the same value.
        assert list(Conversation.objects.values_list("created_at", flat=True).iterator(chunk_size=10)) == [moment]


@pytest.mark.django_db
def test_rows_by_ids_reads_several_sets_of_ids_in_one_statement(mailbox):
    conversations = [ConversationFactory(mailbox=mailbox, subject=f"Subject é {n}") for n in range(3)]
    Conversation.objects.filter(pk=conversations[1].pk).update(cc=["cc1@example.com"])
    by_id = IdsRead("c.id, c.subject, CAST(c.cc AS TEXT)", "FROM conversations_conversation c WHERE c.id {ids}")
    by_mailbox = IdsRead("c.id", "FROM conversations_conversation c WHERE c.mailbox_id {ids}")
    with CaptureQueriesContext(connection) as queries:
        found = rows_by_ids(
            some=(by_id, {conversations[1].pk, conversations[2].pk, 10**18}),
            all=(by_mailbox, [mailbox.pk]),
            none=(by_id, []),
        )
    assert len(queries) == 1
    rows = sorted(found["some"])
    assert [row[:2] for row in rows] == [[c.pk, c.subject] for c in conversations[1:]]
    # A JSON column comes as its text, which the ORM's converters decode.
    assert values_from_rows(rows, Conversation, ("id", "subject", "cc"))[0][2] == ["cc1@example.com"]
    assert sorted(found["all"]) == [[c.pk] for c in conversations]
    assert found["none"] == []
    with CaptureQueriesContext(connection) as queries:
        assert rows_by_ids(nothing=(by_id, set())) == {"nothing": []}
    assert len(queries) == 0


@pytest.mark.django_db
def test_read_rows_by_ids_reads_the_rows_of_any_number_of_ids_in_one_statement(mailbox):
    conversations = [ConversationFactory(mailbox=mailbox) for _ in range(3)]
    sql = "SELECT c.id, c.mailbox_id FROM conversations_conversation c WHERE c.id {ids} ORDER BY c.id"
    with CaptureQueriesContext(connection) as queries:
        assert read_rows_by_ids(sql, [conversations[2].pk, 10**18]) == [(conversations[2].pk, mailbox.pk)]
        assert read_rows_by_ids(sql, (c.pk for c in conversations)) == [(c.pk, mailbox.pk) for c in conversations]
        assert read_rows_by_ids(sql, []) == []
    assert len(queries) == 3


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
    """What Django does as one request ends and the next starts (the test client skips it), on a
    connection younger than ``CONN_MAX_AGE`` (the session's may be older: that would close it too)."""
    connection.close_at = None
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


def test_json_is_read_by_orjson_and_what_it_refuses_by_django():
    rows = [[1, '["a@example.com", {"b": 1.5}]'], [2, "[NaN]"], [3, f"[{2**64}]"], [4, "not JSON"], [5, None]]
    values = values_from_rows(rows, Conversation, ("id", "cc"))
    assert values[0] == [1, ["a@example.com", {"b": 1.5}]]
    assert math.isnan(values[1][1][0])
    assert values[2:] == [[3, [2**64]], [4, "not JSON"], [5, None]]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_hot_reads_are_prepared_with_a_generic_plan_and_django_statements_are_not(admin_api, mailbox):
    ConversationFactory(mailbox=mailbox)
    for _ in range(7):
        assert admin_api.get(f"/api/conversations?mailboxId={mailbox.pk}&status=active").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    # The key lookup, the page with its total, the related rows: prepared at their fifth run, never planned
    # again; nothing the ORM ran is among them.
    assert len(prepared) == 3, prepared
    assert {(generic > 0, custom) for _, generic, custom in prepared} == {(True, 0)}
    reads = ("FROM helpdesk_apikey k", "FROM conversations_conversationtally", "json_agg(")
    assert sorted(next(read for read in reads if read in statement) for statement, _, _ in prepared) == sorted(reads)


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_without_the_requests_statement_timeout():
    """A migration filling a column on a large database runs for minutes; the requests' 30 s limit would roll
    it back every time."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statement_timeout")
    from django.core.management import call_command

    def timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    # A fresh session: the one this test process created the test database with ran the migrations already.
    connection.close()
    assert timeout() == "30s"
    try:
        call_command("migrate", verbosity=0)
        assert timeout() == "0"
    finally:
        connection.close()  # the next test's session starts with the configured limit again
