"""Reads of conversations, always scoped to what a user may see."""

from django.db.models import QuerySet

from conversations.models import Conversation
from helpdesk.models import User
from mailboxes.selectors import mailboxes_accessible_by


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    if user.is_active and user.is_admin:
        return Conversation.objects.all()  # no mailbox subquery in every count and page query
    return Conversation.objects.filter(mailbox__in=mailboxes_accessible_by(user=user))
