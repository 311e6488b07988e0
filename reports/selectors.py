"""Report figures over any range, exact to the microsecond: whole UTC hours are read from ``HourlyFigure``,
the parts of the range before the first and after the last whole hour from ``ReportFact`` (reference §4.5).

A range is half-open, ``[start, end)``, in aware datetimes. Figures are a ``Counter`` of the measure columns
(``reports.models.MEASURE_COLUMNS``); ``average`` turns a count and its seconds into whole seconds.

- ``figures_by(*, grain, start, end, mailbox_ids=None)``: ``{key: Figures}`` keyed by agent id (0 = none),
  mailbox id, channel or tag id, as the grain says.
- ``figures_series(*, buckets, mailbox_ids=None)``: one ``Figures`` per ``(start, end)`` bucket, in order.
- ``bucket_bounds(*, start, end, group_by, zone, first, count)``: the buckets of a range in a time zone.
- ``new_answer_counts(*, start, end, limits, mailbox_ids=None)``: first answers by how long they took.
"""

import bisect
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum

from conversations.models import ConversationTag
from reports.models import MEASURE_COLUMNS, MEASURES, FactKind, Grain, HourlyFigure, LoadSample, ReportFact
from reports.rebuild import fact_sums

Figures = Counter[str]
GroupBy = Literal["hour", "day", "week", "month"]
HOUR = timedelta(hours=1)
# Beyond this many pieces of a range read from the facts, one query over the span they cover is cheaper.
_MANY_INTERVALS = 20

_KEY_COLUMN = {Grain.MAILBOX: "mailbox_id", Grain.AGENT: "agent_id", Grain.CHANNEL: "channel", Grain.TAG: "tag_id"}


def average(figures: Figures, count_column: str, seconds_column: str) -> int:
    """Whole seconds, rounded half up; 0 without any."""
    count, seconds = figures[count_column], figures[seconds_column]
    return (2 * seconds + count) // (2 * count) if count > 0 else 0


