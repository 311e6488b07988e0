"""Reads: which mailboxes a user may see, and the folder counters."""

from collections.abc import Iterable
from typing import cast

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from helpdesk.db import instances_from_rows, model_columns, read_rows
from helpdesk.models import User
from mailboxes.models import Folder, Mailbox, MailboxUser, SavedReply


def mailboxes_accessible_by(*, user: User) -> QuerySet[Mailbox]:
    """Every mailbox for admins, the granted ones for regular users; none for inactive users."""
    if not user.is_active:
        return Mailbox.objects.none()
    if user.is_admin:
        return Mailbox.objects.all()
    return Mailbox.objects.filter(mailboxuser__user=user)


def mailbox_accessible_by(*, user: User, mailbox_id: int) -> bool:
    return mailboxes_accessible_by(user=user).filter(pk=mailbox_id).exists()


def mailbox_ids_accessible_by_each(*, users: Iterable[User], mailbox_ids: Iterable[int]) -> dict[int, set[int]]:
    """``{user id: the ones of mailbox_ids the user may access}``, as ``mailboxes_accessible_by`` says, for
    many users in one query (a report asking it per user and mailbox made a query of each pair)."""
    users, wanted = list(users), set(mailbox_ids)
    access = {user.pk: set(wanted) if user.is_active and user.is_admin else set() for user in users}
    granted = MailboxUser.objects.filter(
        user_id__in=[user.pk for user in users if user.is_active and not user.is_admin], mailbox_id__in=wanted
    )
    for user_id, mailbox_id in granted.values_list("user_id", "mailbox_id"):
        access[user_id].add(mailbox_id)
    return access


def users_with_access(*, mailbox: Mailbox) -> QuerySet[User]:
    return (
        User.objects.filter(status=User.Status.ACTIVE)
        .filter(Q(role=User.Role.ADMIN) | Q(mailboxuser__mailbox=mailbox))
        .distinct()
    )


def users_sharing_a_mailbox_with(*, user: User) -> QuerySet[User]:
    """The users (deleted ones aside) an API key of ``user`` may look up: an admin's, every one; a regular
    user's, itself and those who can access one of its mailboxes (admins, who access all, and the users
    granted one), as the authors and assignees it meets in its conversations."""
    users = User.objects.exclude(status=User.Status.DELETED)
    if user.is_active and user.is_admin:
        return users
    mailboxes = mailboxes_accessible_by(user=user)
    granted = MailboxUser.objects.filter(user=OuterRef("pk"), mailbox__in=mailboxes)
    return users.filter(Q(pk=user.pk) | (Exists(mailboxes) & Q(role=User.Role.ADMIN)) | Exists(granted))


def folder_get(*, mailbox_id: int, type: int, user: User | None = None) -> Folder:
    return Folder.objects.get(mailbox_id=mailbox_id, type=type, user=user)


def folder_counts(*, folders: list[Folder]) -> dict[int, tuple[int, int]]:
    """``{folder id: (totalCount, activeCount)}``: summed from the conversation tally on PostgreSQL (a
    count of every conversation of a mailbox took a second at a million), else ``folder_counts_counted``."""
    from conversations.tallies import folder_counts_tallied

    tallied = folder_counts_tallied(folders=folders)
    return folder_counts_counted(folders=folders) if tallied is None else tallied


def folder_counts_counted(*, folders: list[Folder]) -> dict[int, tuple[int, int]]:
    """``{folder id: (totalCount, activeCount)}`` counted from the conversations themselves. Three grouped
    queries per mailbox, whatever the number of folders.

    totalCount counts published conversations and activeCount the active ones among them, except:
    Drafts and Deleted count their drafts / deleted ones (active = total); Mine counts the user's
    published assigned conversations in the mailbox; Starred the user's starred ones.
    """
    from conversations.models import Conversation, ConversationStar

    counts: dict[int, tuple[int, int]] = {}
    for mailbox_id in {folder.mailbox_id for folder in folders}:
        in_mailbox = [folder for folder in folders if folder.mailbox_id == mailbox_id]
        conversations = Conversation.objects.filter(mailbox_id=mailbox_id)
        active = Q(status=Conversation.Status.ACTIVE)
        published = Q(state=Conversation.State.PUBLISHED)
        by_folder = {
            row["folder_id"]: row
            for row in conversations.values("folder_id").annotate(
                total=Count("id", filter=published), active=Count("id", filter=published & active), all=Count("id")
            )
        }
        by_assignee = {
            row["assignee_id"]: row
            for row in conversations.filter(published, assignee__isnull=False)
            .values("assignee_id")
            .annotate(total=Count("id"), active=Count("id", filter=active))
        }
        by_starrer = {
            row["user_id"]: row
            for row in ConversationStar.objects.filter(conversation__mailbox_id=mailbox_id)
            .values("user_id")
            .annotate(total=Count("id"), active=Count("id", filter=Q(conversation__status=Conversation.Status.ACTIVE)))
        }
        for folder in in_mailbox:
            if folder.type == Folder.Type.MINE:
                row = by_assignee.get(folder.user_id)
            elif folder.type == Folder.Type.STARRED:
                row = by_starrer.get(folder.user_id)
            else:
                row = by_folder.get(folder.id)
            if row is None:
                counts[folder.id] = (0, 0)
            elif folder.type in (Folder.Type.DRAFTS, Folder.Type.DELETED):
                counts[folder.id] = (row["all"], row["all"])
            else:
                counts[folder.id] = (row["total"], row["active"])
    return counts


