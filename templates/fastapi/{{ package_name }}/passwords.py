"""Password hashing with Argon2 (pwdlib), off the event loop, and the rules a new password
must meet: the same as Django's default validators (at least 8 characters, not all
digits, not a common password, not too similar to the email address).
"""

import re
from difflib import SequenceMatcher
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from starlette.concurrency import run_in_threadpool

PASSWORD_MIN_LENGTH = 8
# Bounds the hashing work a request can ask for.
PASSWORD_MAX_LENGTH = 128
# A character other than 0-9, which a password must have: the schema shows this pattern.
NOT_ONLY_DIGITS = "[^0-9]"
# How alike (0 to 1, difflib's ratio) a password and a part of the email address may be.
MAX_SIMILARITY = 0.7

password_hash = PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    return password_hash.hash("a password nobody has")


async def hash_password(password: str) -> str:
    return await run_in_threadpool(password_hash.hash, password)


async def verify_password(password: str, hashed: str | None) -> bool:
    """Check `password`; with no stored hash (unknown user) spend the same time and fail."""
    if hashed is None:
        await run_in_threadpool(password_hash.verify, password, _dummy_hash())
        return False
    return await run_in_threadpool(password_hash.verify, password, hashed)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords zxcvbn ranks (MIT licence), lowercase.

    Loaded on first use: reading the list takes about a tenth of a second.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"])


def weakness(password: str) -> str | None:
    """Why `password` may not be used whoever chooses it, or None. Never repeats it."""
    if re.search(NOT_ONLY_DIGITS, password) is None:
        return "the password must not be all digits"
    if password.strip().lower() in common_passwords():
        return "the password is too common"
    return None


def too_similar_to_email(password: str, email: str) -> bool:
    """Whether `password` is much like the address, the name before the @, or a word."""
    password = password.lower()
    address = email.lower()
    parts = {address, address.partition("@")[0], *re.split(r"[\W_]+", address)} - {""}
    return any(SequenceMatcher(a=password, b=part).ratio() >= MAX_SIMILARITY for part in parts)
