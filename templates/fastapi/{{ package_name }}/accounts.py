"""The account flows that go through the user's mailbox: checking the address given at
sign-up, and password recovery.

Their links carry signed tokens bound to the user's security stamp: a reset link works
once (the reset changes the stamp), and a new password or signing out everywhere voids
every link mailed before.
"""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import BackgroundTasks, Depends
from fastapi.exceptions import RequestValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from .deps import SettingsDep
from .mail import Mailer, MailTransport, transport_from_url
from .models import User
from .passwords import too_similar_to_email
from .schemas.users import TOO_SIMILAR
from .security import InvalidTokenError, create_token, decode_token, stamp_matches
from .settings import Settings

PASSWORD_RESET = "password-reset"  # noqa: S105
EMAIL_VERIFICATION = "email-verification"


async def get_mail_transport(settings: SettingsDep) -> MailTransport:
    return transport_from_url(settings.email_url)


async def get_mailer(
    transport: Annotated[MailTransport, Depends(get_mail_transport)],
    settings: SettingsDep,
    background: BackgroundTasks,
) -> Mailer:
    return Mailer(transport, settings.default_from_email, background)


MailerDep = Annotated[Mailer, Depends(get_mailer)]


def link_token(purpose: str, user: User, settings: Settings) -> str:
    lifetime = (
        timedelta(minutes=settings.password_reset_minutes)
        if purpose == PASSWORD_RESET
        else timedelta(hours=settings.email_verification_hours)
    )
    return create_token(
        purpose,
        str(user.id),
        stamp=user.security_stamp,
        secret=settings.secret_key.get_secret_value(),
        lifetime=lifetime,
    )


async def user_from_link_token(
    session: AsyncSession, settings: Settings, purpose: str, token: str
) -> User | None:
    """The user a valid, unexpired token for `purpose` names, if its stamp is still theirs."""
    secret = settings.secret_key.get_secret_value()
    try:
        claims = decode_token(token, purpose, secret=secret)
        user_id = int(claims.subject)
    except (InvalidTokenError, ValueError):
        return None
    user = await session.get(User, user_id)
    if user is None or not stamp_matches(claims, user.security_stamp, secret=secret):
        return None
    return user


def link(settings: Settings, page: str, token: str) -> str:
    return f"{settings.frontend_url.rstrip('/')}/{page}?{urlencode({'token': token})}"


def mail_verification_link(mailer: Mailer, settings: Settings, user: User) -> None:
    url = link(settings, "verify-email", link_token(EMAIL_VERIFICATION, user, settings))
    mailer.send(
        user.email,
        "Confirm your email address",
        f"Someone, probably you, signed up with this email address. To confirm it, open\n\n"
        f"    {url}\n\n"
        f"within {settings.email_verification_hours} hours. If it was not you, ignore this "
        f"message: the account stays unusable.\n",
    )


def mail_already_registered(mailer: Mailer, settings: Settings, email: str) -> None:
    mailer.send(
        email,
        "You already have an account",
        "Someone, probably you, tried to sign up with this email address, which already "
        "has an account. If it was you, sign in, or ask for a new password if you have "
        "forgotten it. If it was not you, ignore this message.\n",
    )


def mail_password_reset_link(mailer: Mailer, settings: Settings, user: User) -> None:
    url = link(settings, "reset-password", link_token(PASSWORD_RESET, user, settings))
    mailer.send(
        user.email,
        "Reset your password",
        f"To choose a new password, open\n\n    {url}\n\n"
        f"within {settings.password_reset_minutes} minutes. The link works once. If you did "
        f"not ask for it, ignore this message: your password stays as it is.\n",
    )


def require_unlike_email(password: str, email: str, *, field: str) -> None:
    """Answer 422, as for any other invalid field, if `password` resembles `email`."""
    if too_similar_to_email(password, email):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", field), "msg": f"Value error, {TOO_SIMILAR}"}]
        )
