"""Keeping the report facts and their hourly sums (``reports.models``) equal to what the threads say.

``figures_conversation_refresh`` is the one hook: the conversation services call it, in their transaction,
after every change to a conversation, its threads or its tags. It derives the conversation's facts again
(``reports.figures.facts_of``) and appends to ``HourlyFigure`` the difference between the new sums and the
ones it added last time, so a report read after the commit includes the change, and a conversation erased
for good takes its figures with it. ``figures_rebuild`` derives everything from scratch."""

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from conversations.models import Conversation, ConversationState, ConversationTag, Status, Thread
from helpdesk.models import User
from mailboxes.models import Mailbox
from mailboxes.selectors import mailbox_ids_accessible_by_each
from presence.selectors import online_status_of
from reports import rebuild
from reports.figures import Fact, facts_of
from reports.models import MEASURE_COLUMNS, MEASURES, FiguredConversation, Grain, HourlyFigure, LoadSample, ReportFact

# (grain, hour, mailbox, agent, channel, tag) -> {measure column: value}
Key = tuple[int, datetime, int, int, str, int]
Sums = dict[Key, Counter[str]]


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _sums(facts: Iterable[Fact], tag_ids: Iterable[int], sign: int = 1) -> Sums:
    sums: Sums = defaultdict(Counter)
    tags = list(tag_ids)
    for fact in facts:
        hour = hour_of(fact.at)
        count_column, seconds_column = MEASURES[fact.kind]
        keys = [
            (Grain.MAILBOX.value, hour, fact.mailbox_id, 0, "", 0),
            (Grain.AGENT.value, hour, fact.mailbox_id, fact.agent_id, "", 0),
            (Grain.CHANNEL.value, hour, fact.mailbox_id, 0, fact.channel, 0),
            *((Grain.TAG.value, hour, fact.mailbox_id, 0, "", tag_id) for tag_id in tags),
        ]
        for key in keys:
            sums[key][count_column] += sign
            if seconds_column is not None:
                sums[key][seconds_column] += sign * fact.seconds
    return sums


def _rows(sums: Sums) -> Iterator[HourlyFigure]:
    for (grain, hour, mailbox_id, agent_id, channel, tag_id), measures in sums.items():
        values = {column: measures.get(column, 0) for column in MEASURE_COLUMNS}
        if any(values.values()):
            yield HourlyFigure(
                grain=grain,
                hour=hour,
                mailbox_id=mailbox_id,
                agent_id=agent_id,
                channel=channel,
                tag_id=tag_id,
                **values,
            )


def _stored_facts(conversation_id: int) -> list[Fact]:
    return [
        Fact(row.kind, row.at, row.agent_id, row.mailbox_id, row.channel, row.seconds)
        for row in ReportFact.objects.filter(conversation_id=conversation_id)
    ]


def _fact_rows(conversation_id: int, facts: Iterable[Fact]) -> list[ReportFact]:
    return [
        ReportFact(
            conversation_id=conversation_id,
            kind=f.kind,
            at=f.at,
            agent_id=f.agent_id,
            mailbox_id=f.mailbox_id,
            channel=f.channel,
            seconds=f.seconds,
        )
        for f in facts
    ]


def _normalised(facts: Iterable[Fact]) -> Counter[Fact]:
    return Counter(Fact(f.kind, f.at.astimezone(UTC), f.agent_id, f.mailbox_id, f.channel, f.seconds) for f in facts)


