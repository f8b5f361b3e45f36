"""The contacts list's lines, and its head and filter form, as a page shows them:
presentation only, no queries."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple
from urllib.parse import quote

import orjson
from markupsafe import Markup

from app.contacts.models import STAGE_LABELS
from app.contacts.references.service import OrganizationChoice
from app.contacts.schemas import ContactPageFilters
from app.schemas import Page
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


def contact_rows(
    contacts: Sequence[Sequence[Any]], tz_name: str, overdue: Sequence[bool]
) -> list[ContactRow]:
    """Contacts (``contacts.service.contact_list_view``'s rows with their dates and tags
    converted: LISTED_COLUMNS' values, aware UTC datetimes, then the tags A-Z and the
    organization's name) as list lines, days in the reader's timezone, ``overdue`` whether
    each next touch is due (as the database said).

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


def _instant(value: datetime | str | None) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite's text as app.db.UTCDateTime reads it)."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:  # a value written with its own offset
        return datetime.fromisoformat(value).astimezone(UTC)


def _tag_names(value: str) -> tuple[str, ...]:
    """A contact's tags, A-Z, as its triggers keep them (models.CONTACT_TAG_NAMES)."""
    return () if value == "[]" else tuple(orjson.loads(value))


def _draw_stored_rows(contacts: Sequence[tuple[Any, ...]], tz_name: str) -> EncodedMarkup:
    listed = tuple(
        (*row[:5], _instant(row[5]), _instant(row[6]), _tag_names(row[7]), row[8])
        for row in contacts
    )
    overdue = tuple([bool(row[-1]) for row in contacts])
    return _draw_rows(listed, tz_name, overdue)


# A page's rows are drawn from exactly the key: the contacts' columns as read
# (PageColumns.STORED: the dates as SQLite's text and the tags as kept, hashable on both
# databases, and whether each is due, as the database said) and the reader's zone. So a
# reload, a page seen again or search-as-you-type coming back to a query neither converts,
# words nor draws its rows again (-26 % instructions per contacts page with the splicing,
# callgrind), and an entry shows nothing its key does not hold.
_kept_stored_rows = lru_cache(maxsize=KEPT_PAGES)(_draw_stored_rows)


def draw_stored_rows(contacts: Sequence[tuple[Any, ...]], tz_name: str) -> EncodedMarkup:
    """``contact_list_view``'s rows as the list's table rows (templates/contacts/_rows.html),
    kept with their UTF-8 bytes for ``render(..., spliced=)``: drawn once per distinct rows
    as read (their last value: whether the next touch is due) and zone."""
    draw = _kept_stored_rows if len(contacts) <= KEPT_PAGE_ROWS else _draw_stored_rows
    # A page is its rows' one JSON text (contacts.service.StoredRows), hashable as is.
    return draw(contacts if isinstance(contacts, Hashable) else tuple(contacts), tz_name)


# The list's stages and sorts, in the order its selects offer them.
STAGE_CHOICES = tuple(STAGE_LABELS.items())
SORT_CHOICES = (
    ("full_name", "Name (A–Z)"),
    ("next_touch_due", "Next touch due"),
    ("-last_contacted_at", "Recently contacted"),
    ("-updated_at", "Recently updated"),
    ("-created_at", "Newest first"),
    ("stage", "Stage"),
)


class Toolbar(NamedTuple):
    """What the list's head and filter form show (templates/contacts/_toolbar.html): the
    page's filters and sort, and the owner's careers to filter by."""

    due_view: bool
    q: str
    careers: tuple[tuple[int, str], ...]
    career_id: int | None
    organization_id: int | None
    organization_name: str
    organization_unknown: bool
    tag: str | None
    stage: str | None
    due: bool | None
    introduced_by_id: int | None
    sort: str


def _draw_toolbar(toolbar: Toolbar) -> EncodedMarkup:
    # The template reads the filters and the organization by attribute, as on the page.
    filters = SimpleNamespace(
        career_id=toolbar.career_id,
        tag=toolbar.tag,
        stage=toolbar.stage,
        due=toolbar.due,
        introduced_by_id=toolbar.introduced_by_id,
    )
    organization = SimpleNamespace(
        id=toolbar.organization_id,
        name=toolbar.organization_name,
        unknown=toolbar.organization_unknown,
    )
    context = {
        "due_view": toolbar.due_view,
        "q": toolbar.q,
        "careers": toolbar.careers,
        "filters": filters,
        "organization": organization,
        "stages": STAGE_CHOICES,
        "sort": toolbar.sort,
        "sort_choices": SORT_CHOICES,
    }
    template = templates.env.get_template("contacts/_toolbar.html")
    return EncodedMarkup(template.render(context))


# The head and filter form are drawn from exactly the key, every value they show (validated:
# ids are ints, due a bool or None), so an entry shows nothing its key does not hold. Most
# loads of the list are the same few (no filter, a sort): drawn once, they cost a page
# neither its macros nor the encoding of their text (-6 % instructions per contacts page,
# callgrind). About 8 KB an entry (text and bytes).
_kept_toolbars = lru_cache(maxsize=KEPT_PAGES)(_draw_toolbar)


def draw_toolbar(
    due_view: bool,
    q: str,
    careers: Sequence[tuple[int, str]],
    filters: ContactPageFilters,
    organization: OrganizationChoice,
    sort: str,
) -> EncodedMarkup:
    """The list's head and filter form (templates/contacts/_toolbar.html), kept with its
    UTF-8 bytes for ``render(..., spliced=)``: drawn once per distinct values shown."""
    toolbar = Toolbar(
        due_view,
        q,
        tuple(careers),
        filters.career_id,
        organization.id,
        organization.name,
        organization.unknown,
        filters.tag,
        filters.stage,
        filters.due,
        filters.introduced_by_id,
        sort,
    )
    return _kept_toolbars(toolbar)


class _PageAt(NamedTuple):
    """Where a page sits in the list, as the count line and the pager read it."""

    total: int
    limit: int
    offset: int


def _draw_count_line(total: int, filtered: bool, due_view: bool) -> Markup:
    template = templates.env.get_template("contacts/_count_line.html")
    page = _PageAt(total, 0, 0)  # the count line reads the total only
    return Markup(template.render(page=page, filtered=filtered, due_view=due_view))


def _draw_pager(total: int, limit: int, offset: int, query: tuple[tuple[str, str], ...]) -> Markup:
    # The pager's links are the page's query string with another offset: app.web.templating's
    # query() reads it from request.query_params, as a dict of the last value of each name.
    request = SimpleNamespace(query_params=query)
    template = templates.env.get_template("contacts/_pager.html")
    return Markup(template.render(page=_PageAt(total, limit, offset), request=request))


# Drawn from exactly the values they show (typed: a total of True is not a total of 1): the
# macros cost a page more than finding their markup again (-2 % instructions, callgrind).
_kept_count_lines = lru_cache(maxsize=256, typed=True)(_draw_count_line)
_kept_pagers = lru_cache(maxsize=256, typed=True)(_draw_pager)


def draw_count_line(total: int, filtered: bool, due_view: bool) -> Markup:
    """The list's count line ("5 contacts", with "clear filters" when ``filtered``)."""
    return _kept_count_lines(total, filtered, due_view)


def draw_pager(page: Page[Any], query: Sequence[tuple[str, str]]) -> Markup:
    """The list's pager for ``page`` (none when it fits on one), its links the page's
    ``query`` (the request's query string, as name and value pairs) at another offset."""
    if page.total <= page.limit:  # the macro draws nothing: no need to keep that
        return _NO_PAGER
    return _kept_pagers(page.total, page.limit, page.offset, tuple(query))


_NO_PAGER = Markup("")
