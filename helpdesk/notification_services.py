"""Writes of the in-app notifications (the bell in the admin header). ``notification_create`` is called where
the email notifications are decided (conversations/mail/outgoing.py), in the same transaction, so the bell and
the email cannot disagree about who was told; unlike the email, the bell does not depend on the user's email
preferences. Never about a user's own actions."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from helpdesk.models import Notification, User

TEXT_MAX = 255


def notification_create(
    *, user: User, conversation: Any, kind: str, text: str, thread: Any = None
) -> Notification | None:
    """A notice to ``user`` about ``conversation`` (``kind`` from ``Notification.Kind``); none for inactive users."""
    if not user.is_active:
        return None
    return Notification.objects.create(
        user=user, conversation=conversation, thread=thread, kind=Notification.Kind(kind), text=text[:TEXT_MAX]
    )


# One UPDATE: atomic by itself, so no savepoint inside the caller's transaction (the conversation page runs
# this on every view).
@transaction.atomic(savepoint=False)
def notifications_mark_read(
    *, user: User, conversation_id: int | None = None, notification_id: int | None = None
) -> int:
    """Marks ``user``'s unread notices read: those of one conversation (opened), one notice, or all of them.
    Returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if conversation_id is not None:
        unread = unread.filter(conversation_id=conversation_id)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
