"""A task only the Celery tests load (``celery worker --include tests.celery_probe``)."""

from pathlib import Path

from celery import shared_task


@shared_task(name="tests.celery_probe.write_marker")
def write_marker(path: str, text: str) -> None:
    Path(path).write_text(text)