# No savepoint: a refresh that fails is a bug its caller does not recover from, and the callers are the
# services, inside their own transaction (two statements a change saved).
@transaction.atomic(savepoint=False)
def figures_conversation_refresh(*, conversation_id: int, locked: Conversation | None = None) -> None:
    """Brings the conversation's facts and hourly sums up to date (nothing when they are). ``locked``: the
    conversation as its caller has it, its row locked by the caller's transaction and its columns current
    (saved), so it is not read again."""
    # The locks first, the reads after: a concurrent refresh (a tag added while a reply is written) waits,
    # then reads what the other committed rather than writing facts derived before it. The conversation's
    # row first, as the services lock it: a tag's foreign key is checked at commit (deferred), so a refresh
    # that took only its own lock would wait there on a reply holding the row and waiting on that lock.
    if locked is not None:
        conversation: Conversation | None = locked
    else:
        conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    figured = FiguredConversation.objects.select_for_update().filter(conversation_id=conversation_id).first()
    if conversation is None:
        new_facts: list[Fact] = []
        new_tags: list[int] = []
    else:
        new_facts = facts_of(conversation, Thread.objects.filter(conversation_id=conversation_id))
        new_tags = sorted(
            ConversationTag.objects.filter(conversation_id=conversation_id).values_list("tag_id", flat=True)
        )
    old_tags = list(figured.tag_ids) if figured else []
    old_facts = _stored_facts(conversation_id)
    if old_tags == new_tags and _normalised(old_facts) == _normalised(new_facts):
        return
    delta = _sums(new_facts, new_tags)
    for key, measures in _sums(old_facts, old_tags, sign=-1).items():
        delta[key].update(measures)
    HourlyFigure.objects.bulk_create(_rows(delta))
    ReportFact.objects.filter(conversation_id=conversation_id).delete()
    ReportFact.objects.bulk_create(_fact_rows(conversation_id, new_facts))
    # The row was read under its lock above, so whether it exists is known: no update_or_create (a savepoint,
    # a second read).
    if conversation is None:
        if figured is not None:
            FiguredConversation.objects.filter(conversation_id=conversation_id).delete()
    elif figured is None:
        FiguredConversation.objects.create(conversation_id=conversation_id, tag_ids=new_tags)
    elif old_tags != new_tags:
        FiguredConversation.objects.filter(conversation_id=conversation_id).update(tag_ids=new_tags)


def figures_conversation_created(*, conversation: Conversation, threads: Sequence[Thread]) -> None:
    """``figures_conversation_refresh`` for a conversation its caller's transaction has just inserted, with
    ``threads`` (all of its threads) and no tags: no other transaction can see it and nothing is stored for
    it yet, so nothing is locked or read. Call it once the conversation's columns are final."""
    facts = facts_of(conversation, threads)
    if not facts:
        return
    HourlyFigure.objects.bulk_create(_rows(_sums(facts, [])))
    ReportFact.objects.bulk_create(_fact_rows(conversation.pk, facts))
    FiguredConversation.objects.create(conversation_id=conversation.pk, tag_ids=[])


@transaction.atomic
def figures_tag_delete(*, tag_id: int) -> None:
    """Before a tag is deleted: takes its sums away and forgets it on the conversations that carried it (the
    deletion removes their ``ConversationTag`` rows without a refresh of each)."""
    # Locked in ascending order, chunk after chunk: two tags deleted at once over conversations they share
    # wait for each other rather than deadlock.
    tagged = ConversationTag.objects.filter(tag_id=tag_id).order_by("conversation_id")
    conversation_ids = list(tagged.values_list("conversation_id", flat=True))
    for start in range(0, len(conversation_ids), BATCH):
        chunk = conversation_ids[start : start + BATCH]
        figured_rows = FiguredConversation.objects.select_for_update().filter(conversation_id__in=chunk)
        for figured in figured_rows.order_by("conversation_id"):
            figured.tag_ids = [t for t in figured.tag_ids if t != tag_id]
            figured.save(update_fields=["tag_ids"])
    # After the locks: a refresh of one of these conversations that was adding its tag sums meanwhile has
    # committed by now, and its rows go too (deleted first, they would have outlived the tag).
    HourlyFigure.objects.filter(grain=Grain.TAG, tag_id=tag_id).delete()


BATCH = 2000


def figures_rebuild(*, log: Callable[[str], None] | None = None) -> int:
    """Derives every fact and hourly sum again from the threads, in place of what is stored; returns the
    number of conversations read. Run it with writers stopped (it replaces the tables in one transaction).
    Set-based (``reports.rebuild``): a handful of statements whatever the number of conversations."""
    tables: list[type[HourlyFigure] | type[ReportFact] | type[FiguredConversation]] = [
        HourlyFigure,
        ReportFact,
        FiguredConversation,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each statement reads every conversation: no request's limit (DATABASE_STATEMENT_TIMEOUT_MS)
            # applies to it (at 1M conversations the facts take minutes).
            cursor.execute("SET LOCAL statement_timeout = 0")
            # No dead rows left behind for the vacuum.
            cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t._meta.db_table) for t in tables)}")
        else:
            for model in tables:
                model.objects.all().delete()
        steps = [
            ("facts", rebuild.facts_insert(connection)),
            ("conversations' tags", rebuild.figured_insert(connection)),
            *(("hourly sums", statement) for statement in rebuild.hourly_inserts(connection)),
        ]
        for name, statement in steps:
            started = time.monotonic()
            cursor.execute(statement, rebuild.PARAMS)
            if log:
                log(f"{name}: {cursor.rowcount} rows in {time.monotonic() - started:.1f} s")
        done = Conversation.objects.count()
    return done


