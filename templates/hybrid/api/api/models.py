"""Django's tables, mapped by hand. Django owns them and their migrations.

Only the columns this service uses need to be read, but every column is mapped, so that
the schema contract test (tests/test_api_contract.py in the Django project) can compare
these classes with what Django's migrations create. Ids and foreign keys are `bigint`
(Django's BigAutoField); SQLite keeps its rowid `integer` primary keys.
"""

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.sql import func
from sqlmodel import Field, SQLModel

BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def _id_column() -> Column[int]:
    return Column("id", BIG_ID, primary_key=True)


class User(SQLModel, table=True):
    """`accounts.User`. Read-only here: people sign up and change passwords on Django."""

    __tablename__ = "accounts_user"

    id: int = Field(default=None, sa_column=_id_column())
    email: str = Field(sa_column=Column("email", String(254), nullable=False, unique=True))
    # Django's encoded hash, e.g. pbkdf2_sha256$<iterations>$<salt>$<hash>.
    hashed_password: str = Field(sa_column=Column("password", String(128), nullable=False))
    first_name: str = Field(default="", sa_column=Column(String(150), nullable=False))
    last_name: str = Field(default="", sa_column=Column(String(150), nullable=False))
    is_active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    is_staff: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    is_superuser: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    last_login: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    date_joined: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        sa_column=Column(DateTime(timezone=True), nullable=False),
    )

    @property
    def security_stamp(self) -> str:
        """What this service's tokens are bound to (as a keyed digest, see security.py).

        Django writes a new hash, with a new salt, whenever the password changes (or is
        made unusable): a token issued before stops working on its next request.
        """
        return self.hashed_password


class Note(SQLModel, table=True):
    """`notes.Note`. Written here too, so its defaults live in the database (`db_default`)."""

    __tablename__ = "notes_note"

    id: int = Field(default=None, sa_column=_id_column())
    owner_id: int = Field(
        sa_column=Column(
            BigInteger,
            ForeignKey("accounts_user.id", deferrable=True, initially="DEFERRED"),
            nullable=False,
            index=True,
        )
    )
    title: str = Field(sa_column=Column(String(200), nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # None until the database fills them in; read back after each insert or update.
    created_at: datetime = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    updated_at: datetime = Field(
        default=None,
        sa_column=Column(
            DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
        ),
    )


class EmailAddress(SQLModel, table=True):
    """allauth's `account.EmailAddress`: a user may sign in only with a verified one."""

    __tablename__ = "account_emailaddress"

    id: int = Field(default=None, sa_column=Column("id", Integer, primary_key=True))
    user_id: int = Field(
        sa_column=Column(
            BigInteger,
            ForeignKey("accounts_user.id", deferrable=True, initially="DEFERRED"),
            nullable=False,
            index=True,
        )
    )
    email: str = Field(sa_column=Column(String(254), nullable=False, index=True))
    verified: bool = Field(sa_column=Column(Boolean, nullable=False))
    primary: bool = Field(sa_column=Column(Boolean, nullable=False))


class RateLimitHit(SQLModel, table=True):
    """`accounts.RateLimitHit`: attempts counted against a limit, by both services."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("rate_limit_hit_lookup", "scope", "key", "at"),)

    id: int = Field(default=None, sa_column=_id_column())
    scope: str = Field(sa_column=Column(String(40), nullable=False))
    key: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
