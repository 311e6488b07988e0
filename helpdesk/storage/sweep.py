"""Deleting stored files that no row references (Celery beat's ``helpdesk.files_sweep``, and
``manage.py files_sweep``).

``transactions`` deletes the files of a transaction that rolls back, but not those of a process killed
between writing a file and the end of its transaction, nor a deletion the storage refused. The sweep finds
them: a file under a directory that a model's file field writes to, that no row of such a field names, and
that was written longer ago than the grace period (longer than any transaction lasts, so that a file whose
row is still being written is never taken). Files elsewhere in the storage are left alone.
"""

import itertools
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import cast

from django.apps import apps
from django.core.files.storage import default_storage
from django.db.models import FileField, Model
from django.utils import timezone

from helpdesk.storage.backends import FollowsTransactions

logger = logging.getLogger(__name__)

# Names checked against the database per query.
SWEEP_BATCH = 500


def _file_fields() -> list[tuple[type[Model], FileField]]:
    """The file fields kept in the default storage (those given no storage of their own)."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField) and field.storage is default_storage
    ]


def swept_directories() -> list[str]:
    """The top directories the file fields write to (``attachments``, ``users``…), from a
    name each field would give a file now."""
    directories = set()
    for model, field in _file_fields():
        name = field.generate_filename(model(), "probe")
        if "/" in name:
            directories.add(name.split("/", 1)[0])
    return sorted(directories)


def _referenced(names: list[str]) -> set[str]:
    found: set[str] = set()
    for model, field in _file_fields():
        found.update(model._base_manager.filter(**{f"{field.name}__in": names}).values_list(field.name, flat=True))
    return found


def _candidates(cutoff: datetime) -> Iterator[str]:
    for directory in swept_directories():
        for name, modified in cast("FollowsTransactions", default_storage).files_under(directory):
            if modified < cutoff:
                yield name


def _batched(names: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(names)
    while batch := list(itertools.islice(iterator, SWEEP_BATCH)):
        yield batch


def files_unreferenced_sweep(*, older_than: timedelta, dry_run: bool = False) -> list[str]:
    """Deletes (unless ``dry_run``) the files of the default storage that no row references and that were
    written more than ``older_than`` ago; returns their names."""
    cutoff = timezone.now() - older_than
    swept = []
    for batch in _batched(_candidates(cutoff)):
        for name in sorted(set(batch) - _referenced(batch)):
            if not dry_run:
                try:
                    default_storage.delete(name)
                except Exception:
                    # One file the storage refuses must not stop the sweep of the others; the next run tries again.
                    logger.exception("Could not delete the unreferenced file %s", name)
                    continue
            swept.append(name)
    if swept:
        logger.info("%s %d unreferenced files", "Found" if dry_run else "Deleted", len(swept))
    return swept
