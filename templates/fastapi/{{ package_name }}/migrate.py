"""Apply the Alembic migrations, one process at a time: `python -m <package>.cli migrate`.

`alembic upgrade heads` is not safe to run twice at once on PostgreSQL: both runs see the
same migrations pending, and the second fails on the tables the first has just made, or
applies a data migration twice. Several can start together in a cluster: a migration Job
and its retry, two deploys at once. `upgrade` holds a PostgreSQL advisory lock around the
upgrade, so the second waits for the first and then finds nothing left to do. On SQLite
(development and tests) it upgrades without a lock: one process owns the file.
"""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from .db import create_engine

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
# Any number will do, as long as nothing else in the project locks it. Advisory locks
# are per database, so projects sharing a server do not wait for each other.
MIGRATION_LOCK = 7_316_815

logger = logging.getLogger(__name__)


def _upgrade_to_heads(connection: Connection) -> None:
    config = Config(ALEMBIC_INI)
    config.attributes["connection"] = connection  # migrations/env.py uses it as it is
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")


async def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest migration."""
    engine = create_engine(database_url, pooled=False)
    key = {"key": MIGRATION_LOCK}
    try:
        async with engine.connect() as connection:
            locking = connection.dialect.name == "postgresql"
            if locking:
                # A session lock: it outlives the transactions the migrations commit, and
                # PostgreSQL releases it should this process die half-way.
                taken = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key)
                if not taken:
                    logger.info("Another migration is running: waiting for it to finish")
                    await connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
                await connection.commit()
            try:
                await connection.run_sync(_upgrade_to_heads)
            finally:
                if locking:
                    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                    await connection.commit()
    finally:
        await engine.dispose()
