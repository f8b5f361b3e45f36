"""The contacts list's lines as a page shows them: presentation only, no queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

from app.contacts.models import STAGE_LABELS
from app.timezones import UTC_ZONE, user_zone
from app.web.templating import EncodedMarkup, templates


class ContactRow(NamedTuple):
    """One line of the contacts list, its text ready to show (a template needs no lookups)."""

    id: int
    name: str
    title: str
    organization_id: int | None
    organization: str
    stage: str
    tags: tuple[tuple[str, str], ...]  # (tag, the tag quoted for its filter link)
    last_contacted: str  # a day in the reader's timezone, or "never"
    next_touch: str  # a day, or "" for no reminder
    overdue: bool


@lru_cache(maxsize=1024)
def _tag_link(tag: str) -> tuple[str, str]:
    return tag, quote(tag, safe="")


# Where contact_list_page's rows hold the next touch's instant (LISTED_COLUMNS' order).
_NEXT_TOUCH_DUE = 6


def overdue_flags(contacts: Sequence[Sequence[Any]], now: datetime) -> tuple[bool, ...]:
    """Whether each contact's next touch is due by ``now`` (none set: not due)."""
    return tuple([(due := row[_NEXT_TOUCH_DUE]) is not None and due <= now for row in contacts])


def contact_rows(
    contacts: Sequence[Sequence[Any]], tz_name: str, overdue: Sequence[bool]
) -> list[ContactRow]:
    """Contacts (``contacts.service.contact_list_page``'s rows, in LISTED_COLUMNS' order
    then tags and organization name) as list lines, days in the reader's timezone,
    ``overdue`` as ``overdue_flags`` says.

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
    for (id_, name, title, organization_id, stage, last, due, tags, organization), due_now in zip(
        contacts, overdue, strict=True
    ):
        if last is None:
            last_day = "never"
        else:
            last_day = (last if utc else last.astimezone(zone)).date().isoformat()
        due_day = "" if due is None else (due if utc else due.astimezone(zone)).date().isoformat()
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
                    tuple([_tag_link(t) for t in tags]),
                    last_day,
                    due_day,
                    due_now,
                ),
            )
        )
    return rows


_new_row = tuple.__new__

# Pages of rows kept drawn, about 110 KiB each (50 rows: the text, its UTF-8 bytes and the
# key's rows; tracemalloc): past KEPT_PAGES the least recently drawn go first, and a longer
# page (limit= up to 200) is drawn each time, so the pages kept stay under 4 MB a worker.
KEPT_PAGES = 32
KEPT_PAGE_ROWS = 50


def _draw_rows(
    contacts: tuple[tuple[Any, ...], ...], tz_name: str, overdue: tuple[bool, ...]
) -> EncodedMarkup:
    rows = contact_rows(contacts, tz_name, overdue)
    return EncodedMarkup(templates.env.get_template("contacts/_rows.html").render(rows=rows))


# A page's rows are drawn from exactly the key: the contacts' columns as read (tags as a
# tuple), the reader's zone and which are overdue. So a reload, a page seen again or
# search-as-you-type coming back to a query neither words nor draws its rows again (-26 %
# instructions per contacts page with the splicing, callgrind), and an entry shows nothing
# its key does not hold.
_kept_rows = lru_cache(maxsize=KEPT_PAGES)(_draw_rows)


def draw_rows(contacts: Sequence[tuple[Any, ...]], tz_name: str, now: datetime) -> EncodedMarkup:
    """``contact_list_page``'s rows as the list's table rows (templates/contacts/_rows.html),
    kept with their UTF-8 bytes for ``render(..., spliced=)``: drawn once per distinct rows,
    zone and overdue ones."""
    draw = _kept_rows if len(contacts) <= KEPT_PAGE_ROWS else _draw_rows
    return draw(tuple(contacts), tz_name, overdue_flags(contacts, now))
