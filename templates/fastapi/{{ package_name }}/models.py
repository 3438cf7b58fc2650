"""Database tables. Alembic migrations in `migrations/` must agree with them."""

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from .schemas.items import ItemBase


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_security_stamp() -> str:
    return secrets.token_urlsafe(24)


# Primary keys are None until a row is inserted; they are typed `int` for the code that
# only ever sees saved rows.


class User(SQLModel, table=True):
    __tablename__ = "users"
    # Tokens name users by id: on SQLite, never hand a deleted user's id to a new one.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=255, unique=True, index=True)
    hashed_password: str = Field(max_length=255)
    full_name: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    is_superuser: bool = False
    # Signed up but has not yet followed the link mailed to the address: cannot sign in.
    is_verified: bool = False
    # Every token carries a digest of it; a new stamp ends every token issued before
    # (see tokens.end_sessions).
    security_stamp: str = Field(default_factory=new_security_stamp, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class RefreshToken(SQLModel, table=True):
    """One refresh token, stored as a digest. Tokens rotated from one sign-in share a family."""

    __tablename__ = "refresh_tokens"

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    family_id: uuid.UUID = Field(index=True)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Item(ItemBase, table=True):
    __tablename__ = "items"

    id: int = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class RateLimitHit(SQLModel, table=True):
    """One attempt counted against a limit (see ratelimit.py); `key` is a digest."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("rate_limit_hit_lookup", "scope", "key", "at"),)

    id: int = Field(default=None, primary_key=True)
    scope: str = Field(max_length=40)
    key: str = Field(max_length=64)
    at: datetime = Field(sa_type=DateTime(timezone=True))
