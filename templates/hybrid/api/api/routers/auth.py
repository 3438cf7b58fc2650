"""`POST /auth/token`: trade the email address and password of a Django account for a
short-lived access token. Accounts are created and passwords changed on the Django side.

The API signs in by Django's rules: the same failed-sign-in limits, counted in the same
table (an account locked on one side is locked on both), an active account, and a
verified email address, as Django's mandatory verification demands.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, func, select

from ..deps import SessionDep, SettingsDep
from ..hardening import no_store
from ..models import EmailAddress, User
from ..passwords import check_password_evenly
from ..ratelimit import hold_sign_in
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
    email = form.username.strip().lower()
    attempt = await hold_sign_in(request, session, settings, email)
    user = None
    if "\x00" not in email:
        # Sign-in on Django ignores case in email addresses; so does this.
        found = await session.exec(select(User).where(func.lower(col(User.email)) == email))
        user = found.first()
    # Unknown address, wrong password or an old kind of hash: the same answer after the
    # same time (see passwords.check_password_evenly).
    encoded = user.hashed_password if user else None
    verified = await check_password_evenly(form.password, encoded, settings.sign_in_floor_seconds)
    if user is None or not verified:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await attempt.release(session)  # the right password: this attempt does not count
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    confirmed = await session.exec(
        select(EmailAddress.id).where(
            EmailAddress.user_id == user.id,
            func.lower(col(EmailAddress.email)) == email,
            col(EmailAddress.verified).is_(True),
        )
    )
    if confirmed.first() is None:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="Email address not verified: follow the link Django mailed at sign-up",
        )
    access_token = create_access_token(
        str(user.id),
        stamp=user.security_stamp,
        secret=settings.secret_key.get_secret_value(),
        minutes=settings.access_token_minutes,
    )
    return AccessToken(access_token=access_token, expires_in=settings.access_token_minutes * 60)
