"""Django's PostgreSQL backend with a health check that costs no round trip on a busy connection.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request that reuses
a connection: a round trip, and a wake-up of the server process, on every API call (about a tenth of a
list request's server time, measured with py-spy under load). A connection the server has closed (restart,
``pg_terminate_backend``, ``idle_session_timeout``, a crash) has a socket that reads as ready (the server's
last message, or end of file), which the operating system tells without asking the server. So, as
PgBouncer does with ``server_check_delay``, a connection used within the last ``QUERY_CHECK_AFTER_IDLE``
seconds is checked locally, and only one idle for longer, whose silent loss (a firewall's idle timeout) no
socket would show, is checked with Django's query. A false alarm (a notice waiting on a healthy connection)
costs a reconnection, never a failed request.
"""

import select
import time

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    QUERY_CHECK_AFTER_IDLE = 30.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.used_at = 0.0

    def connect(self) -> None:
        super().connect()
        self.used_at = time.monotonic()

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
