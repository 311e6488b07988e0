"""#9 ``GET /conversations`` parameters (reference §2 and §4.3), ANDed together: ``owneridentifier`` (a
customer's email or contactid), ``department``, ``agent`` (the assignee, userid or email), ``status`` and
``channel_type`` (one code or a comma list), ``datefrom``/``dateto`` (inclusive bounds on the creation
date), ``datechanged`` (an opdatetime on the last change), ``subject`` (exact, any case). An empty value
filters nothing; an unknown code or a malformed date is a 400 naming the parameter; an owner, department
or agent the key cannot see is a 404.

Dates are read in the account's time zone (``liveagent.plumbing.dates``) and, like the dates the API
writes, to the second: ``eq:2024-05-01 10:00:00`` matches every time within that second."""

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.db.models.functions import Extract
from django.db.models.lookups import In

from conversations.models import Conversation
from conversations.search import conversations_search, search_text_clean
from helpdesk.errors import Invalid
from liveagent.agents import agent_by_identifier
from liveagent.conversations.codes import CHANNEL_FILTERS, STATUS_FILTERS
from liveagent.customers.lookup import customer_visible
from liveagent.departments import department_visible
from liveagent.plumbing.dates import datetime_in, time_zone
from liveagent.plumbing.errors import InvalidParameter

SUBJECT_MAX_CHARS = Conversation._meta.get_field("subject").max_length or 998

_SECOND = timedelta(seconds=1)
_DATE = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$")
_LATEST = datetime.max.replace(tzinfo=UTC)


def _next_second(at: datetime) -> datetime:
    """The start of the second after ``at``; at the end of the calendar, its last instant."""
    try:
        return at + _SECOND
    except OverflowError:
        return _LATEST


def _bound(value: str, *, name: str, end: bool) -> datetime:
    """``datefrom``/``dateto``: a datetime, or a date alone as reports take it (from 00:00:00, to 23:59:59)."""
    if _DATE.match(value):
        value = f"{value.strip()} {'23:59:59' if end else '00:00:00'}"
    return datetime_in(value, parameter=name)


