"""Rate limit hits: failed sign-ins and mail requests, counted in the database.

Every worker process and replica reads the same rows, so a limit holds however many
run. `key` is a SHA-256 digest of the account or client address it counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("rate_limit_hit_lookup", "rate_limit_hit", ["scope", "key", "at"])


def downgrade() -> None:
    op.drop_index("rate_limit_hit_lookup", table_name="rate_limit_hit")
    op.drop_table("rate_limit_hit")
