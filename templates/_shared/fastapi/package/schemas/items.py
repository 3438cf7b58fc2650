"""What the items API accepts and returns."""

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from .common import UTCDateTime

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000


def reject_nul(value: str | None) -> str | None:
    # PostgreSQL cannot store NUL characters in text; refuse them up front.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class ItemBase(SQLModel):
    title: str = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)

    _no_nul = field_validator("title", "description")(reject_nul)


class ItemCreate(ItemBase):
    pass


class ItemUpdate(SQLModel):
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)

    _no_nul = field_validator("title", "description")(reject_nul)


class ItemPublic(ItemBase):
    id: int
    owner_id: int
    created_at: UTCDateTime


class ItemsPage(SQLModel):
    items: list[ItemPublic]
    total: int
    limit: int
    offset: int
