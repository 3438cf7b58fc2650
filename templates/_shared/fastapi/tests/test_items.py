from typing import Any

import pytest
from httpx import AsyncClient

from tests.support import Account


async def create_item(client: AsyncClient, account: Account, title: str = "Milk") -> Any:
    response = await client.post(
        "/api/v1/items", json={"title": title, "description": "2 litres"}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_and_read_an_item(client: AsyncClient, alice: Account) -> None:
    item = await create_item(client, alice)

    assert item["title"] == "Milk"
    assert item["owner_id"] == alice.id
    response = await client.get(f"/api/v1/items/{item['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == item


async def test_update_an_item(client: AsyncClient, alice: Account) -> None:
    item = await create_item(client, alice)
    url = f"/api/v1/items/{item['id']}"

    response = await client.patch(url, json={"title": "Oat milk"}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["title"] == "Oat milk"
    assert response.json()["description"] == "2 litres"

    # A null title leaves the title alone; a null description clears it.
    response = await client.patch(
        url, json={"title": None, "description": None}, headers=alice.headers
    )
    assert response.json()["title"] == "Oat milk"
    assert response.json()["description"] is None


async def test_delete_an_item(client: AsyncClient, alice: Account) -> None:
    item = await create_item(client, alice)
    url = f"/api/v1/items/{item['id']}"

    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    assert (await client.get(url, headers=alice.headers)).status_code == 404


async def test_list_items_in_pages(client: AsyncClient, alice: Account) -> None:
    for number in range(5):
        await create_item(client, alice, title=f"Item {number}")

    response = await client.get(
        "/api/v1/items", params={"limit": 2, "offset": 3}, headers=alice.headers
    )

    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 5
    assert (page["limit"], page["offset"]) == (2, 3)
    assert [item["title"] for item in page["items"]] == ["Item 3", "Item 4"]


async def test_a_page_past_the_end_still_counts_the_items(
    client: AsyncClient, alice: Account
) -> None:
    for number in range(3):
        await create_item(client, alice, title=f"Item {number}")

    response = await client.get("/api/v1/items", params={"offset": 10}, headers=alice.headers)

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["total"] == 3


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 2**31}, {"limit": "many"}],
)
async def test_pagination_is_bounded(
    client: AsyncClient, alice: Account, params: dict[str, Any]
) -> None:
    response = await client.get("/api/v1/items", params=params, headers=alice.headers)

    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "x" * 201},
        {"title": "nul\x00"},
        {"title": "ok", "description": 5},
    ],
)
async def test_invalid_items_are_rejected(
    client: AsyncClient, alice: Account, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/items", json=body, headers=alice.headers)

    assert response.status_code == 422


async def test_users_cannot_see_or_change_each_others_items(
    client: AsyncClient, alice: Account, bob: Account
) -> None:
    item = await create_item(client, alice)
    url = f"/api/v1/items/{item['id']}"

    assert (await client.get(url, headers=bob.headers)).status_code == 404
    patch = await client.patch(url, json={"title": "Mine now"}, headers=bob.headers)
    assert patch.status_code == 404
    assert (await client.delete(url, headers=bob.headers)).status_code == 404
    listing = (await client.get("/api/v1/items", headers=bob.headers)).json()
    assert listing == {"items": [], "total": 0, "limit": 20, "offset": 0}
    # Alice's item is untouched.
    assert (await client.get(url, headers=alice.headers)).json()["title"] == "Milk"


async def test_items_need_a_signed_in_user(client: AsyncClient) -> None:
    response = await client.get("/api/v1/items")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_missing_item_is_404(client: AsyncClient, alice: Account) -> None:
    response = await client.get("/api/v1/items/12345", headers=alice.headers)

    assert response.status_code == 404