def folders_visible_to(*, user: User, mailbox: Mailbox, owner: User | None = None) -> QuerySet[Folder]:
    """The mailbox's folders and the personal folders (Mine, Starred) the key's user may list: everyone's
    for an admin, only their own for a regular user; with ``owner``, only that user's personal folders.
    Deleted users' personal folders are left out, as deleted users are left out of ``GET /api/users``."""
    owners = User.objects.exclude(status=User.Status.DELETED)
    if not user.is_admin:
        owners = owners.filter(pk=user.pk)
    if owner is not None:
        owners = owners.filter(pk=owner.pk)
    return Folder.objects.filter(mailbox=mailbox).filter(Q(user__isnull=True) | Q(user__in=owners))


# The sidebar's mailboxes with their folders (the shared ones and the user's own), in one statement written
# out once: every agent UI page reads it. A LEFT JOIN so that a mailbox without folders is still listed.
_NAVIGATION = (
    "SELECT {mailbox}, {folder} FROM mailboxes_mailbox m"
    " LEFT JOIN mailboxes_folder f ON f.mailbox_id = m.id AND (f.user_id IS NULL OR f.user_id = %s){access}"
    " ORDER BY m.name, m.id, f.type, f.id"
)
_GRANTED = " WHERE EXISTS (SELECT 1 FROM mailboxes_mailboxuser mu WHERE mu.mailbox_id = m.id AND mu.user_id = %s)"


def folder_navigation(*, user: User) -> list[tuple[Mailbox, list[tuple[Folder, int, int]]]]:
    """The agent UI's sidebar: each mailbox the user can access (as ``mailboxes_accessible_by``) with its
    folders and the user's own Mine and Starred, as ``(folder, totalCount, activeCount)``, in FreeScout's
    order (Mine first)."""
    if not user.is_active:
        return []
    sql = _NAVIGATION.format(
        mailbox=model_columns(Mailbox, "m"), folder=model_columns(Folder, "f"), access="" if user.is_admin else _GRANTED
    )
    mailboxes: dict[int, Mailbox] = {}
    folders: list[Folder] = []
    rows = read_rows(sql, [user.pk] if user.is_admin else [user.pk, user.pk])
    for read_mailbox, read_folder in instances_from_rows(rows, Mailbox, Folder):
        mailbox = mailboxes.setdefault(read_mailbox.pk, cast(Mailbox, read_mailbox))
        if read_folder.pk is not None:  # the LEFT JOIN's row of a mailbox without folders
            folder = cast(Folder, read_folder)
            folder.mailbox = mailbox
            folders.append(folder)
    counts = folder_counts(folders=folders)
    order: dict[int, int] = {Folder.Type.MINE: 0, Folder.Type.UNASSIGNED: 1}
    by_mailbox: dict[int, list[tuple[Folder, int, int]]] = {pk: [] for pk in mailboxes}
    for folder in sorted(folders, key=lambda f: (order.get(f.type, 2), f.type)):
        by_mailbox[folder.mailbox_id].append((folder, *counts[folder.pk]))
    return [(mailbox, by_mailbox[pk]) for pk, mailbox in mailboxes.items()]


def folder_visible_to(*, user: User, folder_id: int) -> Folder | None:
    """A folder of a mailbox the user can access: the mailbox's own, or the user's Mine and Starred (an
    admin may open anyone's)."""
    folders = Folder.objects.filter(pk=folder_id, mailbox__in=mailboxes_accessible_by(user=user))
    if not user.is_admin:
        folders = folders.filter(Q(user__isnull=True) | Q(user=user))
    return folders.select_related("mailbox", "user").first()


def saved_replies_of(*, mailbox_id: int) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(mailbox_id=mailbox_id).order_by("sort_order", "name", "id")
