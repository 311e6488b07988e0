"""Reads of conversations, always scoped to what a user may see."""

import datetime
import re
from dataclasses import dataclass
from typing import cast

from django.db import connection
from django.db.models import Exists, Field, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from conversations.models import (
    CONVERSATION_CODE_REGEX,
    PUBLIC_URL_CODE_REGEX,
    AgentPreferences,
    Attachment,
    Conversation,
    ConversationStar,
    ConversationTag,
    ConversationViewer,
    DelayedReply,
    Tag,
    Thread,
)
from helpdesk.db import model_columns, read_rows, values_from_rows
from helpdesk.models import User
from mailboxes.models import Folder
from mailboxes.selectors import mailboxes_accessible_by


def conversations_visible_to(*, user: User) -> QuerySet[Conversation]:
    if user.is_active and user.is_admin:
        return Conversation.objects.all()  # no mailbox subquery in every count and page query
    return Conversation.objects.filter(mailbox__in=mailboxes_accessible_by(user=user))


def customer_conversations(*, user: User, customer_id: int) -> QuerySet[Conversation]:
    """A customer's conversations that ``user`` may open, newest activity first (the customer page)."""
    return (
        conversations_visible_to(user=user)
        .filter(customer_id=customer_id)
        .exclude(state=Conversation.State.DELETED)
        .select_related("mailbox", "assignee")
        .order_by("-updated_at", "-id")
    )


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


def conversation_survivor(*, conversation: Conversation, queryset: QuerySet[Conversation]) -> Conversation | None:
    """Where ``conversation`` lives on: itself, or when it was merged the conversation it was merged into
    (``merged_into`` names the final one: pointers are flattened), if that one is in ``queryset``; else None."""
    if conversation.merged_into_id is None:
        return conversation
    return queryset.filter(pk=conversation.merged_into_id).first()


def conversations_with_attachments(*, conversation_ids: list[int]) -> set[int]:
    """Which of these conversations have an attachment on a published thread. One query."""
    published = Thread.State.PUBLISHED
    attached = Attachment.objects.filter(thread__conversation_id__in=conversation_ids, thread__state=published)
    return set(attached.order_by().values_list("thread__conversation_id", flat=True).distinct())


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


# --- the agent UI's live view (issue 18)

# A page beats every ~10 seconds; a viewer missing two beats in a row is gone.
VIEWER_FRESH_SECONDS = 25


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    replying: bool


def _version(updated_at: datetime.datetime | None, last_id: int | None) -> str:
    return f"{updated_at.timestamp() if updated_at else 0:.6f}-{last_id or 0}"


def conversation_live_version(*, user: User, conversation_id: int) -> str | None:
    """A token that changes whenever the conversation's page would show something new (every service
    that changes a conversation moves its ``updated_at``; a new thread its last id), or None when ``user``
    may not see it. One query."""
    # Drafts are left out: an agent's autosaving changes nothing another page shows (theirs keeps its composer).
    last_thread = (
        Thread.objects.filter(conversation_id=OuterRef("pk")).exclude(state=Thread.State.DRAFT).order_by("-id")
    ).values("id")[:1]
    row = (
        conversations_visible_to(user=user)
        .filter(pk=conversation_id)
        .values_list("updated_at", Subquery(last_thread))
        .first()
    )
    return _version(*row) if row is not None else None


def conversations_live_version(*, user: User) -> str:
    """A token that changes whenever a conversation ``user`` can see is created or changed, and with it
    the folder counts and lists. One query of index-backed maxima."""
    if user.is_active and user.is_admin:
        row = conversations_visible_to(user=user).aggregate(updated=Max("updated_at"), last=Max("id"))
        return _version(row["updated"], row["last"])
    # An agent's: the newest of each (mailbox, status) by an index seek each (conv_mailbox_status_updated),
    # as MAX over the mailboxes read every entry of theirs (121 ms at a million conversations).
    in_mailbox = Conversation.objects.filter(mailbox_id=OuterRef("pk"))
    newest = {
        status: Subquery(in_mailbox.filter(status=status).order_by("-updated_at").values("updated_at")[:1])
        for status in Conversation.Status.values
    }
    last = Subquery(in_mailbox.order_by("-id").values("id")[:1])
    rows = mailboxes_accessible_by(user=user).annotate(**{f"updated_{s}": q for s, q in newest.items()}, last=last)
    found = list(rows.values_list(*(f"updated_{s}" for s in newest), "last"))
    updated = [moment for row in found for moment in row[:-1] if moment is not None]
    last_ids = [row[-1] for row in found if row[-1] is not None]
    return _version(max(updated, default=None), max(last_ids, default=None))


def viewers_of(*, user: User, conversation_ids: list[int] | None = None) -> dict[int, list[Viewer]]:
    """Who else has these conversations open now (None: any conversation ``user`` can see), by
    conversation. One query."""
    fresh = timezone.now() - datetime.timedelta(seconds=VIEWER_FRESH_SECONDS)
    rows = ConversationViewer.objects.filter(seen_at__gte=fresh).exclude(user=user)
    if conversation_ids is not None:
        rows = rows.filter(conversation_id__in=conversation_ids)
    if not (user.is_active and user.is_admin):
        rows = rows.filter(conversation__mailbox__in=mailboxes_accessible_by(user=user))
    by_conversation: dict[int, list[Viewer]] = {}
    for conversation_id, user_id, first, last, email, replying in rows.order_by("seen_at").values_list(
        "conversation_id", "user_id", "user__first_name", "user__last_name", "user__email", "replying"
    ):
        name = f"{first} {last}".strip() or email
        by_conversation.setdefault(conversation_id, []).append(Viewer(user_id, name, replying))
    return by_conversation


def threads_arrived_after(*, conversation: Conversation, thread_id: int, user: User) -> QuerySet[Thread]:
    """Messages and notes added by anyone but ``user`` after thread ``thread_id`` (the last one the
    agent's page showed): what an agent should read before sending."""
    return (
        Thread.objects.filter(conversation=conversation, pk__gt=thread_id, state=Thread.State.PUBLISHED)
        .exclude(type=Thread.Type.LINEITEM)
        .exclude(created_by_user=user)
        .order_by("id")
    )


def agent_preferences_of(*, user: User) -> AgentPreferences:
    """The agent's preferences, or the defaults (unsaved) when they never changed any."""
    return AgentPreferences.objects.filter(user=user).first() or AgentPreferences(user=user)


# The kinds of thread the agent UI keeps a draft of: a reply to the customer and a note.
DRAFT_TYPES = (Thread.Type.MESSAGE, Thread.Type.NOTE)


def thread_draft_of(*, conversation_id: int, user: User) -> Thread | None:
    """``user``'s draft in the conversation (their newest, should the API have made several), or None."""
    return (
        Thread.objects.filter(
            conversation_id=conversation_id, created_by_user=user, state=Thread.State.DRAFT, type__in=DRAFT_TYPES
        )
        .order_by("-id")
        .first()
    )


def delayed_replies_waiting(*, conversation_id: int, user: User) -> list[DelayedReply]:
    """``user``'s replies in the conversation still in their undo window (or due and not yet published),
    oldest first: only their author's page shows them."""
    return list(
        DelayedReply.objects.filter(
            conversation_id=conversation_id, user=user, status=DelayedReply.Status.PENDING
        ).order_by("next_attempt_at", "id")
    )


def delayed_reply_of(*, reply_id: int, user: User) -> DelayedReply | None:
    """``user``'s delayed reply, waiting or published; None for anyone else's."""
    return DelayedReply.objects.filter(pk=reply_id, user=user).first()
