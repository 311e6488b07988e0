"""Celery tasks of presence: thin; the work is in ``presence.services``."""

from celery import shared_task
from django.utils import timezone

from presence.services import presence_sweep


@shared_task(name="presence.sweep", ignore_result=True)
def sweep() -> int:
    """Closes the intervals of agents gone idle (Celery beat, every minute)."""
    return presence_sweep(now=timezone.now())
