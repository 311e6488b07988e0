"""The local-disk storage, the embedded default, and what every storage of the project adds to Django's."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.files.storage import FileSystemStorage

from helpdesk.storage.transactions import file_written

if TYPE_CHECKING:
    from django.core.files.storage import Storage

    _StorageBase = Storage
else:
    _StorageBase = object


class FollowsTransactions(_StorageBase):
    """Mixed into a storage backend (first among its bases): each file written is reported to
    ``helpdesk.storage.transactions``, which deletes it if its transaction rolls back."""

    # Whether downloads are redirected to a signed URL of the storage (``helpdesk.storage.downloads``).
    signed_urls = False

    def _save(self, name: str, content: Any) -> str:
        saved = super()._save(name, content)  # type: ignore[misc]  # Django's stubs leave ``_save`` out
        file_written(storage=self, name=saved)
        return saved

    def files_under(self, directory: str) -> Iterator[tuple[str, datetime]]:
        """Every file under ``directory``, at any depth, with the time it was last written (for the sweep)."""
        raise NotImplementedError

    def signed_url(self, name: str, *, content_type: str, disposition: str) -> str:
        """A URL of the file that works for a short while without credentials, whose answer has this
        ``Content-Type`` and ``Content-Disposition`` (when ``signed_urls``)."""
        raise NotImplementedError


class LocalStorage(FollowsTransactions, FileSystemStorage):
    """``FileSystemStorage`` whose deletions also remove the directories they leave empty (each attachment
    has a directory of its own, which a rolled-back upload or a purge would otherwise leave behind)."""

    # Attempts at writing a file whose new directory a concurrent deletion removed as empty.
    SAVE_ATTEMPTS = 3

    def _save(self, name: str, content: Any) -> str:
        for attempt in range(1, self.SAVE_ATTEMPTS + 1):
            try:
                return super()._save(name, content)
            except FileNotFoundError:
                if attempt == self.SAVE_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def delete(self, name: str) -> None:
        super().delete(name)
        root = os.path.abspath(self.location)
        directory = os.path.dirname(self.path(name))
        while directory != root and directory.startswith(root + os.sep):
            try:
                os.rmdir(directory)
            except OSError:  # not empty (or already gone): the directories above are in use
                return
            directory = os.path.dirname(directory)

    def files_under(self, directory: str) -> Iterator[tuple[str, datetime]]:
        top = self.path(directory)
        for parent, _, files in os.walk(top):
            for file in files:
                path = os.path.join(parent, file)
                try:
                    modified = os.stat(path).st_mtime
                except FileNotFoundError:  # deleted meanwhile
                    continue
                name = os.path.relpath(path, self.location).replace(os.sep, "/")
                yield name, datetime.fromtimestamp(modified, tz=UTC)
