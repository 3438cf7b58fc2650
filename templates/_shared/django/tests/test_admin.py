"""The admin is signed in to like the rest of the site, and guarded by a second factor.

Each test plays someone trying to get into the admin without the right to.
"""

import base64
import hmac
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User

from .conftest import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOTP_STEP = 30  # seconds, as authenticator apps count


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (RFC 6238: HMAC-SHA1, 6 digits)."""
    if TOTP_STEP - time.time() % TOTP_STEP < 2:
        time.sleep(2)  # too close to the next step: the server might see the next code
    counter = int(time.time()) // TOTP_STEP
    digest = hmac.new(base64.b32decode(secret), counter.to_bytes(8, "big"), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFF_FFFF
    return f"{value % 1_000_000:06d}"


def sign_in(
    client: Client, email: str, password: str = PASSWORD, next_url: str = ""
) -> HttpResponseBase:
    """The site's sign-in form, as a person fills it in."""
    query = f"?next={next_url}" if next_url else ""
    return client.post(reverse("account_login") + query, {"login": email, "password": password})


def signed_in_user(client: Client) -> User | AnonymousUser:
    user = client.get(reverse("home")).context["user"]
    assert isinstance(user, User | AnonymousUser)
    return user


def enrol_totp(client: Client) -> tuple[str, list[str]]:
    """Set up an authenticator app for the signed-in user: (its secret, the recovery codes)."""
    # allauth asks for the password again before a second factor is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response.headers["Location"], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    secret = response.context["form"].secret
    assert secret in response.content.decode()  # shown, to type into the app by hand
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    response = client.get(reverse("mfa_view_recovery_codes"))
    codes = list(response.context["unused_codes"])
    assert len(codes) == 10
    return secret, codes


def test_the_admin_sign_in_path_takes_no_passwords(client: Client, make_user: UserFactory) -> None:
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")

    # Guessing at the admin's own form: nothing is checked there, it only points away.
    for _ in range(25):
        response = client.post(admin_login, {"username": staff.email, "password": "guess"})
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("account_login"))
    response = client.post(admin_login, {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user(client).is_anonymous

    # Where it points is the site's sign-in, which counts failures and then refuses
    # even the right password.
    site_login = response.headers["Location"]
    for _ in range(5):
        response = client.post(site_login, {"login": staff.email, "password": "guess"})
        assert response.status_code == 200
    response = client.post(site_login, {"login": staff.email, "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert signed_in_user(client).is_anonymous


def test_members_who_are_not_staff_cannot_enter(client: Client, make_user: UserFactory) -> None:
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    member = make_user("member@example.com")
    sign_in(client, member.email)
    assert signed_in_user(client) == member

    for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url, follow=True)
        assert response.status_code == 403
        assert b'name="password"' not in response.content
    # Nor can a member sign in as someone else through the admin.
    response = client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 403
    assert signed_in_user(client) == member


@override_settings(ADMIN_REQUIRE_MFA=False)
def test_staff_cannot_switch_account_through_the_admin(
    client: Client, make_user: UserFactory
) -> None:
    """Django's admin form would sign in as another account without its second factor."""
    editor = make_user("editor@example.com", is_staff=True)
    owner = make_user("owner@example.com", is_staff=True, is_superuser=True)
    sign_in(client, editor.email)

    response = client.post(reverse("admin:login"), {"username": owner.email, "password": PASSWORD})
    assert signed_in_user(client) == editor
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("admin:index")


def test_staff_sign_in_asks_for_the_authenticator_code(
    client: Client, make_user: UserFactory
) -> None:
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    admin_index = reverse("admin:index")
    sign_in(client, staff.email)
    assert 'href="{}"'.format(reverse("mfa_index")) in client.get(reverse("home")).content.decode()
    assert client.get(reverse("mfa_index")).status_code == 200
    secret, _ = enrol_totp(client)
    client.post(reverse("account_logout"))

    # The password alone no longer signs in, let alone opens the admin.
    response = sign_in(client, staff.email, next_url=admin_index)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("mfa_authenticate")
    assert signed_in_user(client).is_anonymous
    response = client.get(admin_index)
    assert response.status_code == 302
    assert signed_in_user(client).is_anonymous

    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert signed_in_user(client).is_anonymous

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"] == admin_index
    assert signed_in_user(client) == staff
    assert client.get(admin_index).status_code == 200


def test_a_recovery_code_works_once(client: Client, make_user: UserFactory) -> None:
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    sign_in(client, staff.email)
    _, recovery_codes = enrol_totp(client)
    client.post(reverse("account_logout"))

    code = recovery_codes[0]
    sign_in(client, staff.email)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in_user(client) == staff
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("account_logout"))

    sign_in(client, staff.email)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert signed_in_user(client).is_anonymous
    client.post(reverse("mfa_authenticate"), {"code": recovery_codes[1]})
    assert signed_in_user(client) == staff


def test_staff_without_a_second_factor_are_sent_to_set_one_up(
    client: Client, make_user: UserFactory
) -> None:
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    sign_in(client, staff.email)

    response = client.get(reverse("admin:notes_note_changelist"), follow=True)
    assert reverse("mfa_activate_totp") in [url for url, _ in response.redirect_chain]
    assert response.status_code == 200
    assert b"Set up two-factor authentication to use the admin." in response.content

    # ADMIN_REQUIRE_MFA=false (the default in development settings) lets them in.
    with override_settings(ADMIN_REQUIRE_MFA=False):
        assert client.get(reverse("admin:notes_note_changelist")).status_code == 200


def test_createsuperuser_signs_in_without_waiting_for_mail(client: Client) -> None:
    root = User.objects.create_superuser(email="root@example.com", password=PASSWORD)
    response = sign_in(client, root.email)
    assert response.status_code == 302
    assert signed_in_user(client) == root
