"""`POST /auth/token`: trade the email address and password of a Django account for a
short-lived access token. Accounts are created and passwords changed on the Django side."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, func, select
from starlette.concurrency import run_in_threadpool

from ..deps import SessionDep, SettingsDep
from ..hardening import no_store
from ..models import User
from ..passwords import verify_django_password
from ..ratelimit import count_sign_in
from ..schemas.auth import AccessToken
from ..schemas.common import Detail
from ..security import create_access_token

router = APIRouter(prefix="/auth", tags=["auth"])

LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]


@router.post(
    "/token",
    dependencies=[Depends(no_store)],
    responses={
        status.HTTP_401_UNAUTHORIZED: {"model": Detail},
        status.HTTP_403_FORBIDDEN: {"model": Detail},
        status.HTTP_429_TOO_MANY_REQUESTS: {"model": Detail},
    },
)
async def token(
    request: Request, session: SessionDep, settings: SettingsDep, form: LoginForm
) -> AccessToken:
    """Sign in with the email address as `username`; answers a bearer access token."""
    count_sign_in(request)
    email = form.username.strip().lower()
    user = None
    if "\x00" not in email:
        # Sign-in on Django ignores case in email addresses; so does this.
        found = await session.exec(select(User).where(func.lower(col(User.email)) == email))
        user = found.first()
    # Unknown address or wrong password: the same answer, after the same hashing work,
    # which runs in a worker thread so that it does not stall the event loop.
    encoded = user.hashed_password if user else None
    verified = await run_in_threadpool(verify_django_password, form.password, encoded)
    if user is None or not verified:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    access_token = create_access_token(
        str(user.id),
        stamp=user.security_stamp,
        secret=settings.secret_key.get_secret_value(),
        minutes=settings.access_token_minutes,
    )
    return AccessToken(access_token=access_token, expires_in=settings.access_token_minutes * 60)
