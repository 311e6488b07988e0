"""Reads of conversations, always scoped to what a user may see."""

from django.db.models import QuerySet

from conversations.models import Conversation, ConversationStar
from helpdesk.models import User
from mailboxes.models import Folder
from mailboxes.selectors import mailboxes_accessible_by


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    if user.is_active and user.is_admin:
        return Conversation.objects.all()  # no mailbox subquery in every count and page query
    return Conversation.objects.filter(mailbox__in=mailboxes_accessible_by(user=user))


def conversations_in_folder(*, queryset: QuerySet[Conversation], folder: Folder) -> QuerySet[Conversation]:
    """The folder's conversations among ``queryset``; Mine and Starred are views over the owner's
    assigned (published) and starred conversations of the mailbox."""
    queryset = queryset.filter(mailbox_id=folder.mailbox_id)
    if folder.type == Folder.Type.MINE:
        return queryset.filter(assignee_id=folder.user_id, state=Conversation.State.PUBLISHED)
    if folder.type == Folder.Type.STARRED:
        starred = ConversationStar.objects.filter(user_id=folder.user_id).values("conversation_id")
        return queryset.filter(pk__in=starred)
    return queryset.filter(folder=folder)
