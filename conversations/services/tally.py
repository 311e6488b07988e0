"""Upkeep of the conversation tally (``ConversationTally``); PostgreSQL's triggers write its rows."""

from collections import Counter

from django.db import connection, transaction

from conversations.models import ConversationTally


def conversation_tally_compact() -> int:
    """Folds the tally's +1/-1 rows into one row per (mailbox, status, state, assignee) with a non-zero sum and
    returns how many rows it removed. Exact under concurrent writes: one ``DELETE … RETURNING`` takes the
    rows it sums, so rows committed meanwhile are neither lost nor counted twice; readers see the rows
    before or after, both with the same sums."""
    table = connection.ops.quote_name(ConversationTally._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} RETURNING mailbox_id, status, state, assignee_id, delta")  # noqa: S608
        removed = cursor.fetchall()
        sums: Counter[tuple[int, str, str, int | None]] = Counter()
        for mailbox_id, status, state, assignee_id, delta in removed:
            sums[mailbox_id, status, state, assignee_id] += delta
        ConversationTally.objects.bulk_create(
            ConversationTally(mailbox_id=mailbox_id, status=status, state=state, assignee_id=assignee_id, delta=total)
            for (mailbox_id, status, state, assignee_id), total in sums.items()
            if total
        )
    return len(removed)
