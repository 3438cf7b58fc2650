"""What the notes API accepts and returns. Limits follow Django's `notes.Note`."""

from typing import Annotated

from pydantic import AfterValidator
from sqlmodel import Field, SQLModel

from .common import UTCDateTime

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000


def _without_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters in text; refuse them up front.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_without_nul)]


class NoteCreate(SQLModel):
    title: Text = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    body: Text = Field(default="", max_length=BODY_MAX_LENGTH)


class NoteUpdate(SQLModel):
    """Fields left out stay as they are."""

    title: Text | None = Field(default=None, min_length=1, max_length=TITLE_MAX_LENGTH)
    body: Text | None = Field(default=None, max_length=BODY_MAX_LENGTH)


class NotePublic(SQLModel):
    id: int
    owner_id: int
    title: str
    body: str
    created_at: UTCDateTime
    updated_at: UTCDateTime


class NotesPage(SQLModel):
    notes: list[NotePublic]
    total: int
    limit: int
    offset: int
