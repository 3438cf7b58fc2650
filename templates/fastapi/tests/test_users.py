from typing import Any

import pytest
from httpx import AsyncClient

from tests.support import Account


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", "/api/v1/users/1"),
        ("PATCH", "/api/v1/users/1"),
        ("DELETE", "/api/v1/users/1"),
    ],
)
async def test_user_management_is_for_administrators_only(
    client: AsyncClient, alice: Account, method: str, path: str
) -> None:
    body = {"email": "x@example.com", "password": "long enough"} if method == "POST" else None
    anonymous = await client.request(method, path, json=body if body else {})
    assert anonymous.status_code == 401

    response = await client.request(method, path, json=body if body else {}, headers=alice.headers)

    assert response.status_code == 403


async def test_administrators_list_and_read_users(
    client: AsyncClient, admin: Account, alice: Account, bob: Account
) -> None:
    page = (await client.get("/api/v1/users?limit=2&offset=1", headers=admin.headers)).json()

    assert page["total"] == 3
    assert [user["email"] for user in page["users"]] == [alice.email, bob.email]
    alice_read = await client.get(f"/api/v1/users/{alice.id}", headers=admin.headers)
    assert alice_read.json()["email"] == alice.email
    missing = await client.get("/api/v1/users/424242", headers=admin.headers)
    assert missing.status_code == 404


async def test_administrators_create_users(client: AsyncClient, admin: Account) -> None:
    body: dict[str, Any] = {
        "email": "staff@example.com",
        "password": "long enough",
        "is_superuser": True,
    }

    created = await client.post("/api/v1/users", json=body, headers=admin.headers)
    duplicate = await client.post("/api/v1/users", json=body, headers=admin.headers)

    assert created.status_code == 201
    assert created.json()["is_superuser"] is True
    assert duplicate.status_code == 409


async def test_administrators_update_users(
    client: AsyncClient, admin: Account, alice: Account
) -> None:
    signed_in = await client.post(
        "/api/v1/auth/login", data={"username": alice.email, "password": alice.password}
    )
    refresh_token = signed_in.json()["refresh_token"]

    response = await client.patch(
        f"/api/v1/users/{alice.id}",
        json={"full_name": "Alice A.", "password": "a new password", "is_superuser": None},
        headers=admin.headers,
    )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Alice A."
    assert response.json()["is_superuser"] is False
    # A new password ends the sessions the user had, access tokens at once.
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert refreshed.status_code == 401
    assert (await client.get("/api/v1/users/me", headers=alice.headers)).status_code == 401
    new_login = await client.post(
        "/api/v1/auth/login", data={"username": alice.email, "password": "a new password"}
    )
    assert new_login.status_code == 200


async def test_administrators_deactivate_users(
    client: AsyncClient, admin: Account, alice: Account
) -> None:
    response = await client.patch(
        f"/api/v1/users/{alice.id}", json={"is_active": False}, headers=admin.headers
    )

    assert response.json()["is_active"] is False
    # Her token stops working at once, and switching the account back on does not revive it.
    assert (await client.get("/api/v1/users/me", headers=alice.headers)).status_code == 401
    await client.patch(f"/api/v1/users/{alice.id}", json={"is_active": True}, headers=admin.headers)
    assert (await client.get("/api/v1/users/me", headers=alice.headers)).status_code == 401


@pytest.mark.parametrize("flag", ["is_active", "is_superuser", "is_verified"])
@pytest.mark.parametrize("value", [0, 1, "yes", "true"])
async def test_flags_are_true_or_false_as_the_schema_says(
    client: AsyncClient, admin: Account, alice: Account, flag: str, value: object
) -> None:
    created = await client.post(
        "/api/v1/users",
        json={"email": "staff@example.com", "password": "long enough", flag: value},
        headers=admin.headers,
    )
    updated = await client.patch(
        f"/api/v1/users/{alice.id}", json={flag: value}, headers=admin.headers
    )

    assert created.status_code == 422
    assert updated.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/users", {"email": "staff@example.com", "password": "iloveyou"}),
        ("POST", "/api/v1/users", {"email": "staff@example.com", "password": "staff@example"}),
        ("PATCH", "/api/v1/users/{id}", {"password": "12345678"}),
        ("PATCH", "/api/v1/users/{id}", {"password": "alice@example"}),
    ],
)
async def test_administrators_cannot_set_weak_passwords(
    client: AsyncClient,
    admin: Account,
    alice: Account,
    method: str,
    path: str,
    body: dict[str, str],
) -> None:
    response = await client.request(
        method, path.format(id=alice.id), json=body, headers=admin.headers
    )

    assert response.status_code == 422
    assert body["password"] not in response.text


async def test_administrators_delete_users_and_their_items(
    client: AsyncClient, admin: Account, alice: Account
) -> None:
    await client.post("/api/v1/items", json={"title": "Milk"}, headers=alice.headers)

    response = await client.delete(f"/api/v1/users/{alice.id}", headers=admin.headers)

    assert response.status_code == 204
    assert (await client.get(f"/api/v1/users/{alice.id}", headers=admin.headers)).status_code == 404
    assert (await client.get("/api/v1/items", headers=alice.headers)).status_code == 401


async def test_administrators_cannot_delete_themselves(client: AsyncClient, admin: Account) -> None:
    response = await client.delete(f"/api/v1/users/{admin.id}", headers=admin.headers)

    assert response.status_code == 409
