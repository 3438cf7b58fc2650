import pytest
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from notes.models import Note

from .conftest import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(make_user: UserFactory) -> User:
    return make_user("alice@example.com")


@pytest.fixture
def bobs_note(make_user: UserFactory) -> Note:
    bob = make_user("bob@example.com")
    return Note.objects.create(owner=bob, title="Bob's secret", body="Only for Bob")


def test_pages_need_a_signed_in_user(client: Client) -> None:
    for name in ("notes:list", "notes:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("account_login"))


def test_create_list_edit_delete(client: Client, alice: User) -> None:
    client.force_login(alice)

    assert client.get(reverse("notes:create")).status_code == 200
    response = client.post(reverse("notes:create"), {"title": "Groceries", "body": "Milk"})
    assert response.status_code == 302
    note = Note.objects.get()
    assert note.owner == alice
    assert str(note) == "Groceries"

    response = client.get(reverse("notes:list"))
    assert response.status_code == 200
    assert list(response.context["note_list"]) == [note]

    assert client.get(note.get_absolute_url()).status_code == 200
    response = client.post(note.get_absolute_url(), {"title": "Groceries", "body": "Eggs"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "Eggs"

    delete_url = reverse("notes:delete", args=[note.pk])
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url).status_code == 302
    assert not Note.objects.exists()


def test_invalid_note_is_not_saved(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(reverse("notes:create"), {"title": "", "body": "No title"})
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert not Note.objects.exists()


def test_the_list_is_paged_with_one_query_per_page(
    client: Client,
    alice: User,
    bobs_note: Note,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    Note.objects.bulk_create(Note(owner=alice, title=f"Note {n}") for n in range(25))
    client.force_login(alice)
    url = reverse("notes:list")

    # The session, the user, then the page's rows with the total beside them.
    with django_assert_num_queries(3):
        response = client.get(url)
    page = response.context["page_obj"]
    assert len(page.object_list) == 20
    assert (page.paginator.count, page.paginator.num_pages) == (25, 2)
    assert b"Page 1 of 2" in response.content

    response = client.get(url, {"page": 2})
    assert [note.title for note in response.context["note_list"]] == [
        f"Note {n}" for n in reversed(range(5))
    ]
    assert response.context["page_obj"].paginator.count == 25
    assert client.get(url, {"page": "last"}).context["page_obj"].number == 2

    for page_number in ("3", "0", "-1", "two"):
        assert client.get(url, {"page": page_number}).status_code == 404


# With Redis, production reads sessions from the cache (settings/base.py).
@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_a_cached_session_saves_the_list_a_query(
    client: Client, alice: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.force_login(alice)
    # The user, then the page.
    with django_assert_num_queries(2):
        assert client.get(reverse("notes:list")).status_code == 200


def test_an_empty_list_is_one_page(client: Client, alice: User, bobs_note: Note) -> None:
    client.force_login(alice)
    response = client.get(reverse("notes:list"))
    assert response.context["page_obj"].paginator.count == 0
    assert b"No notes yet" in response.content
    assert client.get(reverse("notes:list"), {"page": 2}).status_code == 404


def test_other_users_notes_are_invisible(client: Client, alice: User, bobs_note: Note) -> None:
    client.force_login(alice)

    response = client.get(reverse("notes:list"))
    assert list(response.context["note_list"]) == []
    assert b"Bob&#x27;s secret" not in response.content

    edit_url = reverse("notes:edit", args=[bobs_note.pk])
    delete_url = reverse("notes:delete", args=[bobs_note.pk])
    assert client.get(edit_url).status_code == 404
    assert client.post(edit_url, {"title": "Mine now", "body": ""}).status_code == 404
    assert client.get(delete_url).status_code == 404
    assert client.post(delete_url).status_code == 404

    bobs_note.refresh_from_db()
    assert bobs_note.title == "Bob's secret"


def test_home_page(client: Client, alice: User) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("account_signup").encode() in response.content
    client.force_login(alice)
    assert b"alice@example.com" in client.get(reverse("home")).content
