"""Django's PostgreSQL backend with a health check that costs no round trip on a busy connection, a cursor
for the hot reads, and timestamps read by compiled code.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request that reuses
a connection: a round trip, and a wake-up of the server process, on every API call (about a tenth of a
list request's server time, measured with py-spy under load). A connection the server has closed (restart,
``pg_terminate_backend``, ``idle_session_timeout``, a crash) has a socket that reads as ready (the server's
last message, or end of file), which the operating system tells without asking the server. So, as
PgBouncer does with ``server_check_delay``, a connection used within the last ``QUERY_CHECK_AFTER_IDLE``
seconds is checked locally, and only one idle for longer, whose silent loss (a firewall's idle timeout) no
socket would show, is checked with Django's query. A false alarm (a notice waiting on a healthy connection)
costs a reconnection, never a failed request.

Its cursors read ``timestamptz`` with psycopg's compiled parser (``create_cursor``), and the hot reads
written out once go through a cursor bound by the server, read in binary and, with the settings'
``prepare_threshold``, prepared (``binary_cursor``).

Its rollbacks also delete the files written in them (``helpdesk.storage.transactions``).
"""

import datetime
import select
import time
from typing import TYPE_CHECKING, Any

import psycopg
from django.db.backends.postgresql import base, operations
from django.utils.asyncio import async_unsafe
from psycopg.adapt import Loader
from psycopg.pq import Format, TransactionStatus

from helpdesk.storage.transactions import FilesFollowTransactions

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

_TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# psycopg's compiled loader (psycopg-binary); it cannot be subclassed.
_COMPILED_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)


class JsonbTextBinaryLoader(Loader):
    """``jsonb`` in binary as its JSON text, as Django reads it in text (its ``JSONField`` decodes it): the
    binary form is a version byte, then the text."""

    format = Format.BINARY

    def load(self, data) -> str:
        return bytes(data[1:]).decode()


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # Django reads a client-side cursor's composed statement; a ``binary_cursor`` binds on the server.
        if not isinstance(cursor, psycopg.ClientCursor):
            try:
                return self.compose_sql(sql, params)
            except psycopg.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(FilesFollowTransactions, base.DatabaseWrapper):
    ops_class = DatabaseOperations

    QUERY_CHECK_AFTER_IDLE = 30.0

    if TYPE_CHECKING:
        # What Django's backends set and define, and django-stubs leaves out.
        health_check_enabled: bool
        health_check_done: bool
        pool: Any  # a property: the psycopg_pool.ConnectionPool of the "pool" option, else None

        def _prepare_cursor(self, cursor: Any) -> CursorWrapper: ...

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.used_at = 0.0

    def connect(self) -> None:
        super().connect()
        self.used_at = time.monotonic()

    def create_cursor(self, name=None):
        """Django's cursor, reading ``timestamptz`` with psycopg's compiled parser when the session is in UTC.

        Django puts a pure-Python loader on the connection (psycopg's, then ``replace(tzinfo=…)``): about
        1 µs a value, 0.25 ms of every page of 50 conversations. In a UTC session the compiled parser returns
        the same values (``tzinfo=datetime.UTC``). It stays off the connection's adapters, where Django
        reads its loader's ``timezone``, which the compiled class has not; it goes on each plain cursor, as
        Django's own loader does when the time zones differ. Named (server-side) cursors keep Django's."""
        cursor = super().create_cursor(name)
        if name is None and self.timezone is datetime.UTC:
            cursor.adapters.register_loader(_TIMESTAMPTZ_OID, _COMPILED_TIMESTAMPTZ_LOADER)
        return cursor

    @async_unsafe
    def binary_cursor(self):
        """A cursor (Django's wrapper: logged, counted, errors translated) for statements written out once:
        parameters bound by the server and results in binary. Against Django's client-side binding and text
        results it saves composing the statement and parsing numbers and timestamps: measured on a page of
        50 conversations, about a quarter of the worker's time for the statement, and some of the server's
        (no text to format). With a ``prepare_threshold`` (the settings set one), psycopg prepares a
        statement from that run on, and the server neither parses nor (with ``plan_cache_mode``
        ``force_generic_plan``, also set there) plans it again: half of its CPU for a page's statement.
        ``jsonb`` still comes as text, for ``JSONField``; ``inet`` would not (none is read this way). Outside
        a UTC session, Django's cursor."""
        if self.timezone is not datetime.UTC:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = psycopg.Cursor(self.connection)
            cursor.format = Format.BINARY
            return self._prepare_cursor(cursor)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.adapters.register_loader("jsonb", JsonbTextBinaryLoader)
        return connection

    def close_if_unusable_or_obsolete(self) -> None:
        # Called as each request starts and ends: the check was done in between only if a query ran.
        if self.connection is not None and self.health_check_done:
            self.used_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            return
        if time.monotonic() - self.used_at > self.QUERY_CHECK_AFTER_IDLE:
            super().close_if_health_check_failed()
            return
        if not self.socket_is_quiet():
            self.close()
        self.health_check_done = True

    def socket_is_quiet(self) -> bool:
        """Open, outside a transaction, and nothing from the server waiting to be read."""
        connection = self.connection
        if connection.closed or connection.broken or connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
