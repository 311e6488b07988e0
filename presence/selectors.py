"""Reads of agent presence, for the agent UI, the LiveAgent API (#39, #40) and the reports (``worktime``,
availability). Other apps read presence through these functions only:

- ``preset_status_of(*, users)``: ``{user id: preset letters}``, the services an agent chose to offer
  ("MPRT" letters, or "F" to appear offline); "M" for an agent who never chose.
- ``online_status_of(*, users, now)``: ``{user id: letters}``, the preset letters of the agents online at
  ``now``, "F" for everyone else.
- ``presence_state_of(*, user, now)``: ``PresenceState.ONLINE``, ``IDLE`` or ``OFFLINE``.
- ``mailbox_online_status(*, mailbox_ids, now)``: ``{mailbox id: letters}``, the union of the letters of
  the online agents who can access the mailbox ("" when nobody is online there).
- ``online_intervals(*, user_ids, start, end, now=None, letter=None)``: ``[OnlineInterval]``, the stretches
  each agent was online, clipped to ``[start, end)``, by agent then start; ``open`` marks the ones still
  going on at ``now``.
- ``online_seconds(*, user_ids, start, end, letter=None)``: ``{user id: whole seconds}`` online within
  ``[start, end)``, the sum of ``online_intervals`` (LiveAgent's ``worktime``), computed in the database;
  every requested id is a key (0 when never online).

``user_ids=None`` means every agent; ``letter`` keeps only the intervals offering that service (``"M"``:
available for tickets).

Rules (presence.services writes them): an agent is online from a heartbeat (an admin page open, or setting
the status) until ``HELPDESK_PRESENCE_IDLE_SECONDS`` pass without one; idle once two heartbeat periods
(``HELPDESK_PRESENCE_HEARTBEAT_SECONDS``) pass without one, still showing the letters; then offline,
"F". An agent whose preset is "F", or who is not active, is offline whatever the pages do. An interval
runs from the first heartbeat to the last one, so an open interval ends, for every reader, at the agent's
last heartbeat: the beat task that closes intervals of idle agents (``presence_sweep``) changes no answer,
and no read depends on it having run."""

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from helpdesk.models import User
from mailboxes.models import MailboxUser
from presence.models import LETTERS, OFFLINE, AgentPresence, PresenceInterval

DEFAULT_PRESET = "M"


class PresenceState(enum.Enum):
    ONLINE = "online"
    IDLE = "idle"
    OFFLINE = "offline"


@dataclass(frozen=True)
class OnlineInterval:
    user_id: int
    letters: str
    start: datetime.datetime
    end: datetime.datetime
    # Still going on at ``now``: an availability report writes "now" for its end.
    open: bool

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def idle_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.HELPDESK_PRESENCE_IDLE_SECONDS)


def idle_after() -> datetime.timedelta:
    """Silence after which an online agent shows as idle: two missed heartbeats."""
    return datetime.timedelta(seconds=2 * settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS)


def letters_union(statuses: Iterable[str]) -> str:
    """The letters offered by any of ``statuses``, in LiveAgent's order ("MPRT"); "F" counts for none."""
    offered = set("".join(statuses))
    return "".join(letter for letter in LETTERS if letter in offered)


def _ids(users: Iterable[User | int]) -> list[int]:
    return [user if isinstance(user, int) else user.pk for user in users]


def _online(now: datetime.datetime) -> Q:
    """Presence rows of agents online at ``now`` (an open interval exists only for a non-"F" preset)."""
    return Q(
        online_since__isnull=False,
        last_seen_at__gte=now - idle_timeout(),
        user__status=User.Status.ACTIVE,
    )


def preset_status_of(*, users: Iterable[User | int]) -> dict[int, str]:
    ids = _ids(users)
    chosen = dict(AgentPresence.objects.filter(user_id__in=ids).values_list("user_id", "preset_status"))
    return {pk: chosen.get(pk, DEFAULT_PRESET) for pk in ids}