def figures_compact() -> int:
    """Folds ``HourlyFigure``'s delta rows into one row per key with a non-zero sum; returns how many rows it
    removed (a key with one row keeps it, even a zero one: harmless, and gone after a rebuild). Exact under
    concurrent writers, as ``conversation_tally_compact``: one ``DELETE … RETURNING`` takes the rows it sums."""
    table = connection.ops.quote_name(HourlyFigure._meta.db_table)
    keys = ("grain", "hour", "mailbox_id", "agent_id", "channel", "tag_id")
    with transaction.atomic(), connection.cursor() as cursor:
        # Only the keys with more than one row: the others are folded already, and rewriting them every run
        # would leave the whole table as dead rows for the vacuum.
        key_list = ", ".join(keys)
        cursor.execute(
            f"DELETE FROM {table} WHERE ({key_list}) IN "  # noqa: S608
            f"(SELECT {key_list} FROM {table} GROUP BY {key_list} HAVING COUNT(*) > 1) "
            f"RETURNING {', '.join(keys + MEASURE_COLUMNS)}"
        )
        removed = cursor.fetchall()
        sums: Sums = defaultdict(Counter)
        for row in removed:
            hour = row[1]
            if isinstance(hour, str):  # SQLite hands datetimes back as text
                hour = datetime.fromisoformat(hour)
            if hour.tzinfo is None:
                hour = hour.replace(tzinfo=UTC)
            key = (row[0], hour, row[2], row[3], row[4], row[5])
            sums[key].update(dict(zip(MEASURE_COLUMNS, row[len(keys) :], strict=True)))
        HourlyFigure.objects.bulk_create(_rows(sums), batch_size=BATCH)
    return len(removed)


@transaction.atomic
def load_sample(*, now: datetime | None = None) -> int:
    """Records the tickets load now (``LoadSample``): per mailbox, its queue (active conversations without an
    assignee), its work in progress (active ones with one) and its online agents offering messages; and per
    agent with access, that agent's share. Returns the number of rows written."""
    at = now or timezone.now()
    active = Conversation.objects.filter(status=Status.ACTIVE, state=ConversationState.PUBLISHED)
    per_mailbox = {
        row["mailbox_id"]: row
        for row in active.values("mailbox_id")
        .order_by()
        .annotate(
            queue=Count("pk", filter=Q(assignee__isnull=True)), service=Count("pk", filter=Q(assignee__isnull=False))
        )
    }
    per_agent = {
        (row["mailbox_id"], row["assignee_id"]): row["n"]
        for row in active.filter(assignee__isnull=False)
        .values("mailbox_id", "assignee_id")
        .order_by()
        .annotate(n=Count("pk"))
    }
    agents = list(User.objects.filter(status=User.Status.ACTIVE))
    online = online_status_of(users=agents, now=at)
    mailboxes = list(Mailbox.objects.all())
    accessible = mailbox_ids_accessible_by_each(users=agents, mailbox_ids=[m.pk for m in mailboxes])
    samples = []
    for mailbox in mailboxes:
        serving = [a for a in agents if "M" in online.get(a.pk, "F") and mailbox.pk in accessible[a.pk]]
        row = per_mailbox.get(mailbox.pk, {})
        samples.append(
            LoadSample(
                at=at,
                mailbox_id=mailbox.pk,
                queue=row.get("queue", 0),
                service=row.get("service", 0),
                slots=len(serving),
            )
        )
        for agent in agents:
            service = per_agent.get((mailbox.pk, agent.pk), 0)
            if service or agent in serving:
                samples.append(
                    LoadSample(
                        at=at, mailbox_id=mailbox.pk, agent_id=agent.pk, service=service, slots=int(agent in serving)
                    )
                )
    LoadSample.objects.bulk_create(samples)
    return len(samples)
