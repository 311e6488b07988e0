"""Mailbox, folder and mailbox custom field JSON as the FreeScout API shows it (see ``freescout.payloads``)."""

from freescout.payloads import date_out
from mailboxes.models import Folder, Mailbox


def mailbox_payload(mailbox: Mailbox) -> dict:
    return {
        "id": mailbox.pk,
        "name": mailbox.name,
        "email": mailbox.email,
        "createdAt": date_out(mailbox.created_at),
        "updatedAt": date_out(mailbox.updated_at),
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
