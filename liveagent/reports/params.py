"""The parameters the report operations share (reference §2, "Reports"): the range (``date_from``/``date_to``
as ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` in the account's time zone, or the ``datetime`` shortcut),
``columns``, ``group_by``, ``types`` and the ids that narrow a report. Every refusal is a 400 naming the
parameter; an id that names nothing is a 404 (§1)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from rest_framework.exceptions import NotFound

from helpdesk.models import User
from liveagent.departments import department_visible
from liveagent.ids import Kind, pk_decode
from liveagent.plumbing.dates import DATETIME_FORMAT, datetime_in, time_zone
from liveagent.plumbing.errors import InvalidParameter
from mailboxes.models import Mailbox
from reports.selectors import GroupBy

GROUP_BY: tuple[GroupBy, ...] = ("hour", "day", "week", "month")
RANKING_TYPES = ("W", "P")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReportRange:
    """``[start, end)`` in UTC; ``date_from``/``date_to`` as LiveAgent writes them back (local time)."""

    start: datetime
    end: datetime

    @property
    def date_to(self) -> datetime:
        return self.end - timedelta(seconds=1) if self.end != _LATEST else _LATEST


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=time_zone())


def _utc(value: datetime, parameter: str) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidParameter(parameter, f"{parameter}: out of range.") from None


def _date_param(params: Mapping[str, str], name: str, *, end: bool) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if _DATE.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidParameter(name, f"{name}: {raw[:40]!r} is no date.") from None
        return _utc(_local(day, time(23, 59, 59) if end else time(0)), name)
    if len(raw) > 40:
        raise InvalidParameter(name, f"{name}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.")
    try:
        return datetime_in(raw, parameter=name)
    except InvalidParameter:
        raise InvalidParameter(name, f"{name}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.") from None


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _shortcut(raw: str) -> tuple[datetime, datetime]:
    """``L30D`` (the last 30 days, today included), ``TM`` (this month), ``LM`` (last month), ``YYYY-MM``."""
    today = timezone.now().astimezone(time_zone()).date()
    if raw == "L30D":
        first, after = today - timedelta(days=29), today + timedelta(days=1)
    elif raw == "TM":
        first, after = today.replace(day=1), _month_start(today.year, today.month + 1)
    elif raw == "LM":
        after = today.replace(day=1)
        first = _month_start(after.year, after.month - 1)
    elif (match := _MONTH.fullmatch(raw)) and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
        year, month = int(match[1]), int(match[2])
        first = date(year, month, 1)
        after = _month_start(year, month + 1) if (year, month) != (9999, 12) else date.max
    else:
        raise InvalidParameter("datetime", "datetime: expected L30D, TM, LM or a month as YYYY-MM.")
    start = _utc(_local(first, time(0)), "datetime")
    end = _LATEST if after == date.max else _utc(_local(after, time(0)), "datetime")
    return start, end


def report_range(params: Mapping[str, str], *, required: bool) -> ReportRange:
    """Explicit dates win over ``datetime`` (reference §5.22); without either, a report whose dates are
    mandatory answers 400, the others cover the last 30 days (``L30D``, the seed's default)."""
    start = _date_param(params, "date_from", end=False)
    date_to = _date_param(params, "date_to", end=True)
    shortcut = params.get("datetime", "").strip()
    if start is None or date_to is None:
        if required and not shortcut:
            missing = "date_from" if start is None else "date_to"
            raise InvalidParameter(missing, f"Parameter {missing} is required.")
        default_start, default_end = _shortcut(shortcut or "L30D")
        start = start if start is not None else default_start
        end = default_end
    if date_to is not None:
        try:
            end = date_to + timedelta(seconds=1)
        except OverflowError:
            end = _LATEST
    if start >= end:
        raise InvalidParameter("date_to", "date_to: before date_from.")
    return ReportRange(start=start, end=end)


def local_text(value: datetime, *, date_only: bool = False) -> str:
    local = value.astimezone(time_zone()) if value != _LATEST else value
    return local.strftime("%Y-%m-%d" if date_only else DATETIME_FORMAT)


def columns_param(params: Mapping[str, str], known: tuple[str, ...]) -> frozenset[str] | None:
    """The columns named (None: all); an unknown one is a 400 (§4.5)."""
    names = [name.strip() for name in params.get("columns", "").split(",") if name.strip()]
    if not names:
        return None
    for name in names:
        if name not in known:
            raise InvalidParameter("columns", f"columns: unknown column {name[:60]!r}.")
    return frozenset(names)


def group_by_param(params: Mapping[str, str]) -> GroupBy | None:
    raw = params.get("group_by", "").strip().lower()
    if not raw:
        return None
    for value in GROUP_BY:
        if raw == value:
            return value
    raise InvalidParameter("group_by", "group_by: expected hour, day, week or month.")


def types_param(params: Mapping[str, str]) -> frozenset[str]:
    names = [name.strip().upper() for name in params.get("types", "").split(",") if name.strip()]
    for name in names:
        if name not in RANKING_TYPES:
            raise InvalidParameter("types", "types: expected W, P or both, comma separated.")
    return frozenset(names or RANKING_TYPES)


def department_param(params: Mapping[str, str], *, user: User, name: str = "departmentid") -> Mailbox | None:
    raw = params.get(name, "").strip()
    return department_visible(user=user, departmentid=raw) if raw else None


def agent_param(params: Mapping[str, str], *, name: str = "agentid", kind: Kind = Kind.AGENT_USER) -> User | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    pk = pk_decode(kind, raw)
    agent = User.objects.filter(pk=pk).first() if pk is not None else None
    if agent is None:
        raise NotFound(f"Agent {raw[:64]} not found.")
    return agent


def customer_param(params: Mapping[str, str], *, name: str) -> int | None:
    """A customer's contact id (or user id) that must exist: its primary key."""
    from customers.models import Customer

    raw = params.get(name, "").strip()
    if not raw:
        return None
    pk = pk_decode(Kind.CUSTOMER_CONTACT, raw) or pk_decode(Kind.CUSTOMER_USER, raw)
    if pk is None or not Customer.objects.filter(pk=pk).exists():
        raise NotFound(f"Contact {raw[:64]} not found.")
    return pk


def sla_level_param(params: Mapping[str, str]) -> None:
    """No SLA levels exist (§4.5): any level named is unknown."""
    raw = params.get("slalevelid", "").strip()
    if raw:
        raise NotFound(f"SLA level {raw[:64]} not found.")
