"""`/users/me` for everyone signed in; the rest of `/users` for administrators only."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from ..accounts import require_unlike_email
from ..deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from ..hardening import no_store
from ..models import User
from ..passwords import hash_password, verify_password
from ..ratelimit import hold_sign_in
from ..schemas.common import Detail, Responses
from ..schemas.users import (
    PasswordChange,
    TokenPair,
    UserCreateByAdmin,
    UserPublic,
    UsersPage,
    UserUpdate,
)
from ..tokens import end_sessions, issue_tokens
from .auth import EMAIL_TAKEN

router = APIRouter(prefix="/users", tags=["users"])

# The paths take digits only (`{user_id:int}`): /users/me is not a user id, even for the
# methods it lacks, which answer 405.
MAX_ID = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
ADMIN_ONLY: Responses = {
    status.HTTP_403_FORBIDDEN: {
        "model": Detail,
        "description": "Not an administrator, or an inactive account",
    }
}
ADMIN_ONLY_404: Responses = {**ADMIN_ONLY, status.HTTP_404_NOT_FOUND: {"model": Detail}}


async def get_user(session: SessionDep, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    return user


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser) -> User:
    return user


@router.patch(
    "/me/password",
    dependencies=[Depends(no_store)],
    responses={
        status.HTTP_400_BAD_REQUEST: {"model": Detail},
        status.HTTP_429_TOO_MANY_REQUESTS: {"model": Detail},
    },
)
async def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    data: PasswordChange,
) -> TokenPair:
    """Change your password, giving the current one. Every other session ends; this one
    goes on with the new pair of tokens in the answer."""
    # A stolen access token must not become a way to guess the password.
    attempt = await hold_sign_in(request, session, settings, user.email)
    if not await verify_password(data.current_password, user.hashed_password):
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Incorrect password")
    await attempt.release(session)
    require_unlike_email(data.new_password, user.email, field="new_password")
    user.hashed_password = await hash_password(data.new_password)
    await end_sessions(session, user)
    return await issue_tokens(session, settings, user)


@router.get("", responses=ADMIN_ONLY)
async def list_users(
    session: SessionDep,
    _admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> UsersPage:
    total = (await session.exec(select(func.count()).select_from(User))).one()
    page = await session.exec(select(User).order_by(col(User.id)).offset(offset).limit(limit))
    users = [UserPublic.model_validate(user) for user in page.all()]
    return UsersPage(users=users, total=total, limit=limit, offset=offset)


@router.post(
    "",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, status.HTTP_409_CONFLICT: {"model": Detail}},
)
async def create_user(session: SessionDep, _admin: AdminUser, data: UserCreateByAdmin) -> User:
    user = User.model_validate(
        data.model_dump(exclude={"password"}),
        update={"hashed_password": await hash_password(data.password)},
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=EMAIL_TAKEN) from None
    await session.refresh(user)
    return user


@router.get("/{user_id:int}", response_model=UserPublic, responses=ADMIN_ONLY_404)
async def read_user(session: SessionDep, _admin: AdminUser, user_id: UserId) -> User:
    return await get_user(session, user_id)


@router.patch("/{user_id:int}", response_model=UserPublic, responses=ADMIN_ONLY_404)
async def update_user(
    session: SessionDep, _admin: AdminUser, user_id: UserId, data: UserUpdate
) -> User:
    user = await get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True, exclude={"password"})
    for flag in ("is_active", "is_superuser", "is_verified"):
        if changes.get(flag, False) is None:
            del changes[flag]
    user.sqlmodel_update(changes)
    if data.password is not None:
        require_unlike_email(data.password, user.email, field="password")
        user.hashed_password = await hash_password(data.password)
    if data.password is not None or not user.is_active:
        # A new password or a disabled account ends every session that user has, at once.
        await end_sessions(session, user)
    session.add(user)
    await session.commit()
    await session.refresh(user)
    return user


@router.delete(
    "/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ADMIN_ONLY_404, status.HTTP_409_CONFLICT: {"model": Detail}},
)
async def delete_user(session: SessionDep, admin: AdminUser, user_id: UserId) -> None:
    user = await get_user(session, user_id)
    if user.id == admin.id:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT, detail="You cannot delete your own account"
        )
    await session.delete(user)
    await session.commit()
