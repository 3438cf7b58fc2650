from collections.abc import Callable, Iterator

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from accounts.models import User

PASSWORD = "a-long-test-password-42"

UserFactory = Callable[..., User]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """allauth keeps rate-limit counters in the cache; start each test at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db: None) -> UserFactory:
    """Create a user whose email address is already verified, so it can sign in."""

    def make(email: str = "alice@example.com", **extra: object) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, **extra)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    return make


def add_second_factor(user: User) -> None:
    """Give `user` an authenticator, as the admin wants of staff (ADMIN_REQUIRE_MFA), for
    tests that sign in with force_login and so never enter a code."""
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
