from datetime import timedelta

from celery import shared_task
from django.conf import settings

from helpdesk.storage.sweep import files_unreferenced_sweep


@shared_task(name="helpdesk.files_sweep", ignore_result=True)
def files_sweep() -> int:
    """Deletes stored files that no row references (Celery beat; ``helpdesk.storage.sweep``)."""
    return len(files_unreferenced_sweep(older_than=timedelta(hours=settings.HELPDESK_FILE_SWEEP_GRACE_HOURS)))
