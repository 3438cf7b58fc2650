"""Django's PostgreSQL backend with a cheaper connection health check.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` on a kept connection before each
request's first query, so that a connection the server dropped while it sat idle is
replaced instead of failing the request. Under load that ping is a quarter of a list
page's statements. Here it is sent only when it can tell something:

- the server has spoken since the connection was last used (a server that closes a
  connection, on restart, failover, `pg_terminate_backend` or an idle timeout, says so
  on the socket first): the ping then finds out, and a dead connection is replaced;
- or the connection has sat unused for IDLE_SECONDS or more: a peer that vanished
  without a word (a host gone, a middlebox that forgot the connection) is then caught
  by the ping, as before.

A connection used by a request less than a second ago, whose socket is quiet, is used
at once. "Used" is noted by Django's end-of-request check (Celery runs it around tasks
too); a connection that has not been through one is pinged, as Django would.
"""

import select
import time
from typing import Any

from django.db.backends.postgresql import base

# How long a connection may sit unused before the check asks the server again.
IDLE_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_done: bool  # Django's, which its type stubs leave out

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_used = float("-inf")
        # Whether the last health check asked the server (the readiness probe wants to).
        self.health_check_pinged = False

    def close_if_health_check_failed(self) -> None:
        self.health_check_pinged = False
        enabled = self.settings_dict["CONN_HEALTH_CHECKS"]
        if self.connection is None or not enabled or self.health_check_done:
            return
        if time.monotonic() - self.last_used < IDLE_SECONDS and not self.server_has_spoken():
            self.health_check_done = True
            return
        self.health_check_pinged = True
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this as each request starts and ends; a done health check means
        # the request that is ending used the connection.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.last_used = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def server_has_spoken(self) -> bool:
        """Whether the idle connection's socket holds something to read (or is broken)."""
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)
