"""What the auth and users APIs accept and return."""

from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from ..passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, too_similar_to_email, weakness
from .common import UTCDateTime
from .items import reject_nul

TOKEN_MAX_LENGTH = 2000
TOO_SIMILAR = "the password is too similar to the email address"


def _strong_enough(password: str) -> str:
    if (problem := weakness(password)) is not None:
        raise ValueError(problem)
    return password


# A password someone chooses. Compare it with the account's email address too.
NewPassword = Annotated[
    str,
    Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
    AfterValidator(_strong_enough),
]


class UserCreate(SQLModel):
    email: EmailStr = Field(max_length=255)
    password: NewPassword
    full_name: str | None = Field(default=None, max_length=200)

    _no_nul = field_validator("full_name")(reject_nul)

    @field_validator("email")
    @classmethod
    def _lowercase_email(cls, value: str) -> str:
        return value.lower()

    @field_validator("password")
    @classmethod
    def _unlike_the_email(cls, value: str, info: ValidationInfo) -> str:
        email = info.data.get("email")  # absent when the address itself was invalid
        if email is not None and too_similar_to_email(value, email):
            raise ValueError(TOO_SIMILAR)
        return value


class UserCreateByAdmin(UserCreate):
    is_active: bool = True
    is_superuser: bool = False
    # An administrator vouches for the address.
    is_verified: bool = True


class UserUpdate(SQLModel):
    """An administrator's changes to a user; fields left out stay as they are."""

    full_name: str | None = Field(default=None, max_length=200)
    password: NewPassword | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None
    is_verified: bool | None = None

    _no_nul = field_validator("full_name")(reject_nul)


class UserPublic(SQLModel):
    id: int
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    is_verified: bool
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


class Message(SQLModel):
    """An answer that only says what happened (or will)."""

    message: str


class PasswordRecovery(SQLModel):
    email: EmailStr = Field(max_length=255)

    @field_validator("email")
    @classmethod
    def _lowercase_email(cls, value: str) -> str:
        return value.lower()


class PasswordReset(SQLModel):
    token: str = Field(min_length=1, max_length=TOKEN_MAX_LENGTH)
    new_password: NewPassword


class PasswordChange(SQLModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: NewPassword


class EmailVerification(SQLModel):
    token: str = Field(min_length=1, max_length=TOKEN_MAX_LENGTH)
