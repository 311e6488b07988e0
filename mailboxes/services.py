"""Writes for mailboxes, their access, folders and custom fields."""

from collections.abc import Iterable
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_changes, audit_record
from helpdesk.errors import Conflict, Invalid
from helpdesk.fields import field_code_from_name
from helpdesk.models import User
from mailboxes.models import CustomField, Folder, Mailbox, MailboxUser, SavedReply

MAILBOX_FIELDS = frozenset(
    f.name for f in Mailbox._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
)
# What the audit log records of a mailbox: where its mail goes and comes from (passwords only as "[set]").
MAILBOX_AUDITED_FIELDS = frozenset({"name", "email", "aliases"}) | {
    name for name in MAILBOX_FIELDS if name.startswith(("out_", "in_"))
}


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
        raise Conflict({"email": "Another mailbox already uses this address."})


@transaction.atomic
def mailbox_create(*, name: str, email: str, **settings: Any) -> Mailbox:
    """Creates the mailbox with its folders, and personal folders for every admin."""
    if unknown := set(settings) - MAILBOX_FIELDS:
        raise TypeError(f"Unknown mailbox fields: {', '.join(sorted(unknown))}")
    mailbox = Mailbox(name=(name or "").strip(), email=(email or "").strip().lower(), **settings)
    _mailbox_validate(mailbox)
    mailbox.save()
    audit_record(
        action=AuditAction.MAILBOX_CREATED,
        target=mailbox,
        changes=audit_changes({}, {name: getattr(mailbox, name) for name in sorted(MAILBOX_AUDITED_FIELDS)}),
    )
    _folders_create(mailbox=mailbox)
    _folders_create(mailbox=mailbox, users=list(User.objects.filter(role=User.Role.ADMIN).exclude(status="deleted")))
    return mailbox


@transaction.atomic
def mailbox_update(*, mailbox: Mailbox, **fields: Any) -> Mailbox:
    if unknown := set(fields) - MAILBOX_FIELDS:
        raise TypeError(f"Unknown mailbox fields: {', '.join(sorted(unknown))}")
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip().lower()
    audited = sorted(MAILBOX_AUDITED_FIELDS & set(fields))
    before = {name: getattr(mailbox, name) for name in audited}
    for name, value in fields.items():
        setattr(mailbox, name, value)
    mailbox.updated_at = timezone.now()
    _mailbox_validate(mailbox)
    mailbox.save()
    if changes := audit_changes(before, {name: fields[name] for name in audited}):
        audit_record(action=AuditAction.MAILBOX_UPDATED, target=mailbox, changes=changes)
    return mailbox


@transaction.atomic
def mailbox_user_grant(*, mailbox: Mailbox, user: User) -> None:
    _, created = MailboxUser.objects.get_or_create(mailbox=mailbox, user=user)
    if created:
        _mailbox_access_audit(AuditAction.MAILBOX_ACCESS_GRANTED, mailbox=mailbox, user=user)
    _folders_create(mailbox=mailbox, users=[user])


def _mailbox_access_audit(action: AuditAction, *, mailbox: Mailbox, user: User) -> None:
    granted = action == AuditAction.MAILBOX_ACCESS_GRANTED
    audit_record(
        action=action,
        target=user,
        target_label=f"{user.email} → {mailbox.name}",
        changes={"mailbox": {"before": None if granted else mailbox.name, "after": mailbox.name if granted else None}},
    )


@transaction.atomic
def mailbox_user_revoke(*, mailbox: Mailbox, user: User) -> None:
    """Takes away a regular user's access (admins keep theirs). Their conversations there stay assigned
    to them until someone reassigns them, as in FreeScout."""
    deleted, _ = MailboxUser.objects.filter(mailbox=mailbox, user=user).delete()
    if deleted:
        _mailbox_access_audit(AuditAction.MAILBOX_ACCESS_REVOKED, mailbox=mailbox, user=user)
    if not user.is_admin:
        Folder.objects.filter(mailbox=mailbox, user=user).delete()


@transaction.atomic
def mailbox_access_set(*, user: User, mailboxes: Iterable[Mailbox]) -> None:
    """Gives ``user`` access to exactly ``mailboxes`` (the user form's checkboxes), each change through
    ``mailbox_user_grant`` / ``mailbox_user_revoke``."""
    wanted = {mailbox.pk: mailbox for mailbox in mailboxes}
    granted = set(MailboxUser.objects.filter(user=user).values_list("mailbox_id", flat=True))
    for mailbox in Mailbox.objects.filter(pk__in=granted - set(wanted)).order_by("pk"):
        mailbox_user_revoke(mailbox=mailbox, user=user)
    for pk in sorted(set(wanted) - granted):
        mailbox_user_grant(mailbox=wanted[pk], user=user)


@transaction.atomic
def mailbox_delete(*, mailbox: Mailbox) -> None:
    """Erases the mailbox: each conversation through ``conversation_delete_forever`` (its files go on
    commit, ``convo.deleted_forever`` is recorded), then the mailbox with its folders, custom fields and
    access. Refused while a webhook listens to this mailbox alone: with its filter emptied it would
    start receiving every mailbox's events."""
    # Imported at call time: conversations and webhooks build on mailboxes, so this module must not
    # import them on load.
    from conversations.models import Conversation
    from conversations.services import conversation_delete_forever
    from webhooks.models import Webhook

    filtered = Webhook.objects.filter(pk__in=Webhook.objects.filter(mailboxes=mailbox).values("pk"))
    if only_here := list(filtered.annotate(count=Count("mailboxes")).filter(count=1).values_list("pk", flat=True)):
        ids = ", ".join(str(pk) for pk in only_here)
        raise Conflict({"mailbox": f"Webhooks {ids} listen to this mailbox only: change or delete them first."})

    # Fetched before the first delete: SQLite cannot delete from a table while a cursor reads it.
    for conversation in list(Conversation.objects.filter(mailbox=mailbox).order_by("id")):
        conversation_delete_forever(conversation=conversation)
    audit_record(action=AuditAction.MAILBOX_DELETED, target=mailbox)
    mailbox.delete()


