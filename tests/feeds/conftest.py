"""Fixtures for the calendar tests: scheduled interviews made through the API, feed URLs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

FEED_API = "/api/v1/me/calendar-feed"
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)


def path_of(url: str) -> str:
    """The path of a feed address (the test client speaks to the app, not the host)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def events(body: bytes) -> dict[str, Any]:
    """UID -> VEVENT of a calendar document (it must parse)."""
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def schedule() -> Callable[..., dict[str, Any]]:
    """A scheduled interview (with a new contact) of the given API client's user."""

    def _schedule(
        client: Any,
        person: str = "Rachel Carson",
        at: datetime = SOON,
        **fields: Any,
    ) -> dict[str, Any]:
        contact = client.post("/api/v1/contacts", json={"full_name": person, "title": "Biologist"})
        assert contact.status_code == 201, contact.text
        body = {
            "contact_id": contact.json()["id"],
            "status": "scheduled",
            "scheduled_at": at.isoformat(),
            "duration_minutes": 45,
            "mode": "video",
            "location": "https://meet.example/abc",
            **fields,
        }
        response = client.post("/api/v1/interviews", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return _schedule


@pytest.fixture
def feed_path() -> Callable[[Any], str]:
    """Turn on the feed for a client's user and return the path of its address."""

    def _enable(client: Any) -> str:
        response = client.post(FEED_API)
        assert response.status_code == 200, response.text
        return path_of(response.json()["url"])

    return _enable
