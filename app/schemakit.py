"""Building blocks for the Create / Update / Read schemas of every domain."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

MAX_INT32 = 2**31 - 1
T = TypeVar("T")


def _reject_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    if isinstance(value, list | tuple | set):
        for item in value:
            _reject_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key)
            _reject_nul(item)
    return value


class InputModel(BaseModel):
    """Base for request bodies: unknown fields are refused, NUL bytes too."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


def not_null(*fields: str, message: str = "may be omitted but not null") -> Any:
    """A PATCH model's validator: these fields may be left out, but an explicit null is refused."""

    def refuse_null(value: Any) -> Any:
        # Runs only for fields actually sent, so absence passes and null does not.
        if value is None:
            raise ValueError(message)
        return value

    return field_validator(*fields)(refuse_null)


class ReadModel(BaseModel):
    """Base for responses, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class TrackedRead(ReadModel):
    """Fields every stored resource exposes."""

    id: int
    created_at: datetime
    updated_at: datetime
    version: int


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and where they sit in the whole."""

    items: list[T]
    total: int
    limit: int
    offset: int


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// address")
    if any(ch.isspace() for ch in value) or any(ord(ch) < 32 for ch in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def _check_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError("must be an IANA timezone name such as Europe/Paris")
    return value


_TZ_CACHE: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(available_timezones())
        _TZ_CACHE.add("UTC")
    return _TZ_CACHE


def is_timezone(value: str) -> bool:
    """True when value names a known IANA timezone."""
    return value in _timezones()


def _with_scheme(value: Any) -> Any:
    # "example.org/page" is how people write addresses (the README's own LinkedIn example
    # too): read it as https, as browsers do. Anything with a scheme is checked as sent.
    if isinstance(value, str):
        text = value.strip()
        host = text.split("/", 1)[0]
        if text and "://" not in text and "." in host and ":" not in host and " " not in host:
            return "https://" + text
    return value


HttpUrl = Annotated[
    str, BeforeValidator(_with_scheme), Field(max_length=2000), AfterValidator(_check_http_url)
]
Timezone = Annotated[str, Field(max_length=64), AfterValidator(_check_timezone)]
DbId = Annotated[int, Field(ge=1, le=MAX_INT32)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=50_000)]
Rating = Annotated[int, Field(ge=1, le=5)]

# Dates far outside a human lifetime are typos; they would also overflow date arithmetic.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _within_bounds(noun: str) -> Callable[[datetime], datetime]:
    message = f"must be a {noun} between {EARLIEST.year} and {LATEST.year}"

    def check(value: datetime) -> datetime:
        try:
            utc_value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError(message) from None
        if not EARLIEST <= utc_value < LATEST:
            raise ValueError(message)
        return utc_value

    return check


def _check_day(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must be a date between {EARLIEST.year} and {LATEST.year}")
    return value


# An aware datetime between EARLIEST and LATEST, converted to UTC.
BoundedDateTime = Annotated[AwareDatetime, AfterValidator(_within_bounds("date"))]
# The same, worded for a time of day (interviews are scheduled at a time).
BoundedTime = Annotated[AwareDatetime, AfterValidator(_within_bounds("date"))]
BoundedDate = Annotated[date, AfterValidator(_check_day)]

_TAG_RE = re.compile(r"\s+")


def normalise_tag(tag: str) -> str:
    """Tags are lower-case with single inner spaces."""
    return _TAG_RE.sub(" ", tag.strip()).casefold()
