"""Column helpers and the mixin every user-owned table shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


def utc_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    """A timezone-aware UTC datetime column."""
    if default_now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def owner_field() -> Any:
    """The owner_id column: every user-owned row names its user and goes with it."""
    return Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


def fk_field(
    target: str, *, nullable: bool = True, ondelete: str = "SET NULL", index: bool = True
) -> Any:
    """A foreign key column with an explicit delete rule (``index=False``: a composite covers it)."""
    return Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


class Tracked(SQLModel):
    """Timestamps and an optimistic-concurrency version (ETag / If-Match)."""

    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    version: int = Field(default=1, nullable=False)

    def touch(self) -> None:
        """Mark the row changed: bump the version and the update time."""
        self.version += 1
        self.updated_at = utcnow()
