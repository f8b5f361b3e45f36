"""The unfiltered contacts list is one statement (the page carries the kept count), and careers
and tags come back in the order the read model promises (careers by id, tags by name)."""

from __future__ import annotations

import pytest

from app.contacts import service
from app.schemas import normalise_tag
from tests.statements import recorded


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        (service.ContactFilters(), 1),  # the kept count, read by the page statement itself
        (service.ContactFilters(q="person"), 2),  # a count (trigram index on SQLite), the page
        (service.ContactFilters(stage="prospect"), 2),
    ],
    ids=["owner only", "q", "stage"],
)
def test_the_unfiltered_page_carries_its_total(
    engine, db, user, other_user, make_contact, filters, count
):
    for i in range(7):
        make_contact(user, f"Person {i}")
    make_contact(other_user, "Person of someone else")
    db.rollback()
    with recorded(engine) as sent:
        page = service.contact_read_page(db, user, filters, limit=3, offset=3)
    statements = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert len(statements) == count, statements
    assert page.total == 7
    assert [c["full_name"] for c in page.items] == ["Person 3", "Person 4", "Person 5"]
    assert all("total" not in item for item in page.items)
    db.rollback()


def test_a_page_past_the_end_still_has_the_total(engine, db, user, make_contact):
    assert service.contact_read_page(db, user, service.ContactFilters()).total == 0  # nobody
    for i in range(4):
        make_contact(user, f"Person {i}")
    db.rollback()
    with recorded(engine) as sent:
        page = service.contact_read_page(db, user, service.ContactFilters(), limit=2, offset=10)
    statements = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert page.items == [] and page.total == 4
    assert len(statements) == 2, statements  # no row carried the total: read alone
    db.rollback()


def test_careers_and_tags_come_sorted_as_the_single_read_has_them(
    db, user, make_contact, make_career, api
):
    careers = [make_career(user, f"Career {i}").id for i in range(4)]
    # Names whose code-point order differs from a case- or accent-aware one, and careers
    # linked out of id order.
    tags = ["zeta", "émile", "alpha", "straße", "strasse", "ωmega", "a-b", "a_b", "10", "9"]
    contact_id = make_contact(user, "Sorted Person", career_ids=careers[::-1], tags=tags).id
    page = service.contact_read_page(db, user, service.ContactFilters(), limit=5)
    [item] = page.items
    assert item["career_ids"] == sorted(careers)
    if db.get_bind().dialect.name == "sqlite":  # BINARY: the code points' order
        assert item["tags"] == sorted({normalise_tag(tag) for tag in tags})
    db.rollback()  # the session's write transaction would keep the token's first use waiting
    single = api.get(f"/api/v1/contacts/{contact_id}").json()
    response = api.get("/api/v1/contacts")
    assert response.status_code == 200, response.text
    listed = response.json()["items"][0]
    assert listed == single and listed["tags"] == item["tags"]


@pytest.mark.parametrize("read", ["api", "page"])
def test_the_unfiltered_page_begins_nothing(engine, db, user, make_contact, read):
    """On SQLite the one statement of an unfiltered page runs on a connection of its own
    (app.db.statement_connection): the session is left without a transaction, and no BEGIN
    or ROLLBACK reaches the database on either database."""
    for i in range(3):
        make_contact(user, f"Person {i}")
    db.commit()
    with recorded(engine) as sent:
        if read == "api":
            page = service.contact_read_page(db, user, service.ContactFilters(), limit=2)
            names = [c["full_name"] for c in page.items]
        else:
            page = service.contact_list_view(
                db, user, service.ContactFilters(), limit=2, careers=True
            ).page
            names = [row[1] for row in page.items]
        assert engine.dialect.name != "sqlite" or not db.in_transaction()
        db.close()
    assert names == ["Person 0", "Person 1"] and page.total == 3
    ends = [s for s in sent if s.split()[0].upper() in {"BEGIN", "ROLLBACK", "COMMIT"}]
    assert not ends, sent


def test_a_filtered_page_view_reads_without_a_snapshot(engine, db, user, make_contact):
    """The list pages' filtered read (count, then rows) sends no BEGIN either."""
    for i in range(3):
        make_contact(user, f"Person {i}", stage="prospect")
    db.commit()
    with recorded(engine) as sent:
        page = service.contact_list_view(
            db, user, service.ContactFilters(stage="prospect"), limit=2
        ).page
        db.close()
    assert page.total == 3 and len(page.items) == 2
    assert not [s for s in sent if s.split()[0].upper() in {"BEGIN", "ROLLBACK"}], sent
