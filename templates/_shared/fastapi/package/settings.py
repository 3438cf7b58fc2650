"""Settings, read from environment variables and `.env`.

Every value has a development default, so the project runs with no environment at all.
With `ENVIRONMENT=production` the service refuses to start without a real `SECRET_KEY`.
"""

from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "insecure-development-secret-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32


def async_database_url(url: str) -> str:
    """Point a PostgreSQL or SQLite URL at the async driver SQLAlchemy uses here."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError(f"DATABASE_URL is not a URL: {url!r}")
    dialect = scheme.split("+", 1)[0].lower()
    if dialect in {"postgres", "postgresql"}:
        return f"postgresql+asyncpg://{rest}"
    if dialect == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"DATABASE_URL must be a PostgreSQL or SQLite URL, not {scheme}://")


class Settings(BaseSettings):
    # Empty values (such as `SECRET_KEY=` in a fresh `.env`) count as unset. Errors do not
    # echo the values: they may hold passwords.
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    database_url: str = "sqlite+aiosqlite:///./db.sqlite3"
    database_echo: bool = False
    access_token_minutes: int = Field(default=15, ge=1, le=30)
    refresh_token_days: int = Field(default=14, ge=1, le=90)
    # Sign-in attempts allowed per client address in each window, per server process.
    login_attempts: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=60, ge=1)

    @field_validator("database_url")
    @classmethod
    def _use_async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Self:
        secret = self.secret_key.get_secret_value()
        if self.environment == "production" and (
            secret == DEVELOPMENT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH
        ):
            raise ValueError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} "
                "characters in production; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
            )
        return self
