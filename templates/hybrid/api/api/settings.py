"""Settings of the API service, read from environment variables and the project's `.env`.

The shared service settings, adapted to live beside Django in one `.env`: the API's own
variables start with `API_` (`API_SECRET_KEY` signs the access tokens; Django keeps
`SECRET_KEY` to itself), while `DATABASE_URL`, `ENVIRONMENT` and the sign-in limits,
which Django applies too, keep their plain names.
Without `DATABASE_URL` both services use the project's `db.sqlite3` (in development;
production needs `DATABASE_URL`).
"""

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from .service_settings import Settings as ServiceSettings
from .service_settings import async_database_url

__all__ = ["PROJECT_ROOT", "Settings", "async_database_url"]

# api/api/settings.py -> the project root, where manage.py, .env and db.sqlite3 live.
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def _shared_with_django(name: str, default: int) -> Any:
    """A setting Django reads too, under the same name (see its settings/base.py)."""
    return Field(default=default, ge=1, validation_alias=AliasChoices(name, name.lower()))


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="API_",
        env_file=PROJECT_ROOT / ".env",
        env_ignore_empty=True,
        extra="ignore",
        hide_input_in_errors=True,
    )

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("ENVIRONMENT", "environment")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level")
    )
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'db.sqlite3'}",
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
    )
    sign_in_account_failures: int = _shared_with_django("SIGN_IN_ACCOUNT_FAILURES", 5)
    sign_in_account_window_seconds: int = _shared_with_django("SIGN_IN_ACCOUNT_WINDOW_SECONDS", 300)
    sign_in_client_failures: int = _shared_with_django("SIGN_IN_CLIENT_FAILURES", 10)
    sign_in_client_window_seconds: int = _shared_with_django("SIGN_IN_CLIENT_WINDOW_SECONDS", 60)
    # Every sign-in answers no sooner than this (see passwords.check_password_evenly);
    # unset: the measured time of checking Django's slowest hash.
    sign_in_floor_seconds: float | None = Field(default=None, ge=0)
