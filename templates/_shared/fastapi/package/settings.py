"""Settings, read from environment variables and `.env`.

No signing key is written in the code: `SECRET_KEY` must come from the environment or
`.env` (scaffold wrote a random one there), or the service refuses to start. With
`ENVIRONMENT=production` it also refuses to start without `DATABASE_URL`.
"""

from typing import Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_KEY_LENGTH = 32
KEY_GENERATOR = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


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


class DatabaseSettings(BaseSettings):
    """What the migrations and the command line need: no signing key."""

    # Empty values (such as `SECRET_KEY=` in a fresh `.env`) count as unset. Errors do not
    # echo the values: they may hold passwords.
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = "development"
    # The application's own log records below this level are dropped (logs.py).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    database_url: str = "sqlite+aiosqlite:///./db.sqlite3"
    database_echo: bool = False
    # PostgreSQL connections each server process keeps, at most: processes (workers) times
    # this must stay below the server's `max_connections`.
    database_pool_size: int = Field(default=10, ge=1, le=1000)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _use_async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @model_validator(mode="after")
    def _require_database_url_in_production(self) -> Self:
        # The SQLite default is for development: in production it would quietly keep the
        # data in a file inside the container.
        if self.environment == "production" and "database_url" not in self.model_fields_set:
            raise ValueError("DATABASE_URL must be set in production")
        return self


class Settings(DatabaseSettings):
    secret_key: SecretStr
    access_token_minutes: int = Field(default=15, ge=1, le=30)
    # Failed sign-ins allowed per account and per client address within a window, counted
    # in the database for every process (see ratelimit.py).
    sign_in_account_failures: int = Field(default=5, ge=1)
    sign_in_account_window_seconds: int = Field(default=300, ge=1)
    sign_in_client_failures: int = Field(default=10, ge=1)
    sign_in_client_window_seconds: int = Field(default=60, ge=1)
    # Larger request bodies are refused with 413 before they are read.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The interactive docs and the OpenAPI schema; unset: served except in production.
    docs_enabled: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _require_secret_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("secret_key"):
            variable = f"{cls.model_config.get('env_prefix', '')}SECRET_KEY"
            raise ValueError(
                f"{variable} is not set: put a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters in the environment or .env, e.g. the "
                f"output of `{KEY_GENERATOR}`"
            )
        return data

    @field_validator("secret_key")
    @classmethod
    def _refuse_short_secret_key(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
            variable = f"{cls.model_config.get('env_prefix', '')}SECRET_KEY"
            raise ValueError(
                f"{variable} must be at least {MIN_SECRET_KEY_LENGTH} characters long; "
                f"generate one with `{KEY_GENERATOR}`"
            )
        return value

    @property
    def serve_docs(self) -> bool:
        if self.docs_enabled is not None:
            return self.docs_enabled
        return self.environment != "production"
