"""The contacts list pages read their rows as stored (``contact_list_view``: SQLite's date
and tag text, and whether each next touch is due by now) and key the kept rows by those
values: the rows drawn are exactly the partial drawn from the API's typed read of the same
contacts, for any zone and instant, and still hashable on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.contacts import service
from app.contacts.rows import contact_rows, draw_stored_rows
from app.db import utcnow
from app.web.templating import templates


def _stored(db, user, now: datetime, **filters: Any) -> service.ListPage:
    filtered = service.ContactFilters(**filters)
    return service.contact_list_view(db, user, filtered, sort="full_name", now=now).page


def _read(db, user, **filters: Any) -> list[dict[str, Any]]:
    """The same contacts as the API reads them: typed dates, tags A-Z."""
    filtered = service.ContactFilters(**filters)
    page = service.contact_read_page(db, user, filtered, sort="full_name", organization_names=True)
    return page.items


def _due(items: list[dict[str, Any]], now: datetime) -> tuple[bool, ...]:
    # From the read model's typed instant: the expectation, not the database's own flag.
    return tuple([(due := item["next_touch_due"]) is not None and due <= now for item in items])


def _expected(items: list[dict[str, Any]], zone: str, now: datetime) -> str:
    """The rows' partial drawn afresh from the typed read, due as of ``now``."""
    typed = [
        (
            *(item[column.key] for column in service.LISTED_COLUMNS),
            item["tags"],
            item["organization_name"],
        )
        for item in items
    ]
    rows = contact_rows(typed, zone, _due(items, now))
    return templates.env.get_template("contacts/_rows.html").render(rows=rows)


def test_stored_rows_draw_as_the_listed_rows(db, user, make_contact, make_interaction):
    ada = make_contact(user, "Ada <Lovelace>", tags=["zeta", "émile", "a&b"], stay_in_touch_days=1)
    make_contact(user, "Bob Roe", title="Analyst")
    make_contact(user, "Zoë Ünal", tags=["日本"], stay_in_touch_days=30)
    make_interaction(user, ada, when=utcnow() - timedelta(days=3))
    db.rollback()
    now = utcnow()
    stored, read = _stored(db, user, now), _read(db, user)
    assert stored.total == 3 and [row[1] for row in stored.items] == [i["full_name"] for i in read]
    assert [len(row) for row in stored.items] == [len(service.LISTED_COLUMNS) + 3] * 3
    assert hash(tuple(stored.items)) == hash(tuple(stored.items))
    assert tuple(bool(row[-1]) for row in stored.items) == _due(read, now) == (True, False, False)
    for zone in ("UTC", "Asia/Kolkata", "Pacific/Pago_Pago"):
        assert str(draw_stored_rows(stored.items, zone)) == _expected(read, zone, now)
    # Ada's touch: due from its own instant on, in the stored rows' key as in the drawing.
    due = read[0]["next_touch_due"]
    for instant, flags in ((due - timedelta(seconds=1), (False,) * 3), (due, (True, False, False))):
        stored = _stored(db, user, instant)
        assert tuple(bool(row[-1]) for row in stored.items) == _due(read, instant) == flags
        assert str(draw_stored_rows(stored.items, "UTC")) == _expected(read, "UTC", instant)
    assert "overdue" in draw_stored_rows(stored.items, "UTC")
    db.rollback()


def test_stored_rows_of_a_filtered_and_an_empty_page(db, user, make_contact):
    make_contact(user, "Ada Lovelace", tags=["b", "a"], stage="met")
    make_contact(user, "Bob Roe")
    db.rollback()
    now = utcnow()
    stored, read = _stored(db, user, now, stage="met"), _read(db, user, stage="met")
    assert stored.total == 1 and [row[1] for row in stored.items] == ["Ada Lovelace"]
    drawn = str(draw_stored_rows(stored.items, "UTC"))
    assert drawn == _expected(read, "UTC", now) and drawn.index(">a<") < drawn.index(">b<")
    stored = _stored(db, user, now, tag="nobody")
    assert stored.items == [] and stored.total == 0
    assert str(draw_stored_rows(stored.items, "UTC")) == _expected([], "UTC", now)
    db.rollback()


def test_sqlite_rows_as_one_text_read_back_exactly(db, user, make_contact, make_org):
    # SQLite builds the page's rows as one JSON text (contacts.service.StoredRows): every value
    # a JSON escape touches comes back as stored, and the text alone is the kept key.
    org = make_org(user, 'Quote " and \\ backslash')
    make_contact(user, 'Ana "Q" \\ Ortiz', title="Ünïcode 🚀 \u2028 title", organization_id=org.id)
    make_contact(user, "Bo <b>&amp;</b>", tags=['say "hi"', "back\\slash", "ü"])
    db.rollback()
    now = utcnow()
    stored, read = _stored(db, user, now), _read(db, user)
    assert [row[1] for row in stored.items] == [item["full_name"] for item in read]
    assert stored.items[0][2] == "Ünïcode 🚀 \u2028 title"
    assert stored.items[0][8] == 'Quote " and \\ backslash'
    assert str(draw_stored_rows(stored.items, "UTC")) == _expected(read, "UTC", now)
    again = _stored(db, user, now).items
    assert again == stored.items and hash(tuple(again)) == hash(tuple(stored.items))
    if db.bind.dialect.name == "sqlite":
        assert isinstance(stored.items, service.StoredRows) and len(stored.items) == 2
        assert hash(stored.items) == hash(stored.items.text)
    db.rollback()
