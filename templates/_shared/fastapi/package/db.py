"""The async SQLAlchemy engine: aiosqlite for SQLite, asyncpg for PostgreSQL."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pooled: bool = True,
    connect_args: dict[str, Any] | None = None,
) -> AsyncEngine:
    """Create an engine for `url`; `pooled=False` opens a connection per use (tests, CLI)."""
    options: dict[str, Any] = {"echo": echo, "connect_args": connect_args or {}}
    sqlite = url.startswith("sqlite")
    if not pooled:
        options["poolclass"] = NullPool
    # No `pool_pre_ping`: a ping per checkout cost 4-8% of a list request's throughput.
    # When the database restarts, the first query on a dead connection fails and SQLAlchemy
    # then replaces every pooled connection, so one request per worker sees the error.
    engine = create_async_engine(url, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection.
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
