"""Writes for mailboxes, their access and folders."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from helpdesk.models import User
from mailboxes.models import Folder, Mailbox, MailboxUser

MAILBOX_FIELDS = frozenset(
    f.name for f in Mailbox._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
)


def _folders_create(*, mailbox: Mailbox, users: list[User] | None = None) -> None:
    """Creates whichever of the mailbox's folders (or these users' personal folders in it) are missing."""
    if users is None:
        wanted = [Folder(mailbox=mailbox, type=folder_type) for folder_type in Folder.MAILBOX_TYPES]
    else:
        wanted = [
            Folder(mailbox=mailbox, type=folder_type, user=user)
            for user in users
            for folder_type in Folder.PERSONAL_TYPES
        ]
    existing = set(
        Folder.objects.filter(mailbox=mailbox, type__in=[f.type for f in wanted]).values_list("type", "user_id")
    )
    Folder.objects.bulk_create([f for f in wanted if (f.type, f.user_id) not in existing])


def folders_ensure_for_user(*, user: User) -> None:
    """Gives the user Mine and Starred in every mailbox they can access."""
    from mailboxes.selectors import mailboxes_accessible_by

    for mailbox in mailboxes_accessible_by(user=user):
        _folders_create(mailbox=mailbox, users=[user])


def _mailbox_validate(mailbox: Mailbox) -> None:
    mailbox.full_clean(validate_unique=False, validate_constraints=False)
    if Mailbox.objects.filter(email__iexact=mailbox.email).exclude(pk=mailbox.pk).exists():
        raise ValidationError({"email": "Another mailbox already uses this address."})


@transaction.atomic
def mailbox_create(*, name: str, email: str, **settings: Any) -> Mailbox:
    """Creates the mailbox with its folders, and personal folders for every admin."""
    if unknown := set(settings) - MAILBOX_FIELDS:
        raise TypeError(f"Unknown mailbox fields: {', '.join(sorted(unknown))}")
    mailbox = Mailbox(name=(name or "").strip(), email=(email or "").strip().lower(), **settings)
    _mailbox_validate(mailbox)
    mailbox.save()
    _folders_create(mailbox=mailbox)
    _folders_create(mailbox=mailbox, users=list(User.objects.filter(role=User.Role.ADMIN).exclude(status="deleted")))
    return mailbox


@transaction.atomic
def mailbox_update(*, mailbox: Mailbox, **fields: Any) -> Mailbox:
    if unknown := set(fields) - MAILBOX_FIELDS:
        raise TypeError(f"Unknown mailbox fields: {', '.join(sorted(unknown))}")
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip().lower()
    for name, value in fields.items():
        setattr(mailbox, name, value)
    mailbox.updated_at = timezone.now()
    _mailbox_validate(mailbox)
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_user_grant(*, mailbox: Mailbox, user: User) -> None:
    MailboxUser.objects.get_or_create(mailbox=mailbox, user=user)
    _folders_create(mailbox=mailbox, users=[user])


@transaction.atomic
def mailbox_user_revoke(*, mailbox: Mailbox, user: User) -> None:
    """Takes away a regular user's access (admins keep theirs). Their conversations there stay assigned
    to them until someone reassigns them, as in FreeScout."""
    MailboxUser.objects.filter(mailbox=mailbox, user=user).delete()
    if not user.is_admin:
        Folder.objects.filter(mailbox=mailbox, user=user).delete()
