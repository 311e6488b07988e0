"""Files follow the transaction they were written in: deleted when it rolls back, kept when it commits.

A storage backend calls ``file_written`` after each write. Inside a transaction, the file is remembered on
the database connection with the savepoints open at that moment, as Django remembers ``on_commit``
callbacks; ``FilesFollowTransactions``, mixed into the project's database backends, then forgets the files
when the transaction commits and deletes them when it rolls back, whether the rollback comes from an
exception, from ``transaction.set_rollback`` (the API views' error handlers, under ``ATOMIC_REQUESTS``), from
a failed commit, or from the connection being closed mid-transaction. Rolling back to a savepoint deletes
the files written since that savepoint only. Outside a transaction a file is kept at once, like the row
written with it.

Deleting is best effort: a storage that fails then (an object store out of reach) leaves the file to
``helpdesk.storage.sweep``. So a row never references a missing file, and a missing row leaves a file for a
while at worst.
"""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections

if TYPE_CHECKING:
    from django.core.files.storage import Storage
    from django.db.backends.base.base import BaseDatabaseWrapper

    _Base = BaseDatabaseWrapper
else:
    _Base = object

logger = logging.getLogger(__name__)

_ATTRIBUTE = "helpdesk_files_written"


@dataclass(frozen=True)
class _Written:
    # The savepoints open when the file was written: rolling back to any of them undoes the write.
    savepoints: frozenset[str | None]
    storage: "Storage"
    name: str


def file_written(*, storage: "Storage", name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Records that ``name`` was just written to ``storage``, so that it goes if the transaction open on
    ``using`` (if any) rolls back."""
    connection = connections[using]
    if connection.in_atomic_block and isinstance(connection, FilesFollowTransactions):
        connection.files_written().append(_Written(frozenset(connection.savepoint_ids), storage, name))


class FilesFollowTransactions(_Base):
    """Mixed into a Django database backend's ``DatabaseWrapper`` (first among its bases)."""

    def files_written(self) -> list[_Written]:
        """The files written in the transaction now open, oldest first."""
        written = getattr(self, _ATTRIBUTE, None)
        if written is None:
            written = []
            setattr(self, _ATTRIBUTE, written)
        return written

    def _files_delete(self, *, savepoint: str | None = None, every: bool = False) -> None:
        written = self.files_written()
        gone = [w for w in written if every or savepoint in w.savepoints]
        setattr(self, _ATTRIBUTE, [w for w in written if w not in gone])
        for file in reversed(gone):
            try:
                file.storage.delete(file.name)
            except Exception:
                # Whatever the storage raises, the rollback has happened and must not fail now; the sweep
                # deletes the file later (it is referenced by no row).
                logger.exception("Could not delete %s, written by a transaction that rolled back", file.name)

    def commit(self) -> None:
        super().commit()
        setattr(self, _ATTRIBUTE, [])

    def rollback(self) -> None:
        # Refusals that leave the transaction open (called inside an atomic block, or from another thread)
        # come first, as in Django's own method: the files stay with the transaction.
        self.validate_thread_sharing()
        self.validate_no_atomic_block()
        try:
            super().rollback()
        finally:
            # Even when ROLLBACK itself failed, the transaction is over without a commit (Django closes the
            # connection next).
            self._files_delete(every=True)

    def savepoint_rollback(self, sid: Any) -> None:
        super().savepoint_rollback(sid)
        self._files_delete(savepoint=sid)

    def close(self) -> None:
        self.validate_thread_sharing()
        try:
            super().close()
        finally:
            # Closing a connection with a transaction open rolls it back (in the database's own time).
            if getattr(self, _ATTRIBUTE, None):
                self._files_delete(every=True)
