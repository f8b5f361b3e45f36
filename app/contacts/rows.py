"""The contacts list's lines as a page shows them: presentation only, no queries."""

from __future__ import annotations

from collections.abc import Sequence
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


def contact_rows(
    contacts: Sequence[Sequence[Any]], tz_name: str, now: datetime
) -> list[ContactRow]:
    """Contacts (``contacts.service.contact_list_page``'s rows, in LISTED_COLUMNS' order
    then tags and organization name) as list lines, days in the reader's timezone.

    Done here rather than in the template: filters and lookups called per cell cost more
    in Jinja than the rest of a 50-row page."""
    zone = user_zone(tz_name)
    rows = []
    for id_, name, title, organization_id, stage, last, due, tags, organization in contacts:
        # tuple.__new__ with the fields in order: the NamedTuple's own __new__ is a Python
        # function taking them as arguments (about 10 of this loop's 85 us for 50 rows).
        rows.append(
            _new_row(
                ContactRow,
                (
                    id_,
                    name,
                    title,
                    organization_id,
                    organization or "",
                    STAGE_LABELS.get(stage, stage),
                    [_tag_link(t) for t in tags],
                    last.astimezone(zone).date().isoformat() if last else "never",
                    due.astimezone(zone).date().isoformat() if due else "",
                    due is not None and due <= now,
                ),
            )
        )
    return rows


_new_row = tuple.__new__
