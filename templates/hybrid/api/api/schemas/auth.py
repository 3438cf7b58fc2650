"""What the auth and users APIs return."""

from typing import Literal

from sqlmodel import Field, SQLModel

from .common import UTCDateTime


class AccessToken(SQLModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires")


class UserPublic(SQLModel):
    id: int
    email: str
    first_name: str
    last_name: str
    is_active: bool
    is_superuser: bool
    date_joined: UTCDateTime
