"""Timers agents run on conversations."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from conversations.models import (
    Conversation,
    Timelog,
)
from helpdesk.errors import Invalid
from helpdesk.models import User


def _timelog_elapsed(timelog: Timelog, at: datetime) -> int:
    if timelog.running_since is None:
        return timelog.time_spent
    return timelog.time_spent + max(0, int((at - timelog.running_since).total_seconds()))


@transaction.atomic
def timelog_start(*, conversation: Conversation, user: User) -> Timelog:
    """Starts (or resumes) the user's timer on the conversation."""
    at = timezone.now()
    timelog = Timelog.objects.select_for_update().filter(conversation=conversation, user=user, finished=False).first()
    if timelog is None:
        return Timelog.objects.create(
            conversation=conversation,
            user=user,
            conversation_status=conversation.status,
            running_since=at,
            created_at=at,
            updated_at=at,
        )
    if timelog.running_since is None:
        timelog.running_since, timelog.paused, timelog.updated_at = at, False, at
        timelog.save()
    return timelog


@transaction.atomic
def timelog_record(*, conversation: Conversation, user: User, seconds: int, at: datetime | None = None) -> Timelog:
    """Records time already spent, as a finished timelog."""
    if seconds < 0:
        raise Invalid({"seconds": "Time spent cannot be negative."})
    at = at or timezone.now()
    return Timelog.objects.create(
        conversation=conversation,
        user=user,
        conversation_status=conversation.status,
        time_spent=seconds,
        finished=True,
        created_at=at,
        updated_at=at,
    )


@transaction.atomic
def timelog_stop(*, timelog: Timelog, finish: bool = True) -> Timelog:
    """Pauses the timer (``finish=False``) or finishes it; the running time is added to ``time_spent``."""
    timelog = Timelog.objects.select_for_update().get(pk=timelog.pk)
    if timelog.finished:
        return timelog
    at = timezone.now()
    timelog.time_spent = _timelog_elapsed(timelog, at)
    timelog.running_since = None
    timelog.paused = not finish
    timelog.finished = finish
    timelog.updated_at = at
    timelog.save()
    return timelog
