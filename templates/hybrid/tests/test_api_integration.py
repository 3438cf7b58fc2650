"""Both services on one database: Django's test database, migrated by Django.

Users sign up and change passwords on Django; the API (driven here in process, on its
own connections) must see every change on the next request, and apply Django's account
rules: a verified address, an active account, and one count of failed sign-ins.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pytest_django import Settings as DjangoSettings
from sqlalchemy import URL

from accounts.models import User
from api.application import create_app
from api.db import create_engine
from api.settings import Settings
from notes.models import Note

from .conftest import add_second_factor

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password-42"


class CheapPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's default hasher with few iterations: the tests check behaviour, not cost."""

    iterations = 1000


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1


HASHERS = {
    "pbkdf2_sha256": f"{__name__}.CheapPBKDF2PasswordHasher",
    "argon2": f"{__name__}.CheapArgon2PasswordHasher",
}


def api_database_url(settings: dict[str, Any]) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite+aiosqlite:///{settings['NAME']}"
    return URL.create(
        "postgresql+asyncpg",
        username=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=int(settings["PORT"]) if settings["PORT"] else None,
        database=settings["NAME"],
    ).render_as_string(hide_password=False)


@pytest.fixture(autouse=True)
def cheap_hashers(settings: DjangoSettings) -> None:
    settings.PASSWORD_HASHERS = list(HASHERS.values())


@pytest.fixture
def api() -> Iterator[TestClient]:
    """The FastAPI app on the database the Django tests use."""
    settings = Settings(
        _env_file=None,
        environment="test",
        secret_key=SecretStr("integration-test-secret-key-of-enough-length"),
        database_url=api_database_url(connection.settings_dict),
        sign_in_floor_seconds=0.0,
    )
    engine = create_engine(settings.database_url, pooled=False)
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def verified_user(email: str) -> User:
    """A user as Django leaves one after sign-up and confirmation."""
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


@pytest.fixture
def alice() -> User:
    return verified_user("alice@example.com")


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    add_second_factor(admin)
    client.force_login(admin)
    return client


def sign_in(api: TestClient, email: str, password: str = PASSWORD) -> Any:
    return api.post("/api/v1/auth/token", data={"username": email, "password": password})


def bearer(api: TestClient, email: str = "alice@example.com") -> dict[str, str]:
    response = sign_in(api, email)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize("hasher", sorted(HASHERS))
def test_a_user_created_on_django_gets_a_token(
    api: TestClient, settings: DjangoSettings, hasher: str
) -> None:
    settings.PASSWORD_HASHERS = [HASHERS[hasher]]
    user = verified_user("carol@example.com")
    assert user.password.startswith(f"{hasher}$")

    me = api.get("/api/v1/users/me", headers=bearer(api, "carol@example.com"))

    assert me.status_code == 200
    assert me.json()["id"] == user.pk


def test_a_note_added_in_the_admin_is_listed_by_the_api(
    api: TestClient, admin_client: Client, alice: User
) -> None:
    response = admin_client.post(
        reverse("admin:notes_note_add"),
        {"owner": alice.pk, "title": "From the admin", "body": "Hello", "_save": "Save"},
    )
    assert response.status_code == 302, response.content

    listing = api.get("/api/v1/notes", headers=bearer(api)).json()

    assert [note["title"] for note in listing["notes"]] == ["From the admin"]
    assert listing["notes"][0]["owner_id"] == alice.pk


def test_a_note_created_through_the_api_shows_in_the_admin(
    api: TestClient, admin_client: Client, alice: User
) -> None:
    created = api.post("/api/v1/notes", json={"title": "From the API"}, headers=bearer(api))
    assert created.status_code == 201, created.text

    note = Note.objects.get(pk=created.json()["id"])
    assert (note.owner_id, note.body) == (alice.pk, "")
    assert note.created_at is not None
    changelist = admin_client.get(reverse("admin:notes_note_changelist"))
    assert "From the API" in changelist.content.decode()


def test_a_user_deactivated_on_django_is_refused_on_the_next_request(
    api: TestClient, alice: User
) -> None:
    headers = bearer(api)
    assert api.get("/api/v1/notes", headers=headers).status_code == 200

    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert api.get("/api/v1/notes", headers=headers).status_code == 403
    assert sign_in(api, alice.email).status_code == 403


def test_a_password_changed_on_django_replaces_the_old_one(api: TestClient, alice: User) -> None:
    assert sign_in(api, alice.email).status_code == 200

    alice.set_password("a-new-long-password-43")
    alice.save(update_fields=["password"])

    assert sign_in(api, alice.email).status_code == 401
    assert sign_in(api, alice.email, "a-new-long-password-43").status_code == 200


def test_a_password_changed_on_django_ends_the_api_token_at_once(
    api: TestClient, alice: User
) -> None:
    headers = bearer(api)
    assert api.get("/api/v1/notes", headers=headers).status_code == 200

    alice.set_password(PASSWORD)  # the same password: a new salt, so a new hash
    alice.save(update_fields=["password"])

    assert api.get("/api/v1/notes", headers=headers).status_code == 401
    assert api.get("/api/v1/notes", headers=bearer(api)).status_code == 200


def test_a_sign_up_not_yet_confirmed_gets_no_token(api: TestClient, client: Client) -> None:
    email = "dora@example.com"
    signed_up = client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signed_up.status_code == 302

    refused = sign_in(api, email)
    assert refused.status_code == 403
    assert "not verified" in refused.json()["detail"]

    link = next(word for word in str(mail.outbox[-1].body).split() if "/confirm-email/" in word)
    client.post(link.removeprefix("http://testserver"))
    assert EmailAddress.objects.get(email=email).verified
    assert sign_in(api, email).status_code == 200


def test_failures_on_django_lock_the_account_on_the_api(api: TestClient, alice: User) -> None:
    for guess in range(5):
        browser = Client(REMOTE_ADDR=f"203.0.113.{guess}")
        browser.post(reverse("account_login"), {"login": alice.email, "password": "wrong"})

    locked = sign_in(api, alice.email)

    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_failures_on_the_api_lock_the_account_on_django(api: TestClient, alice: User) -> None:
    for _ in range(5):
        assert sign_in(api, alice.email, "wrong").status_code == 401

    browser = Client(REMOTE_ADDR="198.51.100.7")
    response = browser.post(reverse("account_login"), {"login": alice.email, "password": PASSWORD})

    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in browser.session
