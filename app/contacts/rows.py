"""The contacts list's lines as a page shows them: presentation only, no queries."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

from app.contacts.models import STAGE_LABELS
from app.timezones import user_zone


class ContactRow(NamedTuple):
    """One line of the contacts list, its text ready to show (a template needs no lookups)."""

    id: int
    name: str
    title: str
    organization_id: int | None
    organization: str
    stage: str
    tags: list[tuple[str, str]]  # (tag, the tag quoted for its filter link)
    last_contacted: str  # a day in the reader's timezone, or "never"
    next_touch: str  # a day, or "" for no reminder
    overdue: bool


@lru_cache(maxsize=1024)
def _tag_link(tag: str) -> tuple[str, str]:
    return tag, quote(tag, safe="")


def contact_rows(contacts: list[dict[str, Any]], tz_name: str, now: datetime) -> list[ContactRow]:
    """Contacts (as read dicts with ``organization_name``) as list lines, days in the
    reader's timezone.

    Done here rather than in the template: filters and lookups called per cell cost more
    in Jinja than the rest of a 50-row page."""
    zone = user_zone(tz_name)
    rows = []
    for c in contacts:
        due = c["next_touch_due"]
        last = c["last_contacted_at"]
        rows.append(
            ContactRow(
                c["id"],
                c["full_name"],
                c["title"],
                c["organization_id"],
                c["organization_name"] or "",
                STAGE_LABELS.get(c["stage"], c["stage"]),
                [_tag_link(t) for t in c["tags"]],
                last.astimezone(zone).date().isoformat() if last else "never",
                due.astimezone(zone).date().isoformat() if due else "",
                due is not None and due <= now,
            )
        )
    return rows