CUSTOM_FIELD_FIELDS = frozenset({"name", "code", "type", "options", "required", "sort_order"})


def _custom_field_validate(field: CustomField) -> None:
    field.name = (field.name or "").strip()
    if field.options in (None, ""):
        field.options = {}
    others = CustomField.objects.filter(mailbox_id=field.mailbox_id).exclude(pk=field.pk)
    field.code = (field.code or "").strip()
    if not field.code:
        field.code = field_code_from_name(field.name, taken=others.values_list("code", flat=True))
    field.full_clean(exclude=["mailbox"], validate_unique=False, validate_constraints=False)
    if others.filter(name__iexact=field.name).exists():
        raise Conflict({"name": "This mailbox already has a field of this name."})
    if others.filter(code__iexact=field.code).exists():
        raise Conflict({"code": "This mailbox already has a field with this code."})


def _custom_field_values_check(field: CustomField, *, changed: set[str], previous_type: str) -> None:
    """Refuses a change of type or options that would leave conversations' values unreadable (a value
    no longer a number, a dropdown option gone) rather than orphan them silently. A dropdown's values
    are option ids, which mean nothing once it is another type: it cannot change type while in use."""
    if not {"type", "options"} & changed:
        return
    values = field.values.values_list("value", flat=True).distinct()
    if previous_type == CustomField.Type.DROPDOWN and field.type != previous_type and values.exists():
        raise Invalid({"type": "Conversations hold values of this dropdown: its type cannot change."})
    for value in values:
        try:
            field.value_clean(value)
        except ValidationError:
            path = "options" if field.type == CustomField.Type.DROPDOWN and "options" in changed else "type"
            raise Invalid(
                {path: f"Conversations hold the value {value!r}, which the changed field would not accept."}
            ) from None


@transaction.atomic
def custom_field_create(
    *,
    mailbox: Mailbox,
    name: str,
    type: str,
    options: dict | None = None,
    required: bool = False,
    sort_order: int = 0,
    code: str = "",
) -> CustomField:
    """``code`` (unique in the mailbox case-insensitively) is made from the name when not given, and kept
    when the name changes later; an update with an empty code makes one again."""
    field = CustomField(
        mailbox=mailbox,
        name=name,
        code=code,
        type=type,
        options=options or {},
        required=required,
        sort_order=sort_order,
    )
    _custom_field_validate(field)
    field.save()
    return field


@transaction.atomic
def custom_field_update(*, field: CustomField, **changes: Any) -> CustomField:
    """Changes any of name, code, type, options, required, sort_order. Turning a dropdown into another type
    drops its options unless new ones are given (and refused)."""
    if unknown := set(changes) - CUSTOM_FIELD_FIELDS:
        raise TypeError(f"Unknown custom field fields: {', '.join(sorted(unknown))}")
    if changes.get("type", field.type) != CustomField.Type.DROPDOWN and "options" not in changes:
        changes["options"] = {}
    changed = {name for name, value in changes.items() if getattr(field, name) != value}
    previous_type = field.type
    for name, value in changes.items():
        setattr(field, name, value)
    _custom_field_validate(field)
    _custom_field_values_check(field, changed=changed, previous_type=previous_type)
    field.save()
    return field


@transaction.atomic
def custom_field_delete(*, field: CustomField) -> None:
    """Deletes the field; conversations' values of it go with it."""
    field.delete()


SAVED_REPLY_FIELDS = frozenset({"name", "body", "sort_order"})


SAVED_REPLY_NAME_TAKEN = "This mailbox already has a saved reply of this name."


def _saved_reply_name_taken(reply: SavedReply) -> bool:
    others = SavedReply.objects.filter(mailbox_id=reply.mailbox_id).exclude(pk=reply.pk)
    return others.filter(name__iexact=reply.name).exists()


def _saved_reply_save(reply: SavedReply) -> None:
    """Validates and saves. The name is checked first for a clear answer; a concurrent save that took it
    between the check and the write hits the unique index instead, and is the same ``Conflict``."""
    reply.name = (reply.name or "").strip()
    # Stored as safe HTML, as every thread body is: what an agent inserts is never a script.
    reply.body = nh3.clean(reply.body or "").strip()
    reply.full_clean(exclude=["mailbox"], validate_unique=False, validate_constraints=False)
    if _saved_reply_name_taken(reply):
        raise Conflict({"name": SAVED_REPLY_NAME_TAKEN})
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        if _saved_reply_name_taken(reply):
            raise Conflict({"name": SAVED_REPLY_NAME_TAKEN}) from None
        raise


@transaction.atomic
def saved_reply_create(*, mailbox: Mailbox, name: str, body: str, sort_order: int = 0) -> SavedReply:
    reply = SavedReply(mailbox=mailbox, name=name, body=body, sort_order=sort_order)
    _saved_reply_save(reply)
    return reply


@transaction.atomic
def saved_reply_update(*, reply: SavedReply, **changes: Any) -> SavedReply:
    """Changes any of name, body, sort_order; a saved reply stays in its mailbox."""
    if unknown := set(changes) - SAVED_REPLY_FIELDS:
        raise TypeError(f"Unknown saved reply fields: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(reply, name, value)
    reply.updated_at = timezone.now()
    _saved_reply_save(reply)
    return reply


@transaction.atomic
def saved_reply_delete(*, reply: SavedReply) -> None:
    reply.delete()
