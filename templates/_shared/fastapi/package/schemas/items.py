"""What the items API accepts and returns."""

from sqlmodel import Field, SQLModel

from .common import Text, UTCDateTime

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000


class ItemBase(SQLModel):
    title: Text = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    description: Text | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)


class ItemCreate(ItemBase):
    pass


class ItemUpdate(SQLModel):
    title: Text | None = Field(default=None, min_length=1, max_length=TITLE_MAX_LENGTH)
    description: Text | None = Field(default=None, max_length=DESCRIPTION_MAX_LENGTH)


class ItemPublic(ItemBase):
    id: int
    owner_id: int
    created_at: UTCDateTime


class ItemsPage(SQLModel):
    items: list[ItemPublic]
    total: int
    limit: int
    offset: int
