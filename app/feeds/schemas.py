"""Calendar feed schemas: whether it is on, and its address (shown once, when made)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.feeds.models import CalendarFeed


class CalendarFeedState(BaseModel):
    """Whether the caller's calendar feed is on (its address is never shown again)."""

    enabled: bool
    enabled_at: datetime | None = None
    rotated_at: datetime | None = None

    @classmethod
    def of(cls, feed: CalendarFeed | None) -> CalendarFeedState:
        """The state of a feed row (None: off)."""
        if feed is None:
            return cls(enabled=False)
        rotated = feed.updated_at if feed.version > 1 else None
        return cls(enabled=True, enabled_at=feed.created_at, rotated_at=rotated)


class CalendarFeedAddress(BaseModel):
    """A freshly made feed address: copy it now, it is stored only as a hash."""

    enabled: bool = True
    url: str = Field(description="https address of the .ics feed")
    webcal_url: str = Field(description="The same address for calendar apps (webcal://)")


def feed_urls(base_url: str, secret: str) -> CalendarFeedAddress:
    """The feed's https and webcal:// addresses for a secret."""
    url = f"{base_url.rstrip('/')}/feeds/{secret}.ics"
    webcal = "webcal://" + url.split("://", 1)[1]
    return CalendarFeedAddress(url=url, webcal_url=webcal)
