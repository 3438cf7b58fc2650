"""Password hashing with Argon2 (pwdlib), off the event loop."""

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from starlette.concurrency import run_in_threadpool

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
