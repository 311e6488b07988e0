"""Reads of conversations, always scoped to what a user may see."""

import re
from dataclasses import dataclass
from typing import cast

from django.db import connection
from django.db.models import Exists, Field, OuterRef, QuerySet

from conversations.models import (
    CONVERSATION_CODE_REGEX,
    PUBLIC_URL_CODE_REGEX,
    Attachment,
    Conversation,
    ConversationStar,
    ConversationTag,
    Tag,
)
from helpdesk.db import model_columns, read_rows, values_from_rows
from helpdesk.models import User
from mailboxes.models import Folder
from mailboxes.selectors import mailboxes_accessible_by


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    if user.is_active and user.is_admin:
        return Conversation.objects.all()  # no mailbox subquery in every count and page query
    return Conversation.objects.filter(mailbox__in=mailboxes_accessible_by(user=user))


def tags_visible_to(*, user: User) -> QuerySet[Tag]:
    """The tags an API key of ``user`` may see (issue 15, reference §1): an admin's every tag; a regular
    user's those used in a mailbox it can access, and those used nowhere (one just created)."""
    if user.is_active and user.is_admin:
        return Tag.objects.all()
    used = ConversationTag.objects.filter(tag_id=OuterRef("pk"))
    return Tag.objects.filter(
        Exists(used.filter(conversation__mailbox__in=mailboxes_accessible_by(user=user))) | ~Exists(used)
    )


def conversations_in_folder(*, queryset: QuerySet[Conversation], folder: Folder) -> QuerySet[Conversation]:
    """The folder's conversations among ``queryset``; Mine and Starred are views over the owner's
    assigned (published) and starred conversations of the mailbox."""
    queryset = queryset.filter(mailbox_id=folder.mailbox_id)
    if folder.type == Folder.Type.MINE:
        return queryset.filter(assignee_id=folder.user_id, state=Conversation.State.PUBLISHED)
    if folder.type == Folder.Type.STARRED:
        starred = ConversationStar.objects.filter(user=folder.user_id).values("conversation_id")
        return queryset.filter(pk__in=starred)
    return queryset.filter(folder=folder)


def _tallied_where(
    *, user: User, mailbox_ids: list[int] | None, statuses: list[str] | None, states: list[str] | None
) -> tuple[str, list[object]]:
    """The conditions of a listing by mailbox, status and state (None: any) of what ``user`` may see, as
    SQL for the conversation table or the tally (same column names). Written out, one text per shape with
    arrays as parameters: the ORM would spend longer compiling these statements than PostgreSQL spends
    answering them. A single value is compared with ``=``, not ``= ANY``: PostgreSQL before 17 does not
    read an index in order past an array condition on one of its columns."""
    sql: list[str] = ["TRUE"]
    params: list[object] = []
    if not user.is_admin:
        accessible, accessible_params = mailboxes_accessible_by(user=user).values("pk").query.sql_with_params()
        sql.append(f"mailbox_id IN ({accessible})")
        params.extend(accessible_params)
    for column, values in (("mailbox_id", mailbox_ids), ("status", statuses), ("state", states)):
        if values is not None and len(values) == 1:
            sql.append(f"{column} = %s")
            params.append(values[0])
        elif values is not None:
            sql.append(f"{column} = ANY(%s)")
            params.append(list(values))
    return " AND ".join(sql), params


def conversations_tally(
    *, user: User, mailbox_ids: list[int] | None, statuses: list[str] | None, states: list[str] | None
) -> int | None:
    """The exact number of ``user``'s visible conversations in these mailboxes, statuses and states (None:
    any), summed from the tally; None where the database keeps no tally (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    if not user.is_active:
        return 0
    where, params = _tallied_where(user=user, mailbox_ids=mailbox_ids, statuses=statuses, states=states)
    return read_rows(_TALLY_SUM.format(where=where), params)[0][0]


_TALLY_SUM = "SELECT COALESCE(SUM(delta), 0)::bigint FROM conversations_conversationtally WHERE {where}"


@dataclass(frozen=True)
class TalliedConversations:
    """A listing by mailbox, status and state (None: any) of what ``user`` may see, ordered by a column
    and then id, read as the paginator reads a listing (``page``): the total from the tally and the page's
    ``values(*columns)`` rows, in one written-out statement (PostgreSQL). ``conversation_listing`` says
    when it applies."""

    user: User
    mailbox_ids: list[int] | None
    statuses: list[str] | None
    states: list[str] | None
    order_by: str
    descending: bool
    columns: tuple[str, ...]

    def page(self, offset: int, limit: int) -> tuple[int, list[dict]]:
        """``(total, rows)``: each row carries the total (the tally's sum, computed once); a page with no
        rows (past the last) asks the tally alone."""
        if not self.user.is_active:
            return 0, []
        where, params = _tallied_where(
            user=self.user, mailbox_ids=self.mailbox_ids, statuses=self.statuses, states=self.states
        )
        quote, direction = connection.ops.quote_name, "DESC" if self.descending else "ASC"
        # ``order_by`` names a column of the conversation table (``conversation_listing``).
        order = quote(cast(Field, Conversation._meta.get_field(self.order_by)).column)
        sql = (
            f"SELECT ({_TALLY_SUM.format(where=where)}), {model_columns(Conversation, 'c', self.columns)}"  # noqa: S608
            f" FROM {Conversation._meta.db_table} c WHERE {where}"
            f" ORDER BY {order} {direction}, id {direction} LIMIT %s OFFSET %s"
        )
        rows = read_rows(sql, [*params, *params, limit, offset])
        if not rows:
            return read_rows(_TALLY_SUM.format(where=where), params)[0][0], []
        values = values_from_rows((row[1:] for row in rows), Conversation, self.columns)
        # The statement selects exactly these columns.
        return rows[0][0], [dict(zip(self.columns, row, strict=False)) for row in values]


def conversation_by_reference(*, reference: str, queryset: QuerySet[Conversation]) -> Conversation | None:
    """The conversation of ``queryset`` with this code (``ABC-DEFGH-123``, any case) or public URL code (exact
    case), or None. Ids are each API dialect's own business: look them up before calling this."""
    reference = (reference or "").strip()
    if re.fullmatch(CONVERSATION_CODE_REGEX, reference.upper()):
        return queryset.filter(code=reference.upper()).first()
    if re.fullmatch(PUBLIC_URL_CODE_REGEX, reference):
        return queryset.filter(public_url_code=reference).first()
    return None


def attachment_by_token(*, token: str, conversations: QuerySet[Conversation]) -> Attachment | None:
    """The attachment with this token, when it is on a thread of one of ``conversations`` (those a user may
    see) or on no thread yet (uploaded to be attached; its unguessable token is its only key)."""
    attachment = Attachment.objects.select_related("thread").filter(token=(token or "").strip().lower()).first()
    if attachment is None or attachment.thread is None:
        return attachment
    return attachment if conversations.filter(pk=attachment.thread.conversation_id).exists() else None


def attachment_visible_to(*, user: User, token: str) -> Attachment | None:
    """The attachment with this token if ``user`` may see it: on a thread of a conversation it may see
    (``attachment_by_token``), or on no thread yet and uploaded by it; admins see every unattached one."""
    attachment = attachment_by_token(token=token, conversations=conversations_visible_to(user=user))
    if attachment is None or attachment.thread_id is not None:
        return attachment
    if (user.is_active and user.is_admin) or attachment.uploaded_by_id == user.pk:
        return attachment
    return None
