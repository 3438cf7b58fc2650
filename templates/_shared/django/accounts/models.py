from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models

from .managers import UserManager


class User(AbstractUser):
    """A user who signs in with an email address; there is no username."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        db_table = "accounts_user"
        ordering = ("email",)
        verbose_name = "user"
        verbose_name_plural = "users"

    def __str__(self) -> str:
        return self.email


class RateLimitHit(models.Model):
    """One attempt counted against a limit: a sign-in, say, per account and per client.

    Counted in the database, so every process and replica (and, in a project with an API
    beside Django, that API too) sees the same attempts. `key` is a SHA-256 digest of
    the account or the client address, so the table holds neither in clear.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        db_table = "rate_limit_hit"
        indexes = (models.Index(fields=("scope", "key", "at"), name="rate_limit_hit_lookup"),)

    def __str__(self) -> str:
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M:%S}"
