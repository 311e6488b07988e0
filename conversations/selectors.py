"""Reads of conversations, always scoped to what a user may see."""

from django.db import connection
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


def conversations_tally(
    *, user: User, mailbox_ids: list[int] | None, statuses: list[str] | None, states: list[str] | None
) -> int | None:
    """The exact number of ``user``'s visible conversations in these mailboxes, statuses and states (None:
    any), summed from the tally; None where the database keeps no tally (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    # Written out (one statement text per shape, arrays as parameters): the ORM would spend longer
    # compiling this than PostgreSQL spends answering it.
    if not user.is_active:
        return 0
    sql, params = ["SELECT COALESCE(SUM(delta), 0)::bigint FROM conversations_conversationtally WHERE TRUE"], []
    if not user.is_admin:
        accessible, accessible_params = mailboxes_accessible_by(user=user).values("pk").query.sql_with_params()
        sql.append(f"AND mailbox_id IN ({accessible})")
        params.extend(accessible_params)
    for column, values in (("mailbox_id", mailbox_ids), ("status", statuses), ("state", states)):
        if values is not None:
            sql.append(f"AND {column} = ANY(%s)")
            params.append(list(values))
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        return cursor.fetchone()[0]
