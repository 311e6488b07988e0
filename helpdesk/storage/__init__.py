"""Where media files (attachments, user photos) live, and how they follow the database.

- ``backends``: the local disk (``MEDIA_ROOT``), the embedded default; ``s3``: any S3-compatible object store,
  when the settings' media storage block is given a bucket. Both report every file they write to
  ``transactions``.
- ``transactions``: a file written inside a transaction that then rolls back (the whole transaction, or the
  savepoint it was written in) is deleted; one written by a transaction that commits is kept. The project's
  database backends (``helpdesk.sqlite3``, ``helpdesk.postgresql``) call it on commit, rollback and close.
- ``sweep``: deletes stored files that no row references, once older than a grace period, for whatever the
  above could not (a process killed between writing a file and its transaction's end).
- ``downloads``: the response that serves a stored file: streamed from the disk, or a redirect to a short-lived
  signed URL of the object store.
- ``origins``: where browsers fetch media from when it is not this host (for the Content-Security-Policy).

Infrastructure: imports nothing from the project's apps. This module imports nothing, so that the settings
can import ``origins``.
"""
