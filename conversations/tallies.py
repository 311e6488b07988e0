"""Exact counts summed from the tally (``ConversationTally``, kept by PostgreSQL's triggers) instead of
counted over the conversations: the folder counters and the agent UI list's total. Each answers None where
the tally cannot (SQLite keeps none; a condition the tally does not key, such as a tag or a search), and
the caller counts rows; the tests hold each answer equal to the count it replaces."""

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Final

from django.db import connection

from conversations.models import Conversation, ConversationStar, ConversationTally, Status
from conversations.selectors import _TALLY_SUM, _tallied_where
from helpdesk.db import read_rows
from helpdesk.models import User
from mailboxes.models import Folder

# An assignee condition: any assignee or none, nobody, somebody, or this user's id.
ANY: Final = "any"
NOBODY: Final = "nobody"
SOMEBODY: Final = "somebody"
Assignee = str | int

PUBLISHED = Conversation.State.PUBLISHED
OPEN_STATUSES = frozenset({Status.ACTIVE, Status.PENDING})  # neither closed nor spam: Unassigned or Assigned
_TABLE = ConversationTally._meta.db_table


@dataclass(frozen=True)
class TallyFilter:
    """Conversations by mailbox, status, state and assignee (None: any mailbox, status or state), the
    conditions the tally keys. ``narrowed`` intersects one more condition; an empty set matches nothing."""

    mailbox_ids: frozenset[int] | None = None
    statuses: frozenset[str] | None = None
    states: frozenset[str] | None = None
    assignee: Assignee = ANY

    def narrowed(
        self,
        *,
        mailbox_ids: frozenset[int] | None = None,
        statuses: frozenset[str] | None = None,
        states: frozenset[str] | None = None,
        assignee: Assignee = ANY,
    ) -> "TallyFilter":
        def both(mine: frozenset | None, theirs: frozenset | None) -> frozenset | None:
            return theirs if mine is None else mine if theirs is None else mine & theirs

        return replace(
            self,
            mailbox_ids=both(self.mailbox_ids, mailbox_ids),
            statuses=both(self.statuses, statuses),
            states=both(self.states, states),
            assignee=_assignees_both(self.assignee, assignee),
        )

    @property
    def empty(self) -> bool:
        return frozenset() in (self.mailbox_ids, self.statuses, self.states) or self.assignee == _NO_ONE


# No conversation satisfies both assignee conditions (nobody and somebody, two different users).
_NO_ONE: Final = "no one"


def _assignees_both(mine: Assignee, theirs: Assignee) -> Assignee:
    if mine in (ANY, theirs):
        return theirs
    if theirs == ANY:
        return mine
    # Somebody and user 7: user 7. Anything else that differs (nobody and somebody, two users): no one.
    if mine == SOMEBODY and isinstance(theirs, int):
        return theirs
    if theirs == SOMEBODY and isinstance(mine, int):
        return mine
    return _NO_ONE


def folder_filter(folder: Folder) -> TallyFilter | None:
    """The folder's conversations (``conversations_in_folder``) as tally conditions, or None for Starred,
    which the tally does not key. A conversation's folder is the one ``folder_type_for`` gives its state,
    status and assignee (the services keep it so), which is what makes a mailbox folder a condition on them."""
    in_mailbox = TallyFilter(mailbox_ids=frozenset({folder.mailbox_id}))
    published = frozenset({PUBLISHED})
    by_type: dict[int, TallyFilter] = {
        Folder.Type.MINE: in_mailbox.narrowed(states=published, assignee=folder.user_id or _NO_ONE),
        Folder.Type.UNASSIGNED: in_mailbox.narrowed(states=published, statuses=OPEN_STATUSES, assignee=NOBODY),
        Folder.Type.ASSIGNED: in_mailbox.narrowed(states=published, statuses=OPEN_STATUSES, assignee=SOMEBODY),
        Folder.Type.CLOSED: in_mailbox.narrowed(states=published, statuses=frozenset({Status.CLOSED})),
        Folder.Type.SPAM: in_mailbox.narrowed(states=published, statuses=frozenset({Status.SPAM})),
        Folder.Type.DRAFTS: in_mailbox.narrowed(states=frozenset({Conversation.State.DRAFT})),
        Folder.Type.DELETED: in_mailbox.narrowed(states=frozenset({Conversation.State.DELETED})),
    }
    return by_type.get(folder.type)


