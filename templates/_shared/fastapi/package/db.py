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
    pool_size: int = 10,
    connect_args: dict[str, Any] | None = None,
) -> AsyncEngine:
    """Create an engine for `url`; `pooled=False` opens a connection per use (tests, CLI),
    `pool_size` is the most it keeps otherwise (the setting DATABASE_POOL_SIZE)."""
    options: dict[str, Any] = {"echo": echo, "connect_args": connect_args or {}}
    sqlite = url.startswith("sqlite")
    if not pooled:
        options["poolclass"] = NullPool
    elif not sqlite:
        # A fixed pool: at most `pool_size` connections, opened when first needed and then
        # kept. With SQLAlchemy's default (5, and 10 more "overflow" connections closed as
        # soon as they are returned), a busy process opened and closed a PostgreSQL
        # connection every few dozen requests, and each new one costs the process and the
        # server far more than a query; a request that finds every connection busy now
        # waits for one instead (up to `pool_timeout`, 30 s).
        options |= {"pool_size": pool_size, "max_overflow": 0}
    # No `pool_pre_ping`: a ping per checkout cost 4-8% of a list request's throughput.
    # When the database restarts, the first query on a dead connection fails and SQLAlchemy
    # then replaces every pooled connection, so one request per worker sees the error.
    engine = create_async_engine(url, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def reads_engine(engine: AsyncEngine) -> AsyncEngine:
    """`engine` (the same pool) for statements that only read, each on its own.

    In a transaction, a read costs two more round trips, BEGIN and then ROLLBACK when the
    connection goes back to the pool, and guarantees nothing more under PostgreSQL's
    default isolation (READ COMMITTED: each statement sees what was committed when it
    started, in a transaction or not). Never write through it: a write of several
    statements needs a transaction, the session's.
    """
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _enable_sqlite_foreign_keys(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection.
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
