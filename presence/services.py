"""Writes of agent presence: the heartbeat, the preset the agent chooses, and the sweep that closes the
intervals of agents gone idle. Each takes ``now`` so that callers (and tests) say what time it is; the
rules are in ``presence.selectors``' docstring."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from helpdesk.errors import Invalid
from helpdesk.models import User
from presence.models import LETTERS, OFFLINE, AgentPresence, PresenceInterval
from presence.selectors import idle_timeout


def write_every() -> datetime.timedelta:
    """How stale the recorded heartbeat may get before a heartbeat writes; the intervals' ends (the last
    recorded heartbeat) are as precise as this."""
    return datetime.timedelta(seconds=settings.HELPDESK_PRESENCE_HEARTBEAT_SECONDS / 2)


def preset_status_clean(letters: str) -> str:
    """``letters`` in LiveAgent's order ("tm" → "MT"), or "F"; anything else is refused."""
    chosen = letters.strip().upper()
    if chosen == OFFLINE:
        return OFFLINE
    if not chosen or any(letter not in LETTERS for letter in chosen) or len(set(chosen)) != len(chosen):
        raise Invalid(
            {"preset_status": "Choose one or more of M (messages), P (phone), R (read), T (chat), or F (offline)."}
        )
    return "".join(letter for letter in LETTERS if letter in chosen)


def _locked(user: User) -> AgentPresence:
    # Insert-or-nothing, not get_or_create: two first heartbeats at once (two tabs) must both find the row,
    # where get_or_create's second insert fails and its retry may not see the first one's row yet.
    AgentPresence.objects.bulk_create([AgentPresence(user=user)], ignore_conflicts=True)
    return AgentPresence.objects.select_for_update().get(user=user)


def _close(presence: AgentPresence, *, at: datetime.datetime) -> None:
    PresenceInterval.objects.filter(user_id=presence.user_id, ended_at__isnull=True).update(ended_at=at)
    presence.online_since = None


def _close_if_idle(presence: AgentPresence, *, now: datetime.datetime) -> None:
    """An interval left open by an agent gone idle ends at its last heartbeat (what readers assume)."""
    seen = presence.last_seen_at
    if presence.online_since is not None and seen is not None and now - seen > idle_timeout():
        _close(presence, at=seen)


def _seen(presence: AgentPresence, *, user: User, now: datetime.datetime) -> None:
    """A heartbeat at ``now`` on a locked row with no idle interval: opens one unless the agent appears
    offline or is not active."""
    presence.last_seen_at = max(presence.last_seen_at or now, now)
    if presence.online_since is None and presence.preset_status != OFFLINE and user.is_active:
        PresenceInterval.objects.create(user_id=presence.user_id, letters=presence.preset_status, started_at=now)
        presence.online_since = now


def presence_heartbeat(*, user: User, now: datetime.datetime) -> None:
    """``user`` has an admin page open at ``now``. For an agent online (or appearing offline), one SELECT,
    and an UPDATE only when the last recorded heartbeat is half a heartbeat period old: pages poll every
    few seconds, and a write on each poll would make every poll contend for the database's write lock.
    An agent coming online, or back after the idle time, locks the row and opens an interval."""
    if not user.is_active:
        return
    going_on = Q(online_since__isnull=False, last_seen_at__gte=now - idle_timeout(), last_seen_at__lte=now)
    mine = AgentPresence.objects.filter(going_on | Q(preset_status=OFFLINE), user=user)
    if mine.filter(last_seen_at__gt=now - write_every(), last_seen_at__lte=now).exists():
        return
    if mine.update(last_seen_at=now):
        return
    with transaction.atomic():
        presence = _locked(user)
        _close_if_idle(presence, now=now)
        _seen(presence, user=user, now=now)
        presence.save(update_fields=["last_seen_at", "online_since"])


def presence_preset_set(*, user: User, preset_status: str, now: datetime.datetime) -> AgentPresence:
    """Sets the letters ``user`` offers. The agent is at the desk to set them, so this is a heartbeat too;
    an online agent's interval ends at ``now`` and the next begins with the new letters ("F": none)."""
    letters = preset_status_clean(preset_status)
    with transaction.atomic():
        presence = _locked(user)
        _close_if_idle(presence, now=now)
        if presence.online_since is not None and letters != presence.preset_status:
            _close(presence, at=max(now, presence.online_since))
        presence.preset_status = letters
        _seen(presence, user=user, now=now)
        presence.save(update_fields=["preset_status", "last_seen_at", "online_since"])
    return presence


def presence_sweep(*, now: datetime.datetime) -> int:
    """Closes the intervals of agents idle past the idle time (Celery beat); returns how many. Rows another
    transaction holds are left for the next sweep."""
    closed = 0
    stale = AgentPresence.objects.filter(online_since__isnull=False, last_seen_at__lt=now - idle_timeout())
    for user_id in list(stale.values_list("user_id", flat=True)):
        with transaction.atomic():
            presence = stale.select_for_update(skip_locked=True).filter(user_id=user_id).first()
            if presence is not None and presence.last_seen_at is not None:
                _close(presence, at=presence.last_seen_at)
                presence.save(update_fields=["online_since"])
                closed += 1
    return closed
