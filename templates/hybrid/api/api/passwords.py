"""Checks passwords against the hashes Django stores, without importing Django.

Django is the only writer of password hashes; this service only verifies them:

- `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (Django's default PBKDF2 hasher),
- `argon2$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>` (Django's Argon2 hasher: the
  word `argon2` followed by a standard PHC string).

Any other hash (an unusable password starting with `!`, another hasher) never matches;
signing in once on the Django side rehashes it with Django's preferred hasher. The checks
are slow on purpose: `check_password_evenly` runs them in a worker thread, never on the
event loop, and makes every check take as long as the slowest kind.
"""

import base64
import hashlib
import hmac
import time
from asyncio import sleep
from functools import cache

from argon2.exceptions import InvalidHashError
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher
from starlette.concurrency import run_in_threadpool

password_hash = PasswordHash((Argon2Hasher(),))

# Django 6.1 uses 1,500,000; refuse absurd counts that would tie up a worker.
MAX_PBKDF2_ITERATIONS = 20_000_000
DJANGO_PBKDF2_ITERATIONS = 1_500_000


@cache
def _dummy_hash() -> str:
    return password_hash.hash("a password nobody has")


def verify_django_password(password: str, encoded: str | None) -> bool:
    """Check `password` against a Django hash; with none (unknown user) spend time and fail."""
    if encoded is None:
        password_hash.verify(password, _dummy_hash())
        return False
    algorithm, _, rest = encoded.partition("$")
    if algorithm == "pbkdf2_sha256":
        return _verify_pbkdf2_sha256(password, rest)
    if algorithm == "argon2":
        return _verify_argon2(password, rest)
    return False


def _verify_pbkdf2_sha256(password: str, rest: str) -> bool:
    try:
        iterations_text, salt, expected = rest.split("$")
        iterations = int(iterations_text)
    except ValueError:
        return False
    if not 0 < iterations <= MAX_PBKDF2_ITERATIONS or not salt:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii").strip(), expected)


def _verify_argon2(password: str, phc: str) -> bool:
    if not phc.startswith("argon2id$"):
        return False
    try:
        return password_hash.verify(password, f"${phc}")
    except (InvalidHashError, UnknownHashError):
        return False


@cache
def slowest_check_seconds() -> float:
    """How long checking a PBKDF2 hash of Django's default strength takes here (once)."""
    started = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"password", b"salt", DJANGO_PBKDF2_ITERATIONS)
    return time.perf_counter() - started


async def check_password_evenly(
    password: str, encoded: str | None, floor_seconds: float | None = None
) -> bool:
    """`verify_django_password` in a worker thread, answered no sooner than `floor_seconds`.

    A user whose hash is still PBKDF2 (made before Argon2 was preferred, and not yet
    rehashed by a sign-in on Django) takes several times longer to check than the rest:
    without a common floor, the time of a wrong guess would tell who has such a hash.
    The default floor is the measured time of the slowest check, PBKDF2 at Django's
    strength; the wait is asleep, so it costs no CPU.
    """
    started = time.perf_counter()
    verified = await run_in_threadpool(verify_django_password, password, encoded)
    if floor_seconds is None:
        floor_seconds = await run_in_threadpool(slowest_check_seconds)
    remaining = floor_seconds - (time.perf_counter() - started)
    if remaining > 0:
        await sleep(remaining)
    return verified