def _within_second(field: str, start: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": _next_second(start)})


# --- opdatetime (reference §1, "Datafield formats") ---------------------------------------------------------

_OPERATORS: dict[str, Callable[[str, datetime], Q]] = {
    "eq": _within_second,
    "neq": lambda field, at: ~_within_second(field, at),
    "gt": lambda field, at: Q(**{f"{field}__gte": _next_second(at)}),
    "gte": lambda field, at: Q(**{f"{field}__gte": at}),
    "lt": lambda field, at: Q(**{f"{field}__lt": at}),
    "lte": lambda field, at: Q(**{f"{field}__lt": _next_second(at)}),
}
_OPERATOR_PREFIX = re.compile(r"^([a-z]+):(.*)$", re.DOTALL)


def opdatetime_q(value: str, *, field: str, name: str) -> Q:
    """The condition ``value`` (``[operator:]datetime``; ``btw:from,to`` inclusive; ``lk:pattern``) sets on
    the datetime column ``field``; an unknown operator or a malformed value is a 400 at ``name``."""
    value = value.strip()
    match = _OPERATOR_PREFIX.match(value)
    operator, operand = (match.group(1), match.group(2)) if match else ("eq", value)
    if operator in _OPERATORS:
        return _OPERATORS[operator](field, datetime_in(operand, parameter=name))
    if operator == "btw":
        bounds = operand.split(",")
        if len(bounds) != 2:
            raise InvalidParameter(name, f"Parameter {name}: btw takes two dates and times joined by a comma.")
        start, end = (datetime_in(bound, parameter=name) for bound in bounds)
        return Q(**{f"{field}__gte": start, f"{field}__lt": _next_second(end)})
    if operator == "lk":
        return like_q(operand, field=field, name=name)
    raise InvalidParameter(
        name, f"Parameter {name}: unknown operator {operator}; use eq, neq, gt, lt, gte, lte, btw or lk."
    )


# ``lk``: a LIKE pattern over the datetime as written (``YYYY-MM-DD HH:MM:SS``, the account's time zone), %
# any characters, ? one. Every text the pattern can match has the layout's 19 characters, so each way of
# sizing its %s gives a fixed template of digits and ?s; a template is matched through the date's parts:
# its leading fully given parts as a range of the column (which an index serves), every other part given
# at least in part as the set of values that fit. No database formats dates alike, so none formats here.

_LAYOUT = "0000-00-00 00:00:00"
_LIKE_CHARACTERS = re.compile(r"^[0-9?%: -]+$")
# A pattern whose %s can be sized in more ways than this, or that leaves more templates than this to OR into
# one statement, is refused (400) rather than expanded: real patterns have one % or none.
_MAX_SIZINGS = 2000
_MAX_TEMPLATES = 24


@dataclass(frozen=True)
class _Part:
    name: str  # as Extract names it
    start: int
    width: int
    low: int
    high: int


_PARTS = (
    _Part("year", 0, 4, 1, 9999),
    _Part("month", 5, 2, 1, 12),
    _Part("day", 8, 2, 1, 31),
    _Part("hour", 11, 2, 0, 23),
    _Part("minute", 14, 2, 0, 59),
    _Part("second", 17, 2, 0, 59),
)


def _sizings(pattern: str) -> tuple[list[str], int, int]:
    """The pattern's pieces between %s, the characters its %s share, and in how many ways they can."""
    pieces = re.sub(r"%+", "%", pattern).split("%")
    spare = len(_LAYOUT) - sum(len(piece) for piece in pieces)
    gaps = len(pieces) - 1
    if spare < 0 or (gaps == 0 and spare != 0):
        return pieces, spare, 0
    return pieces, spare, math.comb(spare + gaps - 1, gaps - 1) if gaps else 1


def _templates(pieces: list[str], spare: int) -> Iterator[str]:
    """The 19-character templates (digits, separators and ?) the pattern of ``_sizings`` stands for."""
    gaps = len(pieces) - 1
    if gaps == 0:
        yield pieces[0]
        return
    # Each way of sharing ``spare`` characters among the gaps (stars and bars).
    for cuts in itertools.combinations(range(spare + gaps - 1), gaps - 1):
        sizes = [b - a - 1 for a, b in itertools.pairwise((-1, *cuts, spare + gaps - 1))]
        yield "".join(piece + "?" * size for piece, size in zip(pieces, [*sizes, 0], strict=True))


def _fits(template: str) -> bool:
    return all(
        given in ("?", wanted) if wanted in "-: " else given == "?" or given.isdigit()
        for given, wanted in zip(template, _LAYOUT, strict=True)
    )


def _part_values(part: _Part, digits: str) -> list[int] | None:
    """The values of ``part`` whose digits fit ``digits``, or None when any value would."""
    if set(digits) == {"?"}:
        return None
    regex = re.compile(digits.replace("?", "[0-9]"))
    return [v for v in range(part.low, part.high + 1) if regex.fullmatch(f"{v:0{part.width}d}")]


def _leading_range(given: list[int]) -> tuple[datetime, datetime] | None:
    """The local times whose first parts are ``given`` (year, month, …), as [start, end); None if none."""
    tz = time_zone()
    year, month, day, hour, minute, second = (*given, *(1, 1, 1, 0, 0, 0)[len(given) :])
    try:
        start = datetime(year, month, day, hour, minute, second, tzinfo=tz)
        if len(given) == 1:
            end = start.replace(year=start.year + 1)
        elif len(given) == 2:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            end = start + [timedelta(days=1), timedelta(hours=1), timedelta(minutes=1), _SECOND][len(given) - 3]
        # In UTC here: at the calendar's edge the conversion fails here rather than in the query.
        return start.astimezone(UTC), end.astimezone(UTC)
    except (ValueError, OverflowError):
        return None  # no such date (2009-02-30), or beyond the calendar


def _template_q(template: str, field: str) -> Q | None:
    """The condition of one template, or None when no datetime fits it."""
    digits = [template[part.start : part.start + part.width] for part in _PARTS]
    leading = list(itertools.takewhile(lambda d: "?" not in d, digits))
    condition = Q()
    if leading:
        bounds = _leading_range([int(d) for d in leading])
        if bounds is None:
            return None
        condition &= Q(**{f"{field}__gte": bounds[0], f"{field}__lt": bounds[1]})
    for part, part_digits in list(zip(_PARTS, digits, strict=True))[len(leading) :]:
        values = _part_values(part, part_digits)
        if values == []:
            return None
        if values is not None:
            condition &= Q(In(Extract(field, part.name, tzinfo=time_zone()), values))
    return condition


def like_q(pattern: str, *, field: str, name: str) -> Q:
    if not _LIKE_CHARACTERS.fullmatch(pattern):
        raise InvalidParameter(name, f"Parameter {name}: lk takes digits, -, :, spaces, % and ? only.")
    pieces, spare, sizings = _sizings(pattern)
    templates = [t for t in _templates(pieces, spare) if _fits(t)] if 0 < sizings <= _MAX_SIZINGS else []
    if sizings > _MAX_SIZINGS or len(templates) > _MAX_TEMPLATES:
        raise InvalidParameter(name, f"Parameter {name}: the lk pattern has too many % to match.")
    conditions = [q for q in (_template_q(t, field) for t in dict.fromkeys(templates)) if q is not None]
    if not conditions:
        return Q(pk__in=[])
    return Q(*conditions, _connector=Q.OR)


# --- The FilterSet -----------------------------------------------------------------------------------------


def _codes(value: str, *, name: str, known: Mapping[str, Q]) -> Q:
    codes = [code.strip() for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidParameter(name, f"Parameter {name}: unknown code {unknown[0]}; use {', '.join(known)}.")
    return Q(*(known[code] for code in dict.fromkeys(codes)), _connector=Q.OR)


class ConversationFilter(django_filters.FilterSet):
    """Built with ``request`` (the key's user sees owners, departments and agents through it) over the
    conversations that user may see."""

    owneridentifier = django_filters.CharFilter(method="filter_owner")
    department = django_filters.CharFilter(method="filter_department")
    agent = django_filters.CharFilter(method="filter_agent")
    status = django_filters.CharFilter(method="filter_status")
    datefrom = django_filters.CharFilter(method="filter_created")
    dateto = django_filters.CharFilter(method="filter_created")
    datechanged = django_filters.CharFilter(method="filter_changed")
    subject = django_filters.CharFilter(method="filter_subject")
    channel_type = django_filters.CharFilter(method="filter_channel")
    # An extension: LiveAgent's #9 has no text search (conversations/search.py).
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Conversation
        fields: list[str] = []

    def filter_owner(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return qs.filter(customer=customer_visible(user=self.request.user, customeridentifier=value))

    def filter_department(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return qs.filter(mailbox=department_visible(user=self.request.user, departmentid=value.strip()))

    def filter_agent(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return qs.filter(assignee=agent_by_identifier(value))

    def filter_status(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return qs.filter(_codes(value, name=name, known=STATUS_FILTERS))

    def filter_channel(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return qs.filter(_codes(value, name=name, known=CHANNEL_FILTERS))

    def filter_created(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        if name == "datefrom":
            return qs.filter(created_at__gte=_bound(value, name=name, end=False))
        return qs.filter(created_at__lt=_next_second(_bound(value, name=name, end=True)))

    def filter_changed(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        return qs.filter(opdatetime_q(value, field="updated_at", name=name))

    def filter_subject(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        value = value.strip()
        if len(value) > SUBJECT_MAX_CHARS:
            # No subject is longer, and SQLite refuses a LIKE (iexact) pattern over 50,000 bytes as a 500.
            return qs.none()
        return qs.filter(subject__iexact=value)

    def filter_search(self, qs: QuerySet[Conversation], name: str, value: str) -> QuerySet[Conversation]:
        try:
            text = search_text_clean(text=value)
        except Invalid as error:
            raise InvalidParameter(name, " ".join(error.messages)) from None
        return conversations_search(queryset=qs, text=text)


def conversations_filtered(params: Mapping[str, Any], *, queryset: QuerySet[Conversation], request: Any) -> QuerySet:
    return ConversationFilter(params, queryset=queryset, request=request).qs
