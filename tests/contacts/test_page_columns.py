"""The contacts list pages read only what they show (contacts.service.contact_list_view):
no careers, notes or other read-model columns in their statement, no BEGIN and ROLLBACK
around it on SQLite, and every cell still filled as the page showed it from the read model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from bs4 import BeautifulSoup

from app.contacts import service
from app.contacts.schemas import ContactRead
from app.db import utcnow
from tests.statements import CONTACT_PAGE_READS, forget_credentials, recorded

# Read-model columns no cell of the list shows.
UNSHOWN = ("contact_careers", "notes", "email", "how_we_met", "linkedin_url", "connected_on")


def _typed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A list page's row as stored (SQLite's date and tag text) with its values as the read
    model types them: dates aware, tags A-Z (by code point, as the read model sorts them)."""

    def instant(value: Any) -> Any:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
        return value

    tags = row[7]
    names = sorted(orjson.loads(tags)) if isinstance(tags, str) else list(tags)
    return (*row[:5], instant(row[5]), instant(row[6]), names, *row[8:])


def _page_read(statements: list[str]) -> str:
    reads = [s for s in statements if s.lstrip().startswith(CONTACT_PAGE_READS)]
    assert len(reads) == 1, statements
    return reads[0]


@pytest.mark.parametrize("query", ["", "?q=person", "?stage=met", "?sort=-updated_at&offset=1"])
def test_the_page_statement_reads_only_the_shown_columns(
    engine, web, api, user, make_contact, make_career, query
):
    career = make_career(user, "Nursing")
    for i in range(3):
        make_contact(
            user, f"Person {i}", stage="met", notes="private", career_ids=[career.id], tags=["x"]
        )
    assert web.get(f"/contacts{query}").status_code == 200  # the session's touch, once
    with recorded(engine) as sent:
        assert web.get(f"/contacts{query}").status_code == 200
    page = _page_read(sent)
    assert not [name for name in UNSHOWN if name in page], page
    assert "tag_names" in page and "organization" in page
    # The API's list still reads the whole read model, careers included.
    with recorded(engine) as sent:
        listed = api.get(f"/api/v1/contacts{query}")
    assert listed.status_code == 200 and listed.json()["items"][0]["career_ids"] == [career.id]
    assert "contact_careers" in _page_read(sent)


def test_the_page_reads_without_begin_and_rollback_on_sqlite(engine, web, user, make_contact):
    make_contact(user, "Ada Lovelace")
    assert web.get("/contacts").status_code == 200  # looked up: this worker remembers it
    with recorded(engine) as sent:
        assert web.get("/contacts").status_code == 200
    _page_read(sent)
    if engine.dialect.name == "sqlite":
        assert not [s for s in sent if s.strip().upper() in ("BEGIN", "ROLLBACK")], sent
    forget_credentials()  # a lookup's own statement first: the page still reads after it
    with recorded(engine) as sent:
        page = web.get("/contacts")
    assert page.status_code == 200 and "Ada Lovelace" in page.text
    _page_read(sent)


@pytest.mark.parametrize("filters", [service.ContactFilters(), service.ContactFilters(q="ada")])
def test_list_page_rows_are_the_read_models_shown_fields(
    db, user, make_contact, make_org, make_interaction, filters
):
    org = make_org(user, "Engines & Co")
    touched = datetime(2026, 1, 2, 23, 30, tzinfo=UTC)
    ada = make_contact(
        user,
        "Ada Lovelace",
        title="Analyst",
        organization_id=org.id,
        tags=["zeta", "alpha", "émile"],
        stay_in_touch_days=30,
    )
    make_contact(user, "Adam Smith")
    make_interaction(user, ada, when=touched)
    db.rollback()
    now = utcnow()
    listed = service.contact_list_view(db, user, filters, limit=5, sort="full_name", now=now).page
    read = service.contact_read_page(
        db, user, filters, limit=5, sort="full_name", organization_names=True
    )
    assert listed.total == read.total == 2
    expected = [
        (
            *(item[column.key] for column in service.LISTED_COLUMNS),
            item["tags"],
            item["organization_name"],
            None if item["next_touch_due"] is None else item["next_touch_due"] <= now,
        )
        for item in read.items
    ]
    assert [_typed(row) for row in listed.items] == expected
    assert all(len(row) == len(service.LISTED_COLUMNS) + 3 for row in listed.items)
    first, adam = (_typed(row) for row in listed.items)
    assert first[-3] == ["alpha", "zeta", "émile"] and first[-2] == "Engines & Co"
    assert first[5] == touched and first[6] is not None  # last contacted, next touch due
    assert bool(first[-1]) is (first[6] <= now) and adam[-1] is None  # no reminder: None
    assert set(ContactRead.model_fields) >= {column.key for column in service.LISTED_COLUMNS}
    db.rollback()


def test_a_page_past_the_end_keeps_its_total(db, user, make_contact):
    for i in range(3):
        make_contact(user, f"Person {i}")
    db.rollback()
    page = service.contact_list_view(db, user, service.ContactFilters(), limit=2, offset=1).page
    assert [row[1] for row in page.items] == ["Person 1", "Person 2"] and page.total == 3
    assert all(len(row) == len(service.LISTED_COLUMNS) + 3 for row in page.items)
    beyond = service.contact_list_view(db, user, service.ContactFilters(), limit=2, offset=10).page
    assert beyond.items == [] and beyond.total == 3
    db.rollback()


def test_the_page_shows_each_cell_from_the_narrow_row(web, user, make_contact, make_org):
    org = make_org(user, "Engines & Co")
    overdue = make_contact(
        user,
        "Ada <Lovelace>",
        title="Analyst",
        organization_id=org.id,
        stage="met",
        tags=["b tag", "a&tag"],
        stay_in_touch_days=1,
    )
    make_contact(user, "Bob Roe")
    row_of = {
        tr.find("a").get_text(): tr
        for tr in BeautifulSoup(web.get("/contacts").text, "html.parser").select(
            "#contact-results tbody tr"
        )
    }
    ada = row_of["Ada <Lovelace>"]
    cells = ada.find_all("td")
    assert ada["data-contact-id"] == str(overdue.id)
    assert cells[0].small.get_text() == "Analyst"
    assert cells[1].a["href"] == f"/organizations/{org.id}"
    assert cells[1].a.get_text() == "Engines & Co"
    assert cells[2].get_text() == "Met"
    assert [(a.get_text(), a["href"]) for a in cells[3].find_all("a")] == [
        ("a&tag", "/contacts?tag=a%26tag"),
        ("b tag", "/contacts?tag=b%20tag"),
    ]
    assert cells[4].get_text() == "never"
    due = overdue.next_touch_due
    assert due is not None
    shown_due = due.astimezone(UTC).date().isoformat()
    assert cells[5].get_text(" ", strip=True) == (
        f"{shown_due} due" if due <= utcnow() + timedelta(seconds=1) else shown_due
    )
    bob = row_of["Bob Roe"].find_all("td")
    assert bob[1].get_text() == "—" and bob[3].find("a") is None and bob[5].get_text() == "—"