def _hour_floor(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hour_ceil(at: datetime) -> datetime:
    floor = _hour_floor(at)
    return floor if floor == at else floor + HOUR


def _whole_hours(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    try:
        first, last = _hour_ceil(start), _hour_floor(end)
    except OverflowError:
        return None
    return (first, last) if first < last else None


def _mailbox_filter(mailbox_ids: Collection[int] | None) -> Q:
    return Q(mailbox_id__in=list(mailbox_ids)) if mailbox_ids is not None else Q()


def _facts(intervals: Sequence[tuple[datetime, datetime]], mailbox_ids: Collection[int] | None) -> list[ReportFact]:
    intervals = [(s, e) for s, e in intervals if s < e]
    if not intervals:
        return []
    fields = ("conversation_id", "kind", "at", "agent_id", "mailbox_id", "channel", "seconds")
    base = ReportFact.objects.filter(_mailbox_filter(mailbox_ids)).only(*fields)
    if len(intervals) > _MANY_INTERVALS:
        span = base.filter(at__gte=min(s for s, _ in intervals), at__lt=max(e for _, e in intervals))
        starts = sorted(intervals)
        keys = [s for s, _ in starts]
        found = []
        for fact in span:
            index = bisect.bisect_right(keys, fact.at) - 1
            if index >= 0 and fact.at < starts[index][1]:
                found.append(fact)
        return found
    where = Q()
    for s, e in intervals:
        where |= Q(at__gte=s, at__lt=e)
    return list(base.filter(where))


def _add_fact(figures: Figures, fact: ReportFact) -> None:
    count_column, seconds_column = MEASURES[fact.kind]
    figures[count_column] += 1
    if seconds_column is not None:
        figures[seconds_column] += fact.seconds


def _tags_of(facts: Iterable[ReportFact]) -> dict[int, list[int]]:
    ids = {fact.conversation_id for fact in facts}
    tags: dict[int, list[int]] = defaultdict(list)
    for conversation_id, tag_id in ConversationTag.objects.filter(conversation_id__in=ids).values_list(
        "conversation_id", "tag_id"
    ):
        tags[conversation_id].append(tag_id)
    return tags


def _sums(queryset: QuerySet[HourlyFigure], *group: str) -> QuerySet:
    return queryset.values(*group).order_by().annotate(**{f"sum_{c}": Sum(c) for c in MEASURE_COLUMNS})


def _figures_of_row(row: dict) -> Figures:
    return Counter({c: row[f"sum_{c}"] or 0 for c in MEASURE_COLUMNS})


def figures_by(
    *, grain: Grain, start: datetime, end: datetime, mailbox_ids: Collection[int] | None = None
) -> dict[int | str, Figures]:
    result: dict[int | str, Figures] = defaultdict(Counter)
    key_column = _KEY_COLUMN[grain]
    hours = _whole_hours(start, end)
    edges = [(start, end)]
    if hours is not None:
        first, last = hours
        rows = HourlyFigure.objects.filter(_mailbox_filter(mailbox_ids), grain=grain, hour__gte=first, hour__lt=last)
        for row in _sums(rows, key_column):
            result[row[key_column]].update(_figures_of_row(row))
        edges = [(start, first), (last, end)]
    facts = _facts(edges, mailbox_ids)
    tags = _tags_of(facts) if grain == Grain.TAG else {}
    for fact in facts:
        keys = tags.get(fact.conversation_id, []) if grain == Grain.TAG else [getattr(fact, key_column)]
        for key in keys:
            _add_fact(result[key], fact)
    return {key: figures for key, figures in result.items() if any(figures.values())}


def _hourly_by_bucket(
    starts: list[datetime],
    first: datetime,
    last: datetime,
    straddled: list[datetime],
    mailbox_ids: Collection[int] | None,
) -> list[tuple[int, list[int]]]:
    """PostgreSQL sums the hours of ``[first, last)`` but the ``straddled`` ones into the buckets starting at
    ``starts`` (ascending): ``width_bucket`` finds each hour's bucket by binary search, so a year by day is
    365 rows out of the database rather than 8,760 hours placed here. ``[(bucket index, measure sums)]``."""
    table = connection.ops.quote_name(HourlyFigure._meta.db_table)
    sums = ", ".join(f"SUM({column})::bigint" for column in MEASURE_COLUMNS)
    where = ["grain = %s", "hour >= %s", "hour < %s"]
    params: list[Any] = [starts, int(Grain.MAILBOX), first, last]
    if straddled:
        where.append("NOT (hour = ANY(%s::timestamptz[]))")
        params.append(straddled)
    if mailbox_ids is not None:
        where.append("mailbox_id = ANY(%s::bigint[])")
        params.append(list(mailbox_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT width_bucket(hour, %s::timestamptz[]) - 1 AS bucket, {sums} FROM {table} "  # noqa: S608
            f"WHERE {' AND '.join(where)} GROUP BY bucket",
            params,
        )
        return [(index, list(values)) for index, *values in cursor.fetchall()]


def _straddled_by_bucket(
    starts: list[datetime], straddled: list[datetime], mailbox_ids: Collection[int] | None
) -> list[tuple[int, list[int]]]:
    """PostgreSQL sums the facts of the ``straddled`` hours into the buckets starting at ``starts``: an index
    range scan per hour, so a year by day in a zone half an hour off UTC reads 365 hours of facts, not the
    year's."""
    if not straddled:
        return []
    table = connection.ops.quote_name(ReportFact._meta.db_table)
    mailboxes = "AND f.mailbox_id = ANY(%s::bigint[])" if mailbox_ids is not None else ""
    params: list[Any] = [starts, straddled] + ([list(mailbox_ids)] if mailbox_ids is not None else [])
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner cannot estimate an hour's range per unnested row and guesses ~10 % of the table each:
        # its cost then passes jit_above_cost, and compiling (~200 ms) would cost more than the ~40 ms query.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"SELECT width_bucket(f.at, %s::timestamptz[]) - 1 AS bucket, "  # noqa: S608
            f"{', '.join(f'{s}::bigint' for s in fact_sums('f'))} "
            f"FROM unnest(%s::timestamptz[]) AS h(start) JOIN {table} f "
            f"ON f.at >= h.start AND f.at < h.start + interval '1 hour' {mailboxes} GROUP BY bucket",
            params,
        )
        return [(index, list(values)) for index, *values in cursor.fetchall()]


def _hourly_into(
    sums: list[list[int]],
    buckets: Sequence[tuple[datetime, datetime]],
    first: datetime,
    last: datetime,
    mailbox_ids: Collection[int] | None,
) -> list[tuple[datetime, datetime]]:
    """The other databases: the hours of ``[first, last)`` read one by one and added to ``sums`` by bucket;
    returns the hours a bucket ends inside (a zone half an hour off UTC), for their facts to say where."""
    starts = [s for s, _ in buckets]
    straddled = []
    rows = HourlyFigure.objects.filter(
        _mailbox_filter(mailbox_ids), grain=Grain.MAILBOX, hour__gte=first, hour__lt=last
    )
    hourly = rows.values("hour").order_by().annotate(**{f"sum_{c}": Sum(c) for c in MEASURE_COLUMNS})
    for hour, *values in hourly.values_list("hour", *(f"sum_{c}" for c in MEASURE_COLUMNS)):
        index = bisect.bisect_right(starts, hour) - 1
        if buckets[index][1] >= hour + HOUR:
            bucket = sums[index]
            for position, value in enumerate(values):
                bucket[position] += value or 0
        else:
            straddled.append((hour, hour + HOUR))
    return straddled


def figures_series(
    *, buckets: Sequence[tuple[datetime, datetime]], mailbox_ids: Collection[int] | None = None
) -> list[Figures]:
    """``buckets``: consecutive, ascending ``(start, end)`` pairs."""
    series: list[Figures] = [Counter() for _ in buckets]
    if not buckets:
        return series
    if len(buckets) == 1:  # no hours to place: the mailboxes' sums
        for figures in figures_by(
            grain=Grain.MAILBOX, start=buckets[0][0], end=buckets[0][1], mailbox_ids=mailbox_ids
        ).values():
            series[0].update(figures)
        return series
    sums = [[0] * len(MEASURE_COLUMNS) for _ in buckets]
    starts = [s for s, _ in buckets]
    from_facts: list[tuple[datetime, datetime]] = []
    hours = _whole_hours(buckets[0][0], buckets[-1][1])
    if hours is None:
        from_facts.append((buckets[0][0], buckets[-1][1]))
    else:
        first, last = hours
        from_facts += [(buckets[0][0], first), (last, buckets[-1][1])]
        if connection.vendor == "postgresql":
            # A bucket ending inside an hour (a zone half an hour off UTC) leaves that hour to its facts.
            straddled = sorted({_hour_floor(s) for s in starts[1:] if _hour_floor(s) != s and first <= s < last})
            for index, values in _hourly_by_bucket(starts, first, last, straddled, mailbox_ids):
                sums[index] = values
            for index, values in _straddled_by_bucket(starts, straddled, mailbox_ids):
                sums[index] = [a + b for a, b in zip(sums[index], values, strict=True)]
        else:
            from_facts += _hourly_into(sums, buckets, first, last, mailbox_ids)
        for figures, bucket in zip(series, sums, strict=True):
            figures.update({c: v for c, v in zip(MEASURE_COLUMNS, bucket, strict=True) if v})
    for fact in _facts(from_facts, mailbox_ids):
        index = bisect.bisect_right(starts, fact.at) - 1
        if index >= 0 and fact.at < buckets[index][1]:
            _add_fact(series[index], fact)
    return series


def new_answer_counts(
    *, start: datetime, end: datetime, limits: Sequence[int | None], mailbox_ids: Collection[int] | None = None
) -> list[int]:
    """How many first answers of ``[start, end)`` took under each of ``limits`` seconds and at least the one
    before it (``None``, last: no upper limit), counted by the database in one query."""
    bands, lower = {}, 0
    for index, limit in enumerate(limits):
        under = Q(seconds__lt=limit) if limit is not None else Q()
        bands[f"band_{index}"] = Count("pk", filter=Q(seconds__gte=lower) & under)
        lower = limit if limit is not None else lower
    facts = ReportFact.objects.filter(_mailbox_filter(mailbox_ids), kind=FactKind.NEW_ANSWER, at__gte=start, at__lt=end)
    counts = facts.aggregate(**bands)
    return [counts[f"band_{index}"] for index in range(len(limits))]


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _bucket_start(origin: datetime, group_by: GroupBy, zone: tzinfo, index: int) -> datetime:
    """The start of bucket ``index`` counted from the one holding ``origin`` (before clipping)."""
    local = origin.astimezone(zone)
    if group_by == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC) + index * HOUR
    if group_by == "day":
        return _local_midnight(local.date() + timedelta(days=index), zone)
    if group_by == "week":
        monday = local.date() - timedelta(days=local.weekday())
        return _local_midnight(monday + timedelta(weeks=index), zone)
    return _local_midnight(_month_add(local.date().replace(day=1), index), zone)


def bucket_bounds(
    *, start: datetime, end: datetime, group_by: GroupBy, zone: tzinfo, first: int, count: int
) -> list[tuple[datetime, datetime]]:
    """Buckets ``first`` to ``first + count - 1`` of ``[start, end)``: local hours, days, weeks (from Monday)
    or months of ``zone``, the first and last clipped to the range. Days and months follow the zone's
    clock, so a day of a DST change lasts 23 or 25 hours."""
    buckets = []
    for index in range(first, first + count):
        try:
            bucket_start = max(start, _bucket_start(start, group_by, zone, index))
        except (OverflowError, ValueError):  # past year 9999
            break
        try:
            bucket_end = min(end, _bucket_start(start, group_by, zone, index + 1))
        except (OverflowError, ValueError):
            bucket_end = end
        if bucket_start >= end:
            break
        buckets.append((bucket_start, bucket_end))
    return buckets


def load_samples(
    *, start: datetime, end: datetime, mailbox_ids: Collection[int] | None = None, agent_id: int | None = None
) -> list[tuple[datetime, list[tuple[int, int, int]]]]:
    """The load samples of ``[start, end)`` by hour: ``[(hour, [(queue, slots, service) per sample time])]``.
    Without ``agent_id``: the mailboxes' totals; with it: the mailboxes' queues and that agent's slots and
    service."""
    rows = LoadSample.objects.filter(_mailbox_filter(mailbox_ids), at__gte=start, at__lt=end)
    queues: dict[datetime, Counter[str]] = defaultdict(Counter)
    for sample in rows.filter(agent_id=0).values("at", "queue", "slots", "service"):
        at = sample["at"]
        queues[at]["queue"] += sample["queue"]
        if agent_id is None:
            queues[at]["slots"] += sample["slots"]
            queues[at]["service"] += sample["service"]
    if agent_id is not None:
        for at, slots, service in rows.filter(agent_id=agent_id).values_list("at", "slots", "service"):
            queues[at]["slots"] = max(queues[at]["slots"], slots)
            queues[at]["service"] += service
    by_hour: dict[datetime, list[tuple[int, int, int]]] = defaultdict(list)
    for at in sorted(queues):
        values = queues[at]
        by_hour[_hour_floor(at)].append((values["queue"], values["slots"], values["service"]))
    return sorted(by_hour.items())
