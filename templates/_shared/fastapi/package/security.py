"""Access tokens (short-lived JWTs) and refresh tokens (random, stored hashed)."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105


class InvalidTokenError(Exception):
    """The token is malformed, tampered with, expired or of the wrong type."""


def create_access_token(
    subject: str, *, secret: str, minutes: int, now: datetime | None = None
) -> str:
    issued_at = now or datetime.now(UTC)
    payload = {
        "sub": subject,
        "type": ACCESS_TOKEN_TYPE,
        "iat": issued_at,
        "exp": issued_at + timedelta(minutes=minutes),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> str:
    """Return the subject of a valid access token, or raise `InvalidTokenError`."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.InvalidTokenError as error:
        raise InvalidTokenError(str(error)) from error
    if payload.get("type") != ACCESS_TOKEN_TYPE:
        raise InvalidTokenError("not an access token")
    return str(payload["sub"])


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are random and long, so a fast digest is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