def conversations_count_tallied(*, user: User, where: TallyFilter) -> int | None:
    """How many of the conversations ``user`` may see match ``where``, summed from the tally; None on a
    database without one."""
    if connection.vendor != "postgresql":
        return None
    if not user.is_active or where.empty:
        return 0

    def listed(values: frozenset | None) -> list | None:
        return None if values is None else sorted(values)

    sql, params = _tallied_where(
        user=user,
        mailbox_ids=listed(where.mailbox_ids),
        statuses=listed(where.statuses),
        states=listed(where.states),
    )
    if where.assignee == NOBODY:
        sql += " AND assignee_id IS NULL"
    elif where.assignee == SOMEBODY:
        sql += " AND assignee_id IS NOT NULL"
    elif where.assignee != ANY:
        sql += " AND assignee_id = %s"
        params.append(where.assignee)
    return read_rows(_TALLY_SUM.format(where=sql), params)[0][0]


def folder_counts_tallied(*, folders: list[Folder]) -> dict[int, tuple[int, int]] | None:
    """``{folder id: (totalCount, activeCount)}`` as ``mailboxes.selectors.folder_counts`` counts them,
    from one read of the tally's sums for the folders' mailboxes (a few hundred rows, whatever the number of
    conversations) and one count of the Starred folders' stars; None without a tally (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    mailbox_ids = sorted({folder.mailbox_id for folder in folders})
    # (mailbox, status, state, assignee) → conversations, every combination with any.
    sums = read_rows(
        f"SELECT mailbox_id, status, state, assignee_id, SUM(delta)::bigint FROM {_TABLE}"  # noqa: S608
        " WHERE mailbox_id = ANY(%s) GROUP BY 1, 2, 3, 4 HAVING SUM(delta) <> 0",
        [mailbox_ids],
    )
    counts: dict[int, tuple[int, int]] = {}
    for folder in folders:
        if folder.type == Folder.Type.STARRED:
            continue
        where = folder_filter(folder)
        assert where is not None  # every type but Starred has its conditions
        total = active = 0
        for mailbox_id, status, state, assignee_id, number in sums:
            if _matches(where, mailbox_id, status, state, assignee_id):
                total += number
                active += number if status == Status.ACTIVE else 0
        # Drafts and Deleted count all theirs as active too, as FreeScout does.
        everything_active = folder.type in (Folder.Type.DRAFTS, Folder.Type.DELETED)
        counts[folder.pk] = (total, total) if everything_active else (total, active)
    counts |= _starred_counts([folder for folder in folders if folder.type == Folder.Type.STARRED])
    return counts


def _matches(where: TallyFilter, mailbox_id: int, status: str, state: str, assignee_id: int | None) -> bool:
    if where.mailbox_ids is not None and mailbox_id not in where.mailbox_ids:
        return False
    if where.statuses is not None and status not in where.statuses:
        return False
    if where.states is not None and state not in where.states:
        return False
    if where.assignee == NOBODY:
        return assignee_id is None
    if where.assignee == SOMEBODY:
        return assignee_id is not None
    return where.assignee == ANY or where.assignee == assignee_id


def _starred_counts(folders: list[Folder]) -> dict[int, tuple[int, int]]:
    """The Starred folders' counts: each owner's stars in the mailbox (few; one grouped query)."""
    if not folders:
        return {}
    found: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    stars = ConversationStar.objects.filter(
        user_id__in={folder.user_id for folder in folders},
        conversation__mailbox_id__in={folder.mailbox_id for folder in folders},
    ).values_list("user_id", "conversation__mailbox_id", "conversation__status")
    for user_id, mailbox_id, status in stars:
        found[user_id, mailbox_id][0] += 1
        found[user_id, mailbox_id][1] += status == Status.ACTIVE
    return {folder.pk: tuple(found[folder.user_id or 0, folder.mailbox_id]) for folder in folders}  # type: ignore[misc]
