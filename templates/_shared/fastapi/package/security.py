"""Signed tokens (short-lived JWTs) and refresh tokens (random, stored hashed).

A signed token names its user (`sub`) and carries a digest of the user's security stamp
(`stamp`): when the stamp changes, every token issued before stops working, and a token
for a deleted user cannot open another account that later gets the same id.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105


class InvalidTokenError(Exception):
    """The token is malformed, tampered with, expired or of the wrong type."""


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    stamp: str


def stamp_digest(stamp: str, *, secret: str) -> str:
    """What a token carries for `stamp`: a keyed digest, so the stored value never leaves."""
    digest = hmac.new(secret.encode(), stamp.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def stamp_matches(claims: TokenClaims, stamp: str, *, secret: str) -> bool:
    return hmac.compare_digest(claims.stamp, stamp_digest(stamp, secret=secret))


def create_token(
    token_type: str,
    subject: str,
    *,
    stamp: str,
    secret: str,
    lifetime: timedelta,
    now: datetime | None = None,
) -> str:
    issued_at = now or datetime.now(UTC)
    payload = {
        "sub": subject,
        "type": token_type,
        "stamp": stamp_digest(stamp, secret=secret),
        "iat": issued_at,
        "exp": issued_at + lifetime,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(token: str, token_type: str, *, secret: str) -> TokenClaims:
    """Return the claims of a valid token of `token_type`, or raise `InvalidTokenError`."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "stamp"]},
        )
    except jwt.InvalidTokenError as error:
        raise InvalidTokenError(str(error)) from error
    # A token made for one purpose (say, a password reset link) never passes for another.
    if payload.get("type") != token_type:
        raise InvalidTokenError(f"not a token of type {token_type!r}")
    return TokenClaims(subject=str(payload["sub"]), stamp=str(payload["stamp"]))


def create_access_token(
    subject: str, *, stamp: str, secret: str, minutes: int, now: datetime | None = None
) -> str:
    return create_token(
        ACCESS_TOKEN_TYPE,
        subject,
        stamp=stamp,
        secret=secret,
        lifetime=timedelta(minutes=minutes),
        now=now,
    )


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    return decode_token(token, ACCESS_TOKEN_TYPE, secret=secret)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are random and long, so a fast digest is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
