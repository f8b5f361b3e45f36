"""Calendar feeds: one secret subscription address per user, kept only as a hash."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field

from app.models import Tracked


class CalendarFeed(Tracked, table=True):
    """A user's enabled calendar feed; revoking deletes the row, rotating replaces the hash."""

    __tablename__ = "calendar_feeds"
    __label__ = "calendar feed"

    id: int | None = Field(default=None, primary_key=True)
    # One feed per user: rotating replaces its secret rather than adding another.
    owner_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    # SHA-256 of the secret in the feed's address; the secret itself is shown once.
    secret_hash: str = Field(max_length=64, nullable=False, unique=True)
