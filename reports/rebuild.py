"""``figures_rebuild``'s statements: every report fact, every hourly sum and every conversation's figured tags
derived from scratch in a few set-based ``INSERT … SELECT``s, on PostgreSQL and SQLite alike.

The facts are ``reports.figures.facts_of`` written in SQL over all conversations at once (the incremental
refresh keeps using ``facts_of``; tests hold the two equal). ``facts_of`` walks a conversation's non-draft
threads in ``(created_at, id)`` order keeping a little state; each piece of it is a window here:

- whether an answer is the conversation's first: the running count of answers (``answer_no``);
- the wait a later answer ends: the earliest customer message after the previous answer, i.e. among the
  customer messages with ``answer_no`` one less than the answer's (an agent-started conversation counts as
  answered from the start, so its first answer may end a wait too; a customer-started one's first answer is
  its new answer instead);
- the first assignment: the first thread with an assignee (a running count of them equal to 1);
- a resolution: a thread that leaves the conversation closed when the previous status-changing thread (or
  the initial active) did not; the first of them is the first resolve.

Seconds are whole, truncated, never negative, as ``facts_of``'s ``_seconds``."""

from django.db.backends.base.base import BaseDatabaseWrapper

from conversations.models import (
    Conversation,
    ConversationState,
    ConversationTag,
    ConversationType,
    SourceType,
    SourceVia,
    Status,
    Thread,
    ThreadState,
    ThreadStatus,
    ThreadType,
)
from reports.models import (
    MEASURE_COLUMNS,
    MEASURES,
    Channel,
    FactKind,
    FiguredConversation,
    Grain,
    HourlyFigure,
    ReportFact,
)

# What a thread is to the facts (``what`` below): nothing, a customer message, an agent's answer, a note.
_OTHER, _INCOMING, _ANSWER, _NOTE = 0, 1, 2, 3


def _table(model: type) -> str:
    return model._meta.db_table  # type: ignore[attr-defined]


def _seconds(connection: BaseDatabaseWrapper, start: str, end: str) -> str:
    """Whole seconds from ``start`` to ``end`` (SQL expressions), truncated, at least 0."""
    if connection.vendor == "postgresql":
        return f"GREATEST(0, FLOOR(EXTRACT(EPOCH FROM ({end} - {start}))))::bigint"
    # Django's own SQLite function behind datetime subtraction: microseconds, exact.
    return f"MAX(0, django_timestamp_diff({end}, {start}) / 1000000)"


