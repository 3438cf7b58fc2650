"""Failed sign-ins, limited per account and per client address, in the database.

Each attempt is recorded before the password is checked and its record removed if the
password was right, so that many attempts at once cannot slip past a limit between a
check and a write. A limit is reached when more attempts than it allows are on record
within its window: then even the right password is refused until the window moves on.
The same table and rules serve every sign-in (the site, the admin, re-authentication
and, in a project with an API beside Django, the API's token endpoint).
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import RateLimitHit

ACCOUNT_SCOPE = "sign-in:account"
CLIENT_SCOPE = "sign-in:client"
# Records older than this can no longer count against any limit.
KEEP = timedelta(days=1)


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window: timedelta


@dataclass
class Held:
    """The attempt on record; `release()` when it turned out not to count (a success)."""

    ids: list[int]

    def release(self) -> None:
        RateLimitHit.objects.filter(pk__in=self.ids).delete()


def digest(identifier: str) -> str:
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()


def sign_in_limits() -> tuple[Limit, Limit]:
    return (
        Limit(
            ACCOUNT_SCOPE,
            settings.SIGN_IN_ACCOUNT_FAILURES,
            timedelta(seconds=settings.SIGN_IN_ACCOUNT_WINDOW_SECONDS),
        ),
        Limit(
            CLIENT_SCOPE,
            settings.SIGN_IN_CLIENT_FAILURES,
            timedelta(seconds=settings.SIGN_IN_CLIENT_WINDOW_SECONDS),
        ),
    )


def hold(checks: list[tuple[Limit, str]]) -> Held:
    """Record an attempt under each (limit, identifier); refuse it if one is over."""
    now = timezone.now()
    held = Held([])
    for limit, identifier in checks:
        key = digest(identifier)
        RateLimitHit.objects.filter(scope=limit.scope, key=key, at__lt=now - KEEP).delete()
        held.ids.append(RateLimitHit.objects.create(scope=limit.scope, key=key, at=now).pk)
    for limit, identifier in checks:
        recent = RateLimitHit.objects.filter(
            scope=limit.scope, key=digest(identifier), at__gt=now - limit.window
        ).order_by("at")
        if recent.count() > limit.attempts:
            held.release()
            oldest = recent.values_list("at", flat=True).first() or now
            wait = oldest + limit.window - now
            raise TooManyAttempts(max(1, int(wait.total_seconds()) + 1))
    return held


def hold_sign_in(login: str, client: str) -> Held:
    """Record a sign-in attempt for this account and client; refuse it past a limit."""
    account, per_client = sign_in_limits()
    return hold([(account, login), (per_client, client)])
