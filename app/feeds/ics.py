"""iCalendar documents (RFC 5545) for the feed and single interviews, built with icalendar."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from app.interviews.models import MODE_LABELS

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODID = "-//Rapport//Informational interviews//EN"
# How often a subscribed client should fetch the feed again.
REFRESH = timedelta(hours=1)
MEDIA_TYPE = "text/calendar; charset=utf-8"
_STATUS = {"cancelled": "CANCELLED"}


@dataclass(frozen=True)
class InterviewItem:
    """What the calendar shows of an interview."""

    id: int
    status: str
    starts_at: datetime
    duration_minutes: int
    mode: str | None
    location: str
    purpose: str
    person: str
    person_title: str
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FollowUpItem:
    """An open follow-up, shown as an all-day item on its due day."""

    id: int
    title: str
    due_on: date
    version: int
    created_at: datetime
    updated_at: datetime


def _host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "rapport.invalid"


def _calendar(name: str) -> Calendar:
    # icalendar (3 MB with dateutil) is imported when a calendar is built, not by every
    # worker at start-up (tests/test_memory.py).
    from icalendar import Calendar, vDuration

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _stamped(event: Event, uid: str, version: int, created: datetime, updated: datetime) -> None:
    event.add("uid", uid)
    # No METHOD in these documents, so DTSTAMP is the item's last revision (RFC 5545
    # 3.8.7.2): the same data gives the same bytes and the ETag holds between fetches.
    event.add("dtstamp", updated)
    event.add("created", created)
    event.add("last-modified", updated)
    # Every edit raises the row's version; clients take a higher SEQUENCE as a change.
    event.add("sequence", max(0, version - 1))


def interview_event(item: InterviewItem, base_url: str) -> Event:
    """One interview as a VEVENT in UTC, with the person, the place or link, and a link back."""
    from icalendar import Event  # on first use, as in _calendar

    link = f"{base_url.rstrip('/')}/interviews/{item.id}"
    event = Event()
    _stamped(
        event,
        f"interview-{item.id}@{_host(base_url)}",
        item.version,
        item.created_at,
        item.updated_at,
    )
    event.add("summary", f"Informational interview with {item.person}")
    event.add("dtstart", item.starts_at)
    event.add("dtend", item.starts_at + timedelta(minutes=item.duration_minutes))
    event.add("status", _STATUS.get(item.status, "CONFIRMED"))
    if item.location:
        event.add("location", item.location)
    event.add("url", link)
    who = f"{item.person}, {item.person_title}" if item.person_title else item.person
    lines = [f"With: {who}"]
    if item.mode:
        lines.append(f"How: {MODE_LABELS.get(item.mode, item.mode)}")
    if item.location:
        lines.append(("Link: " if item.mode == "video" else "Where: ") + item.location)
    if item.purpose:
        lines.append(f"Purpose: {item.purpose}")
    lines.append(f"In Rapport: {link}")
    event.add("description", "\n".join(lines))
    return event


def follow_up_event(item: FollowUpItem, base_url: str) -> Event:
    """One open follow-up as an all-day VEVENT on its due day."""
    from icalendar import Event  # on first use, as in _calendar

    event = Event()
    _stamped(
        event,
        f"follow-up-{item.id}@{_host(base_url)}",
        item.version,
        item.created_at,
        item.updated_at,
    )
    event.add("summary", item.title)
    event.add("dtstart", item.due_on)
    event.add("dtend", item.due_on + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("url", f"{base_url.rstrip('/')}/follow-ups/{item.id}")
    return event


def feed_document(
    name: str, interviews: list[InterviewItem], follow_ups: list[FollowUpItem], base_url: str
) -> bytes:
    """The subscription feed: every interview item, then every follow-up."""
    calendar = _calendar(name)
    for interview in interviews:
        calendar.add_component(interview_event(interview, base_url))
    for follow_up in follow_ups:
        calendar.add_component(follow_up_event(follow_up, base_url))
    return calendar.to_ical()


def interview_document(item: InterviewItem, base_url: str) -> bytes:
    """A single interview as its own .ics file."""
    calendar = _calendar(f"Interview with {item.person}")
    calendar.add_component(interview_event(item, base_url))
    return calendar.to_ical()


def document_etag(body: bytes) -> str:
    """A strong ETag for a calendar document's exact bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_matches(if_none_match: str | None, current: str) -> bool:
    """Whether an If-None-Match header names the current ETag (weak comparison, or *)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or current in tags
