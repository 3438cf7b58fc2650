"""Checks passwords against the hashes Django stores, without importing Django.

Django is the only writer of password hashes; this service only verifies them:

- `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (Django's default PBKDF2 hasher),
- `argon2$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>` (Django's Argon2 hasher: the
  word `argon2` followed by a standard PHC string).

Any other hash (an unusable password starting with `!`, another hasher) never matches;
signing in once on the Django side rehashes it with Django's preferred hasher. The checks
are slow on purpose: call them from a worker thread, never on the event loop.
"""

import base64
import hashlib
import hmac
from functools import cache

from argon2.exceptions import InvalidHashError
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

password_hash = PasswordHash((Argon2Hasher(),))

# Django 6.1 uses 1,500,000; refuse absurd counts that would tie up a worker.
MAX_PBKDF2_ITERATIONS = 20_000_000


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
