from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlmodel import SQLModel


def assume_utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without a time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


UTCDateTime = Annotated[datetime, AfterValidator(assume_utc)]

# The `responses=` of a route: extra status codes to document, with their bodies.
Responses = dict[int | str, dict[str, Any]]


class Detail(SQLModel):
    """The body of an error response."""

    detail: str
