from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from sqlmodel import SQLModel


def assume_utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without a time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


UTCDateTime = Annotated[datetime, AfterValidator(assume_utc)]

# Text PostgreSQL can store: no NUL character. Refused with a pattern rather than a
# validator, so that the schema says so too and clients built from it refuse it first.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]

# The `responses=` of a route: extra status codes to document, with their bodies.
Responses = dict[int | str, dict[str, Any]]


class Detail(SQLModel):
    """The body of an error response."""

    detail: str
