"""Django's SQLite backend, whose rollbacks also delete the files written in them
(``helpdesk.storage.transactions``)."""

from django.db.backends.sqlite3 import base

from helpdesk.storage.transactions import FilesFollowTransactions


class DatabaseWrapper(FilesFollowTransactions, base.DatabaseWrapper):
    pass
