"""Django's notes over JSON. A note belongs to the user who wrote it; other users' notes
answer 404. The newest changes come first, as on the Django pages."""

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlmodel import col

from ..deps import CurrentUser, SessionDep
from ..models import Note
from ..pages import PageQuery
from ..schemas.common import Detail, Responses
from ..schemas.notes import NoteCreate, NotePublic, NotesPage, NoteUpdate

router = APIRouter(prefix="/notes", tags=["notes"])

# Django's ids are 64-bit.
MAX_ID = 2**63 - 1
NoteId = Annotated[int, Path(ge=1, le=MAX_ID)]
NOT_FOUND: Responses = {status.HTTP_404_NOT_FOUND: {"model": Detail}}

OWN_NOTES = PageQuery(
    [
        col(Note.id),
        col(Note.owner_id),
        col(Note.title),
        col(Note.body),
        col(Note.created_at),
        col(Note.updated_at),
    ],
    where=col(Note.owner_id) == sa.bindparam("owner_id"),
    order_by=[col(Note.updated_at).desc(), col(Note.id).desc()],
)


async def get_own_note(session: SessionDep, user: CurrentUser, note_id: int) -> Note:
    note = await session.get(Note, note_id)
    if note is None or note.owner_id != user.id:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note


@router.get("")
async def list_notes(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> NotesPage:
    rows, total = await OWN_NOTES.read(session, {"owner_id": user.id}, offset=offset, limit=limit)
    # One validation for the whole page: a model per row cost a tenth of the request.
    return NotesPage.model_validate(
        {"notes": rows, "total": total, "limit": limit, "offset": offset}
    )


@router.post("", response_model=NotePublic, status_code=status.HTTP_201_CREATED)
async def create_note(session: SessionDep, user: CurrentUser, data: NoteCreate) -> Note:
    note = Note(owner_id=user.id, title=data.title, body=data.body)
    session.add(note)
    await session.commit()
    await session.refresh(note)  # the database filled in the timestamps
    return note


@router.get("/{note_id}", response_model=NotePublic, responses=NOT_FOUND)
async def read_note(session: SessionDep, user: CurrentUser, note_id: NoteId) -> Note:
    return await get_own_note(session, user, note_id)


@router.patch("/{note_id}", response_model=NotePublic, responses=NOT_FOUND)
async def update_note(
    session: SessionDep, user: CurrentUser, note_id: NoteId, data: NoteUpdate
) -> Note:
    note = await get_own_note(session, user, note_id)
    changes = {key: value for key, value in data.model_dump().items() if value is not None}
    note.sqlmodel_update(changes)
    session.add(note)
    await session.commit()
    await session.refresh(note)
    return note


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_note(session: SessionDep, user: CurrentUser, note_id: NoteId) -> None:
    note = await get_own_note(session, user, note_id)
    await session.delete(note)
    await session.commit()
