"""A small in-process sliding-window rate limiter.

Counts are kept per server process: with several workers each one allows the limit.
Put a shared store (such as Redis) behind the same interface if that is not enough.
"""

import math
import time
from collections import deque
from collections.abc import Callable

from fastapi import HTTPException, Request, status

MAX_TRACKED_KEYS = 10_000


class RateLimiter:
    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> float | None:
        """Record an attempt; return the seconds to wait if it is over the limit, else None."""
        now = self._clock()
        if len(self._hits) >= MAX_TRACKED_KEYS:
            self._forget_idle(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window_seconds - now
        hits.append(now)
        return None

    def _forget_idle(self, now: float) -> None:
        idle = [key for key, hits in self._hits.items() if hits[-1] <= now - self.window_seconds]
        for key in idle:
            del self._hits[key]


def count_sign_in(request: Request) -> None:
    """Count a sign-in attempt from this client; past the limit, answer 429 with Retry-After."""
    enforce(request.app.state.login_limiter, request, "Too many sign-in attempts; try again later")


def enforce(limiter: RateLimiter, request: Request, detail: str) -> None:
    """Count a request from this client on `limiter`; past its limit, answer 429."""
    retry_after = limiter.hit(request.client.host if request.client else "unknown")
    if retry_after is not None:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=detail,
            headers={"Retry-After": str(math.ceil(retry_after))},
        )
