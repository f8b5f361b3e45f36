"""The contacts list pages keep each distinct page of rows drawn
(``contacts.rows.draw_stored_rows``) and splice their bytes into the page: the same HTML whether drawn or kept, and never a row
older than its contact, its reader's zone or the clock. The rows are hashable on both
databases. The API's unfiltered list, one statement, reads without BEGIN and ROLLBACK on
SQLite; a filtered one still counts and reads in one snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from bs4 import BeautifulSoup
from starlette.requests import Request

from app.contacts import service
from app.contacts.rows import KEPT_PAGE_ROWS, contact_rows, draw_stored_rows
from app.contacts.schemas import ContactUpdate
from app.db import open_session, utcnow
from app.web.templating import render, templates
from tests.statements import recorded


def _stored(db, user, now: datetime) -> list[tuple[Any, ...]]:
    filters = service.ContactFilters()
    return service.contact_list_view(db, user, filters, sort="full_name", now=now).page.items


def _fresh(items: list[dict[str, Any]], zone: str, now: datetime) -> str:
    """The rows' partial drawn afresh from the API's typed read, due as of ``now``."""
    typed = [
        (
            *(item[column.key] for column in service.LISTED_COLUMNS),
            item["tags"],
            item["organization_name"],
        )
        for item in items
    ]
    due = [(touch := item["next_touch_due"]) is not None and touch <= now for item in items]
    rows = contact_rows(typed, zone, due)
    return templates.env.get_template("contacts/_rows.html").render(rows=rows)


def _tags(value: str | tuple[str, ...]) -> tuple[str, ...]:
    # SQLite's JSON text (unordered) or PostgreSQL's ordered tuple.
    return tuple(sorted(orjson.loads(value))) if isinstance(value, str) else value


def test_the_list_pages_rows_are_hashable_on_both_databases(db, user, make_contact):
    make_contact(user, "Ada Lovelace", tags=["zeta", "alpha"])
    make_contact(user, "Bob Roe")
    db.rollback()
    items = _stored(db, user, utcnow())
    assert [type(row[7]) for row in items] == [str] * 2  # the JSON text the triggers keep
    assert [_tags(row[7]) for row in items] == [("alpha", "zeta"), ()]
    assert hash(tuple(items)) == hash(tuple(items))
    db.rollback()


def test_kept_rows_are_the_partials_markup_for_each_zone_and_instant(db, user, make_contact):
    make_contact(user, "Ada <Lovelace>", tags=["b", "a&b"], stay_in_touch_days=1)
    make_contact(user, "Bob Roe", title="Analyst")
    db.rollback()
    read = service.contact_read_page(
        db, user, service.ContactFilters(), sort="full_name", organization_names=True
    ).items
    now = utcnow()
    items = _stored(db, user, now)
    drawn = draw_stored_rows(items, "UTC")
    assert str(drawn) == _fresh(read, "UTC", now) and drawn.utf8 == str(drawn).encode()
    assert draw_stored_rows(items, "UTC") is drawn  # the same rows again: kept
    assert draw_stored_rows(_stored(db, user, now), "UTC") is drawn  # read again: kept
    assert draw_stored_rows(list(items), "UTC") == drawn  # the rows one by one: the same
    # The clock: Ada's touch comes due, and her row says so from that instant.
    due = read[0]["next_touch_due"]
    before = draw_stored_rows(_stored(db, user, due - timedelta(seconds=1)), "UTC")
    after = draw_stored_rows(_stored(db, user, due), "UTC")
    assert "overdue" not in before and "overdue" in after
    assert str(before) == _fresh(read, "UTC", due - timedelta(seconds=1))
    assert str(after) == _fresh(read, "UTC", due)
    # The zone: 25 hours apart, so their days always differ.
    east, west = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    assert str(draw_stored_rows(items, east)) == _fresh(read, east, now)
    assert str(draw_stored_rows(items, west)) == _fresh(read, west, now)
    assert draw_stored_rows(items, east) != draw_stored_rows(items, west)
    db.rollback()


def test_the_page_is_the_same_kept_or_drawn_and_follows_a_change(
    db, web, user, make_contact, make_org
):
    org = make_org(user, "Engines & Co")
    ada = make_contact(user, "Ada Lovelace", organization_id=org.id, tags=["x y"])
    make_contact(user, "Bob Roe")
    first = web.get("/contacts")
    assert first.status_code == 200 and web.get("/contacts").content == first.content
    fragment = web.get("/contacts", headers={"HX-Request": "true"})
    rows = first.text.split("<tbody>")[1].split("</tbody>")[0]
    assert "Ada Lovelace" in rows and f"<tbody>{rows}</tbody>" in fragment.text
    service.update_contact(db, user, ada.id, ContactUpdate(full_name="Ada King"))
    again = BeautifulSoup(web.get("/contacts").text, "html.parser")
    names = [a.text for a in again.select("#contact-results tbody tr td:first-child a")]
    assert names == ["Ada King", "Bob Roe"]


@pytest.mark.sqlite
def test_the_unfiltered_api_list_reads_without_begin_and_rollback(engine, db, user, make_contact):
    make_contact(user, "Ada Lovelace", stage="met")
    db.rollback()

    def statements(filters: service.ContactFilters) -> list[str]:
        with open_session(engine) as session, recorded(engine) as sent:
            assert service.contact_read_page(session, user, filters).total == 1
        return [s.strip().upper() for s in sent]

    unfiltered = statements(service.ContactFilters())
    assert len(unfiltered) == 1 and unfiltered[0].startswith("SELECT"), unfiltered
    filtered = statements(service.ContactFilters(stage="met"))  # a count and a page: one snapshot
    assert filtered[0] == "BEGIN" and len(filtered) == 3, filtered


def test_a_page_longer_than_kept_pages_is_drawn_each_time() -> None:
    # Rows as stored: no dates, no tags ("[]" as SQLite's JSON text), no reminder.
    rows = [
        (i, f"P{i}", "", None, "met", None, None, "[]", None, None)
        for i in range(KEPT_PAGE_ROWS + 1)
    ]
    longer = draw_stored_rows(rows, "UTC")
    assert draw_stored_rows(rows, "UTC") is not longer and draw_stored_rows(rows, "UTC") == longer
    assert "P50" in longer
    kept = rows[:KEPT_PAGE_ROWS]
    assert draw_stored_rows(kept, "UTC") is draw_stored_rows(kept, "UTC")


def test_a_kept_page_shows_its_own_reader_and_token(make_user, web_client_for) -> None:
    # Two readers with the same (empty) list, and one of them signed in twice: the pages'
    # content is the same, so each is told apart by what base.html shows of its reader.
    ada, root = make_user("ada"), make_user("root", is_admin=True)
    first, second, admin = web_client_for(ada), web_client_for(ada), web_client_for(root)
    assert len({first.csrf_token, second.csrf_token, admin.csrf_token}) == 3
    for client, name, others in (
        (first, "ada", (second, admin)),
        (second, "ada", (first, admin)),
        (admin, "root", (first, second)),
    ):
        for _ in range(2):  # drawn, then kept
            page = client.get("/contacts")
            soup = BeautifulSoup(page.text, "html.parser")
            assert soup.select_one('a[href="/account"]').text == name
            assert bool(soup.select_one('a[href="/admin/users"]')) is (client is admin)
            assert f'"X-CSRF-Token": "{client.csrf_token}"' in soup.body["hx-headers"]
            assert soup.select_one('input[name="csrf_token"]')["value"] == client.csrf_token
            assert not any(other.csrf_token in page.text for other in others)
            assert "Add the first person" in page.text


def test_a_kept_page_follows_its_readers_name_and_admin_flag() -> None:
    # One session (one CSRF token) whose reader is renamed, then made an admin: each is a
    # page of its own, never the one kept for the reader as they were.
    def page(display_name: str | None, is_admin: bool) -> str:
        request = Request({"type": "http", "method": "GET", "headers": [], "path": "/contacts"})
        request.state.user = SimpleNamespace(
            display_name=display_name, username="ada", is_admin=is_admin
        )
        request.state.csrf_token = "token-1"
        context = {"section": "contacts", "due_view": False, "filtered": False, "has_rows": False}
        response = render(request, "contacts/list.html", context, block="results", kept=True)
        return bytes(response.body).decode()

    def shown(html: str) -> tuple[str, bool]:
        soup = BeautifulSoup(html, "html.parser")
        return soup.select_one('a[href="/account"]').text, bool(
            soup.select('a[href="/admin/users"]')
        )

    assert shown(page(None, False)) == ("ada", False)
    assert shown(page("Ada L.", False)) == ("Ada L.", False)
    assert shown(page("Ada L.", True)) == ("Ada L.", True)
    assert shown(page(None, False)) == ("ada", False)
