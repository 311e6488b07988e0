"""Attachments on their own: files uploaded before the message they go with (the LiveAgent API's ``POST /files``,
attached later through ``NewThread.attachment_tokens``), their downloads, and the purge of those never attached."""

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conversations.models import Attachment
from conversations.services.threads import NewAttachment, _attachment_add

# Unattached attachments deleted per transaction by ``attachments_unattached_purge``.
PURGE_BATCH = 500


@transaction.atomic
def attachment_create(*, attachment: NewAttachment) -> Attachment:
    """Stores a file on no thread yet; a thread created with its token in ``attachment_tokens`` takes it."""
    return _attachment_add(thread=None, attachment=attachment)


@transaction.atomic
def attachment_download_count(*, attachment: Attachment) -> None:
    """Counts one download (in the database, so that concurrent downloads all count)."""
    Attachment.objects.filter(pk=attachment.pk).update(downloads=F("downloads") + 1)


def attachments_unattached_purge(*, older_than: timedelta) -> int:
    """Deletes the attachments still on no thread ``older_than`` after their upload, in batches of one
    transaction each; their files leave the storage once the batch commits. A file being attached at that
    moment is locked by its thread's transaction and skipped, then kept. Returns how many were deleted."""
    cutoff = timezone.now() - older_than
    storage = Attachment._meta.get_field("file").storage
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Attachment.objects.select_for_update(skip_locked=True)
                .filter(thread__isnull=True, created_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", "file")[:PURGE_BATCH]
            )
            if not rows:
                return deleted
            Attachment.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
            for _, name in rows:
                if name:
                    # Robust: a file the storage cannot delete must not stop the purge of the others.
                    transaction.on_commit(partial(storage.delete, name), robust=True)
        deleted += len(rows)
