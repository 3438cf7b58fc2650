from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import EmailAddress, User

from tests.support import IsolatedDatabase
from tests.test_passwords import PASSWORD, argon2, pbkdf2_sha256


async def add_django_user(
    engine: AsyncEngine, email: str, encoded: str, *, verified: bool = True, **extra: Any
) -> User:
    """A user as Django leaves one after sign-up (and, unless `verified=False`, after
    following the confirmation link)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = User(email=email, hashed_password=encoded, **extra)
        session.add(user)
        await session.commit()
        session.add(EmailAddress(user_id=user.id, email=email, verified=verified, primary=True))
        await session.commit()
    return user


async def sign_in(client: AsyncClient, email: str, password: str = PASSWORD) -> Any:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


@pytest.mark.parametrize("hasher", [pbkdf2_sha256, argon2])
async def test_sign_in_with_a_django_password(
    client: AsyncClient, database: IsolatedDatabase, hasher: Any
) -> None:
    user = await add_django_user(database.engine, "carol@example.com", hasher(PASSWORD))

    response = await sign_in(client, "Carol@Example.com")

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = await client.get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    assert me.json()["email"] == "carol@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [("carol@example.com", "wrong"), ("x@y.z", PASSWORD), ("nul\x00@example.com", PASSWORD)],
)
async def test_wrong_password_or_unknown_user_is_401(
    client: AsyncClient, database: IsolatedDatabase, email: str, password: str
) -> None:
    await add_django_user(database.engine, "carol@example.com", pbkdf2_sha256(PASSWORD))

    response = await sign_in(client, email, password)

    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password"}


async def test_inactive_users_get_no_token(client: AsyncClient, database: IsolatedDatabase) -> None:
    await add_django_user(
        database.engine, "carol@example.com", pbkdf2_sha256(PASSWORD), is_active=False
    )

    assert (await sign_in(client, "carol@example.com")).status_code == 403


async def test_a_deactivated_user_is_refused_on_the_next_request(
    client: AsyncClient, database: IsolatedDatabase
) -> None:
    user = await add_django_user(database.engine, "carol@example.com", pbkdf2_sha256(PASSWORD))
    token = (await sign_in(client, "carol@example.com")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 200

    async with AsyncSession(database.engine) as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.is_active = False
        session.add(stored)
        await session.commit()

    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 403


async def test_an_account_locks_after_its_failures_even_for_the_right_password(
    app: FastAPI, client: AsyncClient, database: IsolatedDatabase
) -> None:
    await add_django_user(database.engine, "carol@example.com", pbkdf2_sha256(PASSWORD))
    for _ in range(app.state.settings.sign_in_account_failures):
        assert (await sign_in(client, "carol@example.com", "wrong")).status_code == 401

    response = await sign_in(client, "carol@example.com")

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


async def test_an_unverified_address_gets_no_token(
    client: AsyncClient, database: IsolatedDatabase
) -> None:
    await add_django_user(
        database.engine, "carol@example.com", pbkdf2_sha256(PASSWORD), verified=False
    )

    response = await sign_in(client, "carol@example.com")

    assert response.status_code == 403
    assert "not verified" in response.json()["detail"]


async def test_a_wrong_guess_takes_as_long_as_checking_the_slowest_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api import passwords

    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(passwords, "sleep", record)
    monkeypatch.setattr(passwords, "slowest_check_seconds", lambda: 30.0)
    # An argon2 user, an unknown one: both padded up to the PBKDF2 time.
    assert await passwords.check_password_evenly(PASSWORD, argon2(PASSWORD)) is True
    assert await passwords.check_password_evenly(PASSWORD, None) is False
    assert len(slept) == 2
    assert all(29.0 < seconds <= 30.0 for seconds in slept)
    slept.clear()
    assert await passwords.check_password_evenly("x", argon2(PASSWORD), floor_seconds=0) is False
    assert slept == []


@pytest.mark.parametrize("token", ["", "not-a-jwt"])
async def test_bad_tokens_are_401(client: AsyncClient, token: str) -> None:
    response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401


async def change_password_on_django(engine: AsyncEngine, user_id: int, encoded: str) -> None:
    """What Django's `set_password` and `save` do to the row: a new hash, a new salt."""
    async with AsyncSession(engine) as session:
        stored = await session.get(User, user_id)
        assert stored is not None
        stored.hashed_password = encoded
        session.add(stored)
        await session.commit()


@pytest.mark.parametrize("new_password", [PASSWORD, "a-new-long-password-43"])
async def test_a_password_changed_on_django_ends_the_api_tokens_at_once(
    client: AsyncClient, database: IsolatedDatabase, new_password: str
) -> None:
    user = await add_django_user(database.engine, "carol@example.com", pbkdf2_sha256(PASSWORD))
    token = (await sign_in(client, "carol@example.com")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 200

    # Even set to the same password again, the hash has a new salt.
    await change_password_on_django(
        database.engine, user.id, pbkdf2_sha256(new_password, salt="anothersalt")
    )

    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/notes", headers=headers)).status_code == 401
    fresh = await sign_in(client, "carol@example.com", new_password)
    assert fresh.status_code == 200


async def test_a_token_does_not_carry_the_password_hash(
    client: AsyncClient, database: IsolatedDatabase
) -> None:
    encoded = pbkdf2_sha256(PASSWORD)
    await add_django_user(database.engine, "carol@example.com", encoded)

    token = (await sign_in(client, "carol@example.com")).json()["access_token"]

    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "type", "stamp", "iat", "exp"}
    assert encoded.split("$")[-1] not in str(payload)
    assert encoded.split("$")[2] not in str(payload)  # the salt
