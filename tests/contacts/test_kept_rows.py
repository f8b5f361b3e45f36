"""The contacts list pages keep each distinct page of rows drawn (``contacts.rows.draw_rows``)
and splice their bytes into the page: the same HTML whether drawn or kept, and never a row
older than its contact, its reader's zone or the clock. The rows are hashable on both
databases. The API's unfiltered list, one statement, reads without BEGIN and ROLLBACK on
SQLite; a filtered one still counts and reads in one snapshot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from app.contacts import service
from app.contacts.rows import KEPT_PAGE_ROWS, contact_rows, draw_rows, overdue_flags
from app.contacts.schemas import ContactUpdate
from app.db import open_session, utcnow
from app.web.templating import templates
from tests.statements import recorded


def _fresh(items: list[tuple[object, ...]], zone: str, now: object) -> str:
    rows = contact_rows(items, zone, overdue_flags(items, now))  # type: ignore[arg-type]
    return templates.env.get_template("contacts/_rows.html").render(rows=rows)


def test_the_list_pages_rows_are_hashable_on_both_databases(db, user, make_contact):
    make_contact(user, "Ada Lovelace", tags=["zeta", "alpha"])
    make_contact(user, "Bob Roe")
    db.rollback()
    page = service.contact_list_page(db, user, service.ContactFilters(), sort="full_name")
    assert [row[7] for row in page.items] == [("alpha", "zeta"), ()]
    assert hash(tuple(page.items)) == hash(tuple(page.items))
    db.rollback()


def test_kept_rows_are_the_partials_markup_for_each_zone_and_instant(db, user, make_contact):
    make_contact(user, "Ada <Lovelace>", tags=["b", "a&b"], stay_in_touch_days=1)
    make_contact(user, "Bob Roe", title="Analyst")
    db.rollback()
    items = service.contact_list_page(db, user, service.ContactFilters(), sort="full_name").items
    now = utcnow()
    drawn = draw_rows(items, "UTC", now)
    assert str(drawn) == _fresh(items, "UTC", now) and drawn.utf8 == str(drawn).encode()
    assert draw_rows(list(items), "UTC", now) is drawn  # the same rows again: kept
    # The clock: Ada's touch comes due, and her row says so from that instant.
    due = items[0][6]
    before, after = (
        draw_rows(items, "UTC", due - timedelta(seconds=1)),
        draw_rows(items, "UTC", due),
    )
    assert "overdue" not in before and "overdue" in after
    assert str(after) == _fresh(items, "UTC", due)
    # The zone: 25 hours apart, so their days always differ.
    east, west = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    assert str(draw_rows(items, east, now)) == _fresh(items, east, now)
    assert str(draw_rows(items, west, now)) == _fresh(items, west, now)
    assert draw_rows(items, east, now) != draw_rows(items, west, now)
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
    rows = [(i, f"P{i}", "", None, "met", None, None, (), None) for i in range(KEPT_PAGE_ROWS + 1)]
    now = utcnow()
    longer = draw_rows(rows, "UTC", now)
    assert draw_rows(rows, "UTC", now) is not longer and draw_rows(rows, "UTC", now) == longer
    kept = rows[:KEPT_PAGE_ROWS]
    assert draw_rows(kept, "UTC", now) is draw_rows(kept, "UTC", now)
