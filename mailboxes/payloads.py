"""Mailbox, folder and mailbox custom field JSON as the FreeScout API shows it (see ``helpdesk.payloads``)."""

from helpdesk.payloads import date_out
from mailboxes.models import CustomField, Folder, Mailbox


def mailbox_payload(mailbox: Mailbox) -> dict:
    return {
        "id": mailbox.pk,
        "name": mailbox.name,
        "email": mailbox.email,
        "createdAt": date_out(mailbox.created_at),
        "updatedAt": date_out(mailbox.updated_at),
    }


def _option_order(key: str) -> tuple[bool, int, str]:
    return (not key.isdigit(), int(key) if key.isdigit() else 0, key)


def custom_field_options(field: CustomField) -> dict[str, str] | str | None:
    """A dropdown's ``{option id: label}``; otherwise what the docs' example shows: ``null`` for a date
    field, ``""`` for the others. Options are listed by id, since PostgreSQL's jsonb keeps no key order
    and SQLite does: both databases then answer the same."""
    if field.type == CustomField.Type.DROPDOWN:
        options = field.options if isinstance(field.options, dict) else {}
        return {str(key): str(options[key]) for key in sorted(options, key=lambda k: _option_order(str(k)))}
    if field.type == CustomField.Type.DATE:
        return None
    return ""


def custom_field_payload(field: CustomField) -> dict:
    return {
        "id": field.pk,
        "name": field.name,
        "type": field.type,
        "options": custom_field_options(field),
        "required": field.required,
        "sortOrder": field.sort_order,
    }


def folder_payload(folder: Folder, counts: tuple[int, int]) -> dict:
    """``counts`` is ``(totalCount, activeCount)`` from ``mailboxes.selectors.folder_counts``."""
    total, active = counts
    return {
        "id": folder.pk,
        "name": folder.name,
        "type": folder.type,
        "userId": folder.user_id,
        "totalCount": total,
        "activeCount": active,
        # FreeScout keeps per-folder settings here; system folders have none (the docs show null).
        "meta": None,
    }
