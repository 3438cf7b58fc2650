from typing import Any

import pytest
from httpx import AsyncClient

from tests.support import Account


async def create_note(client: AsyncClient, account: Account, title: str = "Milk") -> Any:
    response = await client.post(
        "/api/v1/notes", json={"title": title, "body": "2 litres"}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_and_read_a_note(client: AsyncClient, alice: Account) -> None:
    note = await create_note(client, alice)

    assert note["title"] == "Milk"
    assert note["owner_id"] == alice.id
    assert note["created_at"]
    assert note["updated_at"]
    response = await client.get(f"/api/v1/notes/{note['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == note


async def test_body_defaults_to_empty(client: AsyncClient, alice: Account) -> None:
    response = await client.post("/api/v1/notes", json={"title": "T"}, headers=alice.headers)

    assert response.status_code == 201
    assert response.json()["body"] == ""


async def test_update_a_note(client: AsyncClient, alice: Account) -> None:
    note = await create_note(client, alice)
    url = f"/api/v1/notes/{note['id']}"

    response = await client.patch(url, json={"title": "Oat milk"}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["title"] == "Oat milk"
    assert response.json()["body"] == "2 litres"

    response = await client.patch(url, json={"title": None, "body": ""}, headers=alice.headers)
    assert response.json()["title"] == "Oat milk"
    assert response.json()["body"] == ""


async def test_delete_a_note(client: AsyncClient, alice: Account) -> None:
    note = await create_note(client, alice)
    url = f"/api/v1/notes/{note['id']}"

    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    assert (await client.get(url, headers=alice.headers)).status_code == 404


async def test_list_notes_in_pages(client: AsyncClient, alice: Account) -> None:
    for number in range(5):
        await create_note(client, alice, title=f"Note {number}")

    response = await client.get(
        "/api/v1/notes", params={"limit": 2, "offset": 3}, headers=alice.headers
    )

    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 5
    assert (page["limit"], page["offset"]) == (2, 3)
    assert len(page["notes"]) == 2


async def test_a_page_past_the_end_still_counts_the_notes(
    client: AsyncClient, alice: Account
) -> None:
    for number in range(3):
        await create_note(client, alice, title=f"Note {number}")

    response = await client.get("/api/v1/notes", params={"offset": 10}, headers=alice.headers)

    assert response.status_code == 200
    assert response.json()["notes"] == []
    assert response.json()["total"] == 3


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 2**63}, {"limit": "many"}],
)
async def test_pagination_is_bounded(
    client: AsyncClient, alice: Account, params: dict[str, Any]
) -> None:
    response = await client.get("/api/v1/notes", params=params, headers=alice.headers)

    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": "x" * 201}, {"title": "nul\x00"}, {"title": "ok", "body": 5}],
)
async def test_invalid_notes_are_rejected(
    client: AsyncClient, alice: Account, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/notes", json=body, headers=alice.headers)

    assert response.status_code == 422


async def test_users_cannot_see_or_change_each_others_notes(
    client: AsyncClient, alice: Account, bob: Account
) -> None:
    note = await create_note(client, alice)
    url = f"/api/v1/notes/{note['id']}"

    assert (await client.get(url, headers=bob.headers)).status_code == 404
    patch = await client.patch(url, json={"title": "Mine now"}, headers=bob.headers)
    assert patch.status_code == 404
    assert (await client.delete(url, headers=bob.headers)).status_code == 404
    listing = (await client.get("/api/v1/notes", headers=bob.headers)).json()
    assert listing == {"notes": [], "total": 0, "limit": 20, "offset": 0}
    assert (await client.get(url, headers=alice.headers)).json()["title"] == "Milk"


async def test_notes_need_a_signed_in_user(client: AsyncClient) -> None:
    response = await client.get("/api/v1/notes")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
