"""Time zones: the user's zone for showing times (stored instants are UTC)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_ZONE = ZoneInfo("UTC")


def user_zone(name: str | None) -> ZoneInfo:
    """The named IANA zone, or UTC when it is missing or unknown."""
    if not name:
        return UTC_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE
