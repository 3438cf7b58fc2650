"""Django's password hashes, checked without Django."""

import base64
import hashlib

import pytest

from api.passwords import verify_django_password

from tests.support import CHEAP_PASSWORD_HASH

PASSWORD = "correct horse battery staple"


def pbkdf2_sha256(password: str, *, salt: str = "saltsaltsalt", iterations: int = 1000) -> str:
    """A hash as Django's PBKDF2PasswordHasher writes it (with few iterations: tests)."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def argon2(password: str) -> str:
    """A hash as Django's Argon2PasswordHasher writes it: `argon2` and a PHC string."""
    return "argon2" + CHEAP_PASSWORD_HASH.hash(password)


def test_pbkdf2_sha256() -> None:
    encoded = pbkdf2_sha256(PASSWORD)

    assert verify_django_password(PASSWORD, encoded)
    assert not verify_django_password("wrong", encoded)


def test_argon2() -> None:
    encoded = argon2(PASSWORD)

    assert encoded.startswith("argon2$argon2id$")
    assert verify_django_password(PASSWORD, encoded)
    assert not verify_django_password("wrong", encoded)


def test_unknown_user_fails_after_the_same_work() -> None:
    assert not verify_django_password(PASSWORD, None)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "!unusable-password-set-by-django",
        "md5$salt$0123456789abcdef",
        "pbkdf2_sha256$many$salt$hash",
        "pbkdf2_sha256$1000$salt",
        "pbkdf2_sha256$0$salt$hash",
        "pbkdf2_sha256$999999999$salt$hash",
        "pbkdf2_sha256$1000$$hash",
        "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
        "argon2$argon2id$not-a-phc-string",
    ],
)
def test_other_or_broken_hashes_never_match(encoded: str) -> None:
    assert not verify_django_password(PASSWORD, encoded)