def _hour(connection: BaseDatabaseWrapper, at: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('hour', {at}, 'UTC')"
    return f"strftime('%%Y-%%m-%%d %%H:00:00', {at})"  # SQLite keeps UTC text, as Django writes it


# Literals of the code's own enums (never input), by name, for the statements' named parameters.
PARAMS: dict[str, str | int] = {
    "published": ConversationState.PUBLISHED.value,
    "spam": Status.SPAM.value,
    "draft": ThreadState.DRAFT.value,
    "thread_published": ThreadState.PUBLISHED.value,
    "customer_type": ThreadType.CUSTOMER.value,
    "message_type": ThreadType.MESSAGE.value,
    "chat_type": ThreadType.CHAT.value,
    "note_type": ThreadType.NOTE.value,
    "from_customer": SourceVia.CUSTOMER.value,
    "nochange": ThreadStatus.NOCHANGE.value,
    "closed": ThreadStatus.CLOSED.value,
    "active": ThreadStatus.ACTIVE.value,
    "chat": ConversationType.CHAT.value,
    "phone": ConversationType.PHONE.value,
    "web": SourceType.WEB.value,
    "channel_chat": Channel.CHAT.value,
    "channel_phone": Channel.PHONE.value,
    "channel_form": Channel.WEB_FORM.value,
    "channel_email": Channel.EMAIL.value,
    **{f"kind_{kind.name.lower()}": kind.value for kind in FactKind},
}
assert set(Thread.MESSAGE_TYPES) == {ThreadType.CUSTOMER, ThreadType.MESSAGE, ThreadType.CHAT}


def facts_insert(connection: BaseDatabaseWrapper) -> str:
    """Inserts every conversation's facts into an empty ``ReportFact``."""
    seconds = _seconds
    threads, conversations = _table(Thread), _table(Conversation)
    counted = "c.state = %(published)s AND c.status <> %(spam)s"
    return f"""
WITH th AS (
    SELECT t.id, t.conversation_id AS cid, t.created_at AS at, t.created_by_user_id AS author,
        t.assigned_to_id AS assignee, t.status AS status,
        CASE WHEN t.state = %(thread_published)s
                AND t.type IN (%(customer_type)s, %(message_type)s, %(chat_type)s)
            THEN CASE WHEN t.source_via = %(from_customer)s THEN {_INCOMING} ELSE {_ANSWER} END
            WHEN t.state = %(thread_published)s AND t.type = %(note_type)s THEN {_NOTE}
            ELSE {_OTHER} END AS what,
        c.mailbox_id, c.created_at AS started, c.created_by_user_id AS creator, {_channel("c")} AS channel
    FROM {threads} t JOIN {conversations} c ON c.id = t.conversation_id
    WHERE {counted} AND t.state <> %(draft)s
), seq AS (
    SELECT th.*,
        SUM(CASE WHEN what = {_ANSWER} THEN 1 ELSE 0 END) OVER w AS answer_no,
        SUM(CASE WHEN assignee IS NOT NULL THEN 1 ELSE 0 END) OVER w AS assigned_no
    FROM th WINDOW w AS (PARTITION BY cid ORDER BY at, id ROWS UNBOUNDED PRECEDING)
), resolves AS (
    SELECT cid, at, author, mailbox_id, channel, started,
        ROW_NUMBER() OVER (PARTITION BY cid ORDER BY at, id) AS resolve_no
    FROM (
        SELECT cid, id, at, author, mailbox_id, channel, started, status,
            LAG(status, 1, %(active)s) OVER (PARTITION BY cid ORDER BY at, id) AS before
        FROM th WHERE status <> %(nochange)s
    ) changes
    WHERE status = %(closed)s AND before <> %(closed)s
), waits AS (
    SELECT cid, answer_no, MIN(at) AS since FROM seq WHERE what = {_INCOMING} GROUP BY cid, answer_no
)
INSERT INTO {_table(ReportFact)} (conversation_id, kind, at, agent_id, mailbox_id, channel, seconds)
SELECT c.id, %(kind_created)s, c.created_at, COALESCE(c.created_by_user_id, 0), c.mailbox_id, {_channel("c")}, 0
    FROM {conversations} c WHERE {counted}
UNION ALL SELECT cid, %(kind_incoming)s, at, 0, mailbox_id, channel, 0 FROM seq WHERE what = {_INCOMING}
UNION ALL SELECT cid, %(kind_answer)s, at, COALESCE(author, 0), mailbox_id, channel, 0 FROM seq WHERE what = {_ANSWER}
UNION ALL SELECT cid, %(kind_new_answer)s, at, COALESCE(author, 0), mailbox_id, channel,
        {seconds(connection, "started", "at")}
    FROM seq WHERE what = {_ANSWER} AND answer_no = 1 AND creator IS NULL
UNION ALL SELECT s.cid, %(kind_next_answer)s, s.at, COALESCE(s.author, 0), s.mailbox_id, s.channel,
        {seconds(connection, "w.since", "s.at")}
    FROM seq s JOIN waits w ON w.cid = s.cid AND w.answer_no = s.answer_no - 1
    WHERE s.what = {_ANSWER} AND (s.answer_no > 1 OR s.creator IS NOT NULL)
UNION ALL SELECT cid, %(kind_note)s, at, COALESCE(author, 0), mailbox_id, channel, 0 FROM seq WHERE what = {_NOTE}
UNION ALL SELECT cid, %(kind_first_assign)s, at, assignee, mailbox_id, channel, {seconds(connection, "started", "at")}
    FROM seq WHERE assignee IS NOT NULL AND assigned_no = 1
UNION ALL SELECT cid, %(kind_resolved)s, at, COALESCE(author, 0), mailbox_id, channel, 0 FROM resolves
UNION ALL SELECT cid, %(kind_first_resolve)s, at, COALESCE(author, 0), mailbox_id, channel,
        {seconds(connection, "started", "at")}
    FROM resolves WHERE resolve_no = 1
"""  # noqa: S608 (table names from the models, values as parameters)


def _channel(alias: str) -> str:
    """``reports.figures.channel_of`` of the conversation ``alias``."""
    return (
        f"CASE WHEN {alias}.type = %(chat)s THEN %(channel_chat)s WHEN {alias}.type = %(phone)s THEN %(channel_phone)s"
        f" WHEN {alias}.source_type = %(web)s AND {alias}.source_via = %(from_customer)s THEN %(channel_form)s"
        " ELSE %(channel_email)s END"
    )


def fact_sums(alias: str) -> list[str]:
    """SQL sums of the facts ``alias`` into each of ``MEASURE_COLUMNS``, in its order."""
    sums = []
    for kind, (_, seconds_column) in MEASURES.items():
        sums.append(f"SUM(CASE WHEN {alias}.kind = {int(kind)} THEN 1 ELSE 0 END)")
        if seconds_column is not None:
            sums.append(f"SUM(CASE WHEN {alias}.kind = {int(kind)} THEN {alias}.seconds ELSE 0 END)")
    return sums


def hourly_inserts(connection: BaseDatabaseWrapper) -> list[str]:
    """Insert into an empty ``HourlyFigure`` the sums of ``ReportFact`` per UTC hour, one statement a grain."""
    columns, measures = list(MEASURE_COLUMNS), fact_sums("f")
    hour = _hour(connection, "f.at")
    tags = _table(ConversationTag)
    # grain -> (agent, channel, tag) expressions, the join for the tags
    grains = {
        Grain.MAILBOX: ("0", "''", "0", ""),
        Grain.AGENT: ("f.agent_id", "''", "0", ""),
        Grain.CHANNEL: ("0", "f.channel", "0", ""),
        Grain.TAG: ("0", "''", "ct.tag_id", f"JOIN {tags} ct ON ct.conversation_id = f.conversation_id"),
    }
    statements = []
    for grain, (agent, channel, tag, join) in grains.items():
        # A constant in GROUP BY would be read as a column's position.
        keys = [hour, "f.mailbox_id", *(e for e in (agent, channel, tag) if e.startswith(("f.", "ct.")))]
        statements.append(
            f"INSERT INTO {_table(HourlyFigure)} "  # noqa: S608 (names from the models)
            f"(grain, hour, mailbox_id, agent_id, channel, tag_id, {', '.join(columns)}) "
            f"SELECT {int(grain)}, {hour}, f.mailbox_id, {agent}, {channel}, {tag}, {', '.join(measures)} "
            f"FROM {_table(ReportFact)} f {join} GROUP BY {', '.join(keys)}"
        )
    return statements


def figured_insert(connection: BaseDatabaseWrapper) -> str:
    """Inserts every conversation's tags, ascending, into an empty ``FiguredConversation``."""
    of_c = f"FROM {_table(ConversationTag)} ct WHERE ct.conversation_id = c.id"
    if connection.vendor == "postgresql":
        listed = f"COALESCE((SELECT jsonb_agg(ct.tag_id ORDER BY ct.tag_id) {of_c}), '[]'::jsonb)"
    else:  # SQLite aggregates in the order its subquery reads
        listed = f"(SELECT json_group_array(tag_id) FROM (SELECT ct.tag_id {of_c} ORDER BY ct.tag_id))"  # noqa: S608
    return (
        f"INSERT INTO {_table(FiguredConversation)} (conversation_id, tag_ids) "  # noqa: S608 (names from the models)
        f"SELECT c.id, {listed} FROM {_table(Conversation)} c"
    )
