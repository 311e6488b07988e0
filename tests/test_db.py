"""Connection set-up (``helpdesk.db``): timestamps read by psycopg's compiled parser on PostgreSQL, and
``rows_by_ids`` on either database."""

import datetime

import pytest
from django.db import connection

from conversations.models import Conversation
from helpdesk.db import rows_by_ids
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
    assert rows_by_ids(sql, [c.pk for c in conversations]) == [(c.pk, c.subject) for c in conversations]
    assert rows_by_ids(sql, {conversations[1].pk, 10**18}) == [(conversations[1].pk, conversations[1].subject)]
    assert rows_by_ids(sql, []) == []
