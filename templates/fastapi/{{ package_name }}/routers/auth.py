"""Accounts and the OAuth2 password flow: sign up and confirm the address, sign in,
refresh, sign out, and recover a forgotten password by email.

Sign-up and password recovery answer the same whether or not the address has an
account, after the same work, and are rate limited per client address: neither tells
who has an account here. What differs goes to the mailbox only.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..accounts import (
    EMAIL_VERIFICATION,
    PASSWORD_RESET,
    MailerDep,
    mail_already_registered,
    mail_password_reset_link,
    mail_verification_link,
    require_unlike_email,
    user_from_link_token,
)
from ..deps import CurrentUser, SessionDep, SettingsDep
from ..hardening import no_store
from ..models import User
from ..passwords import hash_password, verify_password
from ..ratelimit import Limit, client_address, hold, hold_sign_in
from ..schemas.common import Detail, Responses
from ..schemas.users import (
    EmailVerification,
    Message,
    PasswordRecovery,
    PasswordReset,
    RefreshRequest,
    TokenPair,
    UserCreate,
)
from ..settings import Settings
from ..tokens import (
    RefreshTokenRejected,
    end_sessions,
    find_refresh_token,
    issue_tokens,
    rotate,
    sign_out,
)

router = APIRouter(prefix="/auth", tags=["auth"])

LoginForm = Annotated[OAuth2PasswordRequestForm, Depends()]
EMAIL_TAKEN = "A user with this email address already exists"
SIGN_UP_ANSWER = "Check your inbox: the message we sent says how to go on"
RECOVERY_ANSWER = "If this address has an account, a link to reset its password is on its way"
INVALID_LINK = "Invalid or expired token"
TOO_MANY_REQUESTS: Responses = {status.HTTP_429_TOO_MANY_REQUESTS: {"model": Detail}}
BAD_LINK: Responses = {status.HTTP_400_BAD_REQUEST: {"model": Detail}}


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def count_email_request(
    request: Request, session: AsyncSession, settings: Settings, address: str
) -> None:
    """Count a request that sends mail, per client and per address it would mail to."""
    window = timedelta(seconds=settings.email_window_seconds)
    checks = [
        (Limit("email:client", settings.email_requests, window), client_address(request)),
        (Limit("email:address", settings.email_requests_per_address, window), address),
    ]
    await hold(session, checks, "Too many requests; try again later")


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, responses=TOO_MANY_REQUESTS)
async def register(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    mailer: MailerDep,
    data: UserCreate,
) -> Message:
    """Sign up; the account works once its address is confirmed with the mailed link."""
    await count_email_request(request, session, settings, data.email)
    # Hashed whether or not the address is taken: the time taken must not tell.
    user = User(
        email=data.email,
        full_name=data.full_name,
        hashed_password=await hash_password(data.password),
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:  # the address has an account: its owner hears of it, nobody else
        await session.rollback()
        mail_already_registered(mailer, settings, data.email)
    else:
        mail_verification_link(mailer, settings, user)
    return Message(message=SIGN_UP_ANSWER)


@router.post("/verify-email", responses=BAD_LINK)
async def verify_email(
    session: SessionDep, settings: SettingsDep, data: EmailVerification
) -> Message:
    """Confirm an address with the token mailed at sign-up."""
    user = await user_from_link_token(session, settings, EMAIL_VERIFICATION, data.token)
    if user is None:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail=INVALID_LINK)
    user.is_verified = True
    session.add(user)
    await session.commit()
    return Message(message="Your email address is confirmed: you can sign in")


@router.post(
    "/login",
    dependencies=[Depends(no_store)],
    responses={
        status.HTTP_401_UNAUTHORIZED: {"model": Detail},
        status.HTTP_403_FORBIDDEN: {"model": Detail},
        **TOO_MANY_REQUESTS,
    },
)
async def login(
    request: Request, session: SessionDep, settings: SettingsDep, form: LoginForm
) -> TokenPair:
    """Sign in with the email address as `username`; answers an access and a refresh token."""
    email = form.username.strip().lower()
    attempt = await hold_sign_in(request, session, settings, email)
    user = None
    if "\x00" not in email:
        user = (await session.exec(select(User).where(User.email == email))).first()
    # Unknown address or wrong password: the same answer, after the same hashing work.
    verified = await verify_password(form.password, user.hashed_password if user else None)
    if user is None or not verified:
        raise unauthorized("Incorrect email or password")
    await attempt.release(session)  # the right password: this attempt does not count
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    if not user.is_verified:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="Email address not confirmed: follow the link mailed at sign-up",
        )
    return await issue_tokens(session, settings, user)


@router.post(
    "/refresh",
    dependencies=[Depends(no_store)],
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
    """Sign out: this sign-in's refresh tokens stop working, and so do access tokens.

    Other sign-ins of the same user keep their refresh tokens and get a new access
    token with their next refresh.
    """
    stored = await find_refresh_token(session, data.refresh_token)
    if stored is not None:
        await sign_out(session, stored)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={status.HTTP_401_UNAUTHORIZED: {"model": Detail}},
)
async def logout_everywhere(session: SessionDep, user: CurrentUser) -> None:
    """Sign out everywhere: every token this user holds stops working."""
    await end_sessions(session, user)
    await session.commit()


@router.post(
    "/password-recovery", status_code=status.HTTP_202_ACCEPTED, responses=TOO_MANY_REQUESTS
)
async def recover_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    mailer: MailerDep,
    data: PasswordRecovery,
) -> Message:
    """Mail a single-use link to reset the password, if the address has an account."""
    await count_email_request(request, session, settings, data.email)
    user = (await session.exec(select(User).where(User.email == data.email))).first()
    if user is not None and user.is_active:
        mail_password_reset_link(mailer, settings, user)
    return Message(message=RECOVERY_ANSWER)


@router.post("/reset-password", responses=BAD_LINK)
async def reset_password(
    session: SessionDep, settings: SettingsDep, data: PasswordReset
) -> Message:
    """Choose a new password with the token of a recovery link; every session ends."""
    user = await user_from_link_token(session, settings, PASSWORD_RESET, data.token)
    if user is None or not user.is_active:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail=INVALID_LINK)
    require_unlike_email(data.new_password, user.email, field="new_password")
    user.hashed_password = await hash_password(data.new_password)
    # The link reached the mailbox, which is all that confirming the address proves.
    user.is_verified = True
    # A new stamp: this link, any other mailed link, and every token stop working.
    await end_sessions(session, user)
    await session.commit()
    return Message(message="Your password is changed: sign in with the new one")
