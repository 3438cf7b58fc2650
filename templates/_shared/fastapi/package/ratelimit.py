"""Rate limits counted in the database (the `rate_limit_hit` table).

Every worker process and every replica reads and writes the same table, so a limit holds
however many run; in a project with Django beside this service, Django counts its
sign-ins there too, with the same rules.

A sign-in attempt is recorded, per account and per client address, before the password
is checked, and its records are removed when the password was right: attempts made at
once see each other, and successes do not count. With more attempts on record within a
window than a limit allows, the attempt is refused (429, with Retry-After), the right
password included, until the window moves on. Requests that send mail count the same
way, and always count.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request, status
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import RateLimitHit
from .schemas.common import assume_utc
from .settings import Settings

ACCOUNT_SCOPE = "sign-in:account"
CLIENT_SCOPE = "sign-in:client"
# Records older than this can no longer count against any limit.
KEEP = timedelta(days=1)
TOO_MANY_SIGN_INS = "Too many sign-in attempts; try again later"


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: timedelta


@dataclass(frozen=True)
class Held:
    """Attempts on record; `release` them when they turned out not to count."""

    ids: tuple[int, ...]

    async def release(self, session: AsyncSession) -> None:
        await session.exec(delete(RateLimitHit).where(col(RateLimitHit.id).in_(self.ids)))
        await session.commit()


def digest(identifier: str) -> str:
    """The stored key: the table holds neither addresses nor accounts in clear."""
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()


def client_address(request: Request) -> str:
    # uvicorn has already put the forwarded client here when the peer is a trusted proxy
    # (FORWARDED_ALLOW_IPS); anyone else's X-Forwarded-For is ignored.
    return request.client.host if request.client else "unknown"


async def hold(session: AsyncSession, checks: list[tuple[Limit, str]], detail: str) -> Held:
    """Record an attempt under each (limit, identifier); past a limit, answer 429."""
    now = datetime.now(UTC)
    rows = []
    for limit, identifier in checks:
        key = digest(identifier)
        await session.exec(
            delete(RateLimitHit).where(
                col(RateLimitHit.scope) == limit.scope,
                col(RateLimitHit.key) == key,
                col(RateLimitHit.at) < now - KEEP,
            )
        )
        row = RateLimitHit(scope=limit.scope, key=key, at=now)
        session.add(row)
        rows.append(row)
    await session.commit()  # on record for every other process before anyone counts
    held = Held(tuple(row.id for row in rows))
    for limit, identifier in checks:
        recent = await session.exec(
            select(func.count(), func.min(RateLimitHit.at)).where(
                col(RateLimitHit.scope) == limit.scope,
                col(RateLimitHit.key) == digest(identifier),
                col(RateLimitHit.at) > now - limit.window,
            )
        )
        count, oldest = recent.one()
        if count > limit.attempts:
            await held.release(session)
            wait = assume_utc(oldest or now) + limit.window - now
            raise HTTPException(
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                detail=detail,
                headers={"Retry-After": str(max(1, math.ceil(wait.total_seconds())))},
            )
    return held


def sign_in_limits(settings: Settings) -> tuple[Limit, Limit]:
    return (
        Limit(
            ACCOUNT_SCOPE,
            settings.sign_in_account_failures,
            timedelta(seconds=settings.sign_in_account_window_seconds),
        ),
        Limit(
            CLIENT_SCOPE,
            settings.sign_in_client_failures,
            timedelta(seconds=settings.sign_in_client_window_seconds),
        ),
    )


async def hold_sign_in(
    request: Request, session: AsyncSession, settings: Settings, login: str
) -> Held:
    """Record a sign-in attempt for this account and client; refuse it past a limit."""
    per_account, per_client = sign_in_limits(settings)
    checks = [(per_account, login), (per_client, client_address(request))]
    return await hold(session, checks, TOO_MANY_SIGN_INS)
