"""Account security: a security stamp per user, verified addresses, ids never reused.

- `users.security_stamp`: every token carries a digest of it, and a new stamp ends them
  all. Existing users get a random one each.
- `users.is_verified`: new accounts follow a mailed link before they can sign in;
  existing users count as verified.
- On SQLite the table is rebuilt with AUTOINCREMENT, so that a deleted user's id is never
  given to a new user (PostgreSQL's sequences never hand out an id twice).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 32 random hexadecimal digits per row, from each database's strong random source.
RANDOM_STAMP = {
    "postgresql": "replace(gen_random_uuid()::text, '-', '')",
    "sqlite": "lower(hex(randomblob(16)))",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        switch_off_foreign_keys()
    op.add_column("users", sa.Column("security_stamp", sa.String(length=64), nullable=True))
    op.add_column(
        "users", sa.Column("is_verified", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    users = sa.table("users", sa.column("security_stamp"))
    op.execute(users.update().values(security_stamp=sa.literal_column(RANDOM_STAMP[dialect])))
    with op.batch_alter_table("users", **rebuild_options(dialect, autoincrement=True)) as batch:
        batch.alter_column("security_stamp", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("is_verified", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        switch_off_foreign_keys()
    with op.batch_alter_table("users", **rebuild_options(dialect, autoincrement=False)) as users:
        users.drop_column("is_verified")
        users.drop_column("security_stamp")


def rebuild_options(dialect: str, *, autoincrement: bool) -> dict[str, Any]:
    """SQLite changes a column or AUTOINCREMENT only by rebuilding the table."""
    if dialect != "sqlite":
        return {}
    return {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": autoincrement}}


def switch_off_foreign_keys() -> None:
    """Let SQLite rebuild `users` without losing the rows that refer to it.

    A rebuild drops the old table, and with foreign keys on SQLite would first delete its
    rows, and with them (ON DELETE CASCADE) every item and refresh token. The pragma has
    no effect inside a transaction, so it comes first; the migration's connection is
    closed after it, which ends the setting with it.
    """
    connection = op.get_bind()
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    still_on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    # Within a transaction (upgrading a new database in one go) only an empty table is safe.
    if still_on and connection.exec_driver_sql("SELECT count(*) FROM users").scalar():
        raise RuntimeError(
            "cannot rebuild the users table while SQLite enforces foreign keys; "
            "run this migration on its own (`alembic upgrade 0002`)"
        )