def online_status_of(*, users: Iterable[User | int], now: datetime.datetime) -> dict[int, str]:
    ids = _ids(users)
    online = dict(AgentPresence.objects.filter(_online(now), user_id__in=ids).values_list("user_id", "preset_status"))
    return {pk: online.get(pk, OFFLINE) for pk in ids}


def presence_state_of(*, user: User, now: datetime.datetime) -> PresenceState:
    last_seen = AgentPresence.objects.filter(_online(now), user=user).values_list("last_seen_at", flat=True).first()
    if last_seen is None:
        return PresenceState.OFFLINE
    return PresenceState.IDLE if now - last_seen > idle_after() else PresenceState.ONLINE


def mailbox_online_status(*, mailbox_ids: Iterable[int], now: datetime.datetime) -> dict[int, str]:
    """Admins access every mailbox; other agents the mailboxes granted them (``mailboxes.selectors``)."""
    ids = list(mailbox_ids)
    online = list(AgentPresence.objects.filter(_online(now)).values_list("user_id", "preset_status", "user__role"))
    everywhere = letters_union(status for _, status, role in online if role == User.Role.ADMIN)
    granted: dict[int, list[str]] = {pk: [everywhere] for pk in ids}
    status_of = {user_id: status for user_id, status, role in online if role != User.Role.ADMIN}
    if status_of:
        for mailbox_id, user_id in MailboxUser.objects.filter(
            mailbox_id__in=ids, user_id__in=list(status_of)
        ).values_list("mailbox_id", "user_id"):
            granted[mailbox_id].append(status_of[user_id])
    return {pk: letters_union(statuses) for pk, statuses in granted.items()}


def _overlapping(
    *, user_ids: Iterable[int] | None, start: datetime.datetime, end: datetime.datetime, letter: str | None
) -> QuerySet[Any]:
    """Intervals overlapping ``[start, end)``, each with ``until``: its end, or the agent's last heartbeat
    while it is open."""
    # ``until`` cannot use an index; its two cases, spelt out, can (a closed interval's end, or the
    # presence of an agent with an open one), so that a short range reads only its own rows.
    ends_after_start = Q(ended_at__gt=start) | Q(ended_at__isnull=True, user__presence__last_seen_at__gt=start)
    intervals = PresenceInterval.objects.annotate(
        until=Coalesce("ended_at", "user__presence__last_seen_at", output_field=DateTimeField())
    ).filter(ends_after_start, started_at__lt=end)
    if user_ids is not None:
        intervals = intervals.filter(user_id__in=list(user_ids))
    if letter:
        intervals = intervals.filter(letters__contains=letter)
    return intervals


def online_intervals(
    *,
    user_ids: Iterable[int] | None,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime | None = None,
    letter: str | None = None,
) -> list[OnlineInterval]:
    going_on_after = (now or timezone.now()) - idle_timeout()
    rows = (
        _overlapping(user_ids=user_ids, start=start, end=end, letter=letter)
        .order_by("user_id", "started_at", "pk")
        .values_list("user_id", "letters", "started_at", "until", "ended_at")
    )
    return [
        OnlineInterval(
            user_id=user_id,
            letters=letters,
            start=max(started_at, start),
            end=min(until, end),
            open=ended_at is None and until >= going_on_after,
        )
        for user_id, letters, started_at, until, ended_at in rows
    ]


def online_seconds(
    *,
    user_ids: Iterable[int] | None,
    start: datetime.datetime,
    end: datetime.datetime,
    letter: str | None = None,
) -> dict[int, int]:
    ids = None if user_ids is None else list(user_ids)
    clipped = ExpressionWrapper(
        Least("until", Value(end, output_field=DateTimeField()))
        - Greatest("started_at", Value(start, output_field=DateTimeField())),
        output_field=DurationField(),
    )
    totals = (
        _overlapping(user_ids=ids, start=start, end=end, letter=letter)
        .order_by()
        .values("user_id")
        .annotate(total=Sum(clipped))
        .values_list("user_id", "total")
    )
    seconds = {user_id: int(total.total_seconds()) for user_id, total in totals}
    if ids is None:
        return seconds
    return {pk: seconds.get(pk, 0) for pk in ids}
