"""Registration and the OAuth2 password flow: sign in, refresh, sign out."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ..deps import SessionDep, SettingsDep
from ..models import User
from ..passwords import hash_password, verify_password
from ..ratelimit import count_sign_in
from ..schemas.common import Detail
from ..schemas.users import RefreshRequest, TokenPair, UserCreate, UserPublic
from ..tokens import RefreshTokenRejected, find_refresh_token, issue_tokens, revoke_family, rotate

router = APIRouter(prefix="/auth", tags=["auth"])

LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]
EMAIL_TAKEN = "A user with this email address already exists"


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


@router.post(
    "/register",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_409_CONFLICT: {"model": Detail}},
)
async def register(session: SessionDep, data: UserCreate) -> User:
    existing = await session.exec(select(User).where(User.email == data.email))
    if existing.first() is not None:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=EMAIL_TAKEN)
    user = User(
        email=data.email,
        full_name=data.full_name,
        hashed_password=await hash_password(data.password),
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:  # registered by a concurrent request since the check above
        await session.rollback()
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=EMAIL_TAKEN) from None
    await session.refresh(user)
    return user


@router.post(
    "/login",
    responses={
        status.HTTP_401_UNAUTHORIZED: {"model": Detail},
        status.HTTP_403_FORBIDDEN: {"model": Detail},
        status.HTTP_429_TOO_MANY_REQUESTS: {"model": Detail},
    },
)
async def login(
    request: Request, session: SessionDep, settings: SettingsDep, form: LoginForm
) -> TokenPair:
    """Sign in with the email address as `username`; answers an access and a refresh token."""
    count_sign_in(request)
    email = form.username.strip().lower()
    user = None
    if "\x00" not in email:
        user = (await session.exec(select(User).where(User.email == email))).first()
    # Unknown address or wrong password: the same answer, after the same hashing work.
    verified = await verify_password(form.password, user.hashed_password if user else None)
    if user is None or not verified:
        raise unauthorized("Incorrect email or password")
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return await issue_tokens(session, settings, user)


@router.post(
    "/refresh",
    responses={status.HTTP_401_UNAUTHORIZED: {"model": Detail}},
)
async def refresh(session: SessionDep, settings: SettingsDep, data: RefreshRequest) -> TokenPair:
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    try:
        return await rotate(session, settings, data.refresh_token)
    except RefreshTokenRejected:
        raise unauthorized("Invalid or expired refresh token") from None


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(session: SessionDep, data: RefreshRequest) -> None:
    """Revoke the refresh token and every token rotated from the same sign-in."""
    stored = await find_refresh_token(session, data.refresh_token)
    if stored is not None:
        await revoke_family(session, stored.family_id)
