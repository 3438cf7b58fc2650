"""Issuing, rotating and revoking the token pairs users sign in with.

Each refresh token works once: using it revokes it and issues a new pair in the same
family. Presenting a revoked token again means it leaked (or was replayed), so the whole
family is revoked and its holder has to sign in again.

Access tokens carry a digest of the user's security stamp. `end_sessions` gives the user
a new stamp, so every access token issued before stops working at once; signing out
changes it too, and the user's other sessions get a new access token on their next
refresh.
"""

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import RefreshToken, User, new_security_stamp, utcnow
from .schemas.common import assume_utc
from .schemas.users import TokenPair
from .security import create_access_token, hash_refresh_token, new_refresh_token
from .settings import Settings


class RefreshTokenRejected(Exception):
    """The refresh token is unknown, expired, revoked, or its user may no longer sign in."""


async def issue_tokens(
    session: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> TokenPair:
    now = utcnow()
    refresh_token = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_refresh_token(refresh_token),
            family_id=family_id or uuid.uuid4(),
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.commit()
    access_token = create_access_token(
        str(user.id),
        stamp=user.security_stamp,
        secret=settings.secret_key.get_secret_value(),
        minutes=settings.access_token_minutes,
        now=now,
    )
    return TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=settings.access_token_minutes * 60,
    )


async def find_refresh_token(session: AsyncSession, token: str) -> RefreshToken | None:
    found = await session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(token))
    )
    return found.first()


async def rotate(session: AsyncSession, settings: Settings, token: str) -> TokenPair:
    stored = await find_refresh_token(session, token)
    if stored is None or assume_utc(stored.expires_at) <= utcnow():
        raise RefreshTokenRejected
    # Revoke it only if nobody else did: of two concurrent refreshes, one wins.
    revoked = await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if revoked.rowcount != 1:
        # Replayed: whoever holds this family's tokens may be a thief, access tokens too.
        await sign_out(session, stored)
        raise RefreshTokenRejected
    user = await session.get(User, stored.user_id)
    if user is None or not user.is_active:
        await session.commit()
        raise RefreshTokenRejected
    return await issue_tokens(session, settings, user, stored.family_id)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    await session.commit()


async def sign_out(session: AsyncSession, stored: RefreshToken) -> None:
    """End the sign-in `stored` belongs to: its refresh tokens, and the user's access
    tokens (the user's other sign-ins get new ones with their next refresh)."""
    new_stamp = new_security_stamp()
    await session.exec(
        update(User).where(col(User.id) == stored.user_id).values(security_stamp=new_stamp)
    )
    await revoke_family(session, stored.family_id)


async def end_sessions(session: AsyncSession, user: User) -> None:
    """Stop every token `user` holds (commit to apply): a new stamp, no refresh token."""
    user.security_stamp = new_security_stamp()
    session.add(user)
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
