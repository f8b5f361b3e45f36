"""The contacts list pages read their rows as stored (``contact_list_view(stored=True)``:
SQLite's date and tag text, and whether each next touch is due by now) and key the kept rows
by those values: the rows drawn are exactly those drawn from the converted rows, for any
zone and instant, and still hashable on both databases."""

from __future__ import annotations

from datetime import timedelta

from app.contacts import service
from app.contacts.rows import draw_rows, draw_stored_rows, overdue_flags
from app.db import utcnow


def _both(db, user, now, **filters):
    listed = service.contact_list_view(
        db, user, service.ContactFilters(**filters), sort="full_name", now=now
    ).page
    stored = service.contact_list_view(
        db, user, service.ContactFilters(**filters), sort="full_name", now=now, stored=True
    ).page
    return listed, stored


def test_stored_rows_draw_as_the_listed_rows(db, user, make_contact, make_interaction):
    ada = make_contact(user, "Ada <Lovelace>", tags=["zeta", "émile", "a&b"], stay_in_touch_days=1)
    make_contact(user, "Bob Roe", title="Analyst")
    make_contact(user, "Zoë Ünal", tags=["日本"], stay_in_touch_days=30)
    make_interaction(user, ada, when=utcnow() - timedelta(days=3))
    db.rollback()
    now = utcnow()
    listed, stored = _both(db, user, now)
    assert listed.total == stored.total == 3
    assert [len(row) for row in stored.items] == [len(service.LISTED_COLUMNS) + 3] * 3
    assert hash(tuple(stored.items)) == hash(tuple(stored.items))
    assert tuple(bool(row[-1]) for row in stored.items) == overdue_flags(listed.items, now)
    for zone in ("UTC", "Asia/Kolkata", "Pacific/Pago_Pago"):
        assert draw_stored_rows(stored.items, zone) == draw_rows(listed.items, zone, now)
    # Ada's touch: due from its own instant on, in the stored rows' key as in the drawing.
    due = listed.items[0][6]
    for instant in (due - timedelta(seconds=1), due):
        listed, stored = _both(db, user, instant)
        assert draw_stored_rows(stored.items, "UTC") == draw_rows(listed.items, "UTC", instant)
    assert "overdue" in draw_stored_rows(stored.items, "UTC")
    db.rollback()


def test_stored_rows_of_a_filtered_and_an_empty_page(db, user, make_contact):
    make_contact(user, "Ada Lovelace", tags=["b", "a"], stage="met")
    make_contact(user, "Bob Roe")
    db.rollback()
    now = utcnow()
    listed, stored = _both(db, user, now, stage="met")
    assert listed.total == stored.total == 1
    assert draw_stored_rows(stored.items, "UTC") == draw_rows(listed.items, "UTC", now)
    listed, stored = _both(db, user, now, tag="nobody")
    assert stored.items == [] and stored.total == 0
    assert str(draw_stored_rows(stored.items, "UTC")) == str(draw_rows([], "UTC", now))
    db.rollback()
