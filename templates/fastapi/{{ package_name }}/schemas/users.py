"""What the auth and users APIs accept and return."""

import re
from typing import Annotated, Literal

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, EmailStr, StrictBool, ValidationInfo, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from ..passwords import (
    NOT_ONLY_DIGITS,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    too_similar_to_email,
    weakness,
)
from .common import Text, UTCDateTime

TOKEN_MAX_LENGTH = 2000
TOO_SIMILAR = "the password is too similar to the email address"


def _any_case(name: str) -> str:
    return "".join(
        f"[{char}{char.upper()}]" if char.isalpha() else re.escape(char) for char in name
    )


# EmailStr checks addresses with email-validator. The schema tells as much of its rules as
# it can, so that clients built from it offer no address the API refuses: 254 characters
# at most (email-validator counts UTF-8 bytes), 64 before the @ (RFC 5321: checked here,
# email-validator allows more), and no special-use domain such as `.test`, in any case.
EMAIL_MAX_LENGTH = 254
SPECIAL_USE_DOMAIN = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
# 1 to 64 characters, the @, and a domain that is not special-use (nor under one).
EMAIL_PATTERN = r"^[^@]{1,64}@(?!(?:[^@]*\.)?(?:" + SPECIAL_USE_DOMAIN + r")$)[^@]+$"


def _fits_the_pattern(address: str) -> str:
    if re.search(EMAIL_PATTERN, address) is None:
        raise ValueError("value is not a valid email address: over 64 characters before the @")
    return address


Email = Annotated[
    EmailStr,
    PydanticField(max_length=EMAIL_MAX_LENGTH, json_schema_extra={"pattern": EMAIL_PATTERN}),
    AfterValidator(_fits_the_pattern),
]


def _strong_enough(password: str) -> str:
    if (problem := weakness(password)) is not None:
        raise ValueError(problem)
    return password


# A password someone chooses. Compare it with the account's email address too. The schema
# tells the rule a pattern can: not all digits (common passwords are refused too).
NewPassword = Annotated[
    str,
    PydanticField(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        json_schema_extra={"pattern": NOT_ONLY_DIGITS},
    ),
    AfterValidator(_strong_enough),
]


class UserCreate(SQLModel):
    email: Email
    password: NewPassword
    full_name: Text | None = Field(default=None, max_length=200)

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


# The flags take `true` or `false` only, as the schema says: not 0, 1 or "yes".
class UserCreateByAdmin(UserCreate):
    is_active: StrictBool = True
    is_superuser: StrictBool = False
    # An administrator vouches for the address.
    is_verified: StrictBool = True


class UserUpdate(SQLModel):
    """An administrator's changes to a user; fields left out stay as they are."""

    full_name: Text | None = Field(default=None, max_length=200)
    password: NewPassword | None = None
    is_active: StrictBool | None = None
    is_superuser: StrictBool | None = None
    is_verified: StrictBool | None = None


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
    email: Email

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
