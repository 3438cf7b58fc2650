"""What the auth and users APIs accept and return."""

from typing import Literal

from pydantic import EmailStr, field_validator
from sqlmodel import Field, SQLModel

from .common import UTCDateTime
from .items import reject_nul

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


class UserCreate(SQLModel):
    email: EmailStr = Field(max_length=255)
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    full_name: str | None = Field(default=None, max_length=200)

    _no_nul = field_validator("full_name")(reject_nul)

    @field_validator("email")
    @classmethod
    def _lowercase_email(cls, value: str) -> str:
        return value.lower()


class UserCreateByAdmin(UserCreate):
    is_active: bool = True
    is_superuser: bool = False


class UserUpdate(SQLModel):
    """An administrator's changes to a user; fields left out stay as they are."""

    full_name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(
        default=None, min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH
    )
    is_active: bool | None = None
    is_superuser: bool | None = None

    _no_nul = field_validator("full_name")(reject_nul)


class UserPublic(SQLModel):
    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: UTCDateTime


class UsersPage(SQLModel):
    users: list[UserPublic]
    total: int
    limit: int
    offset: int


class TokenPair(SQLModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires")


class RefreshRequest(SQLModel):
    refresh_token: str = Field(min_length=1, max_length=200)
