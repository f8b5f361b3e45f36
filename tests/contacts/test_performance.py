"""Contacts stay fast at 100,000 rows: list pages are index range scans, `q` uses a trigram
index, and the unfiltered total is one maintained row. These tests assert query plans and
results, never timings."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlmodel import SQLModel

from app.contacts import service
from app.contacts.models import Contact, ContactCount
from app.contacts.schemas import ContactCreate, ContactUpdate
from app.dashboard import service as dashboard_service
from app.db import _refresh_statistics, make_engine, open_session, utcnow
from app.interactions import service as interactions_service
from app.organizations import service as organizations_service
from app.organizations.schemas import OrganizationUpdate
from tests.statements import recorded

LIST_SORTS = [
    "full_name",
    "-full_name",
    "next_touch_due",
    "-last_contacted_at",
    "-updated_at",
    "-created_at",
    "updated_at",
    "stage",
]
# Names that make LIKE, FTS5 query syntax and case folding earn their keep.
TRICKY_NAMES = [
    "Ann O'Hara",
    'Bob "Bobby" Tables',
    "Carla 100% Sure",
    "Dan_Underscore",
    "Eve \\ Backslash",
    "Frédéric Chopin",
    "GRETA GROSSMANN",
    "Heinz Straße",
    "Ingrid ÅSTRÖM",
    "Jo",
    "annotated AND OR NOT near",
]
QUERIES = [
    "ann",
    "o'h",
    '"bobby"',
    '"',
    "100%",
    "0% s",
    "%",
    "_",
    "n_u",
    "\\",
    "e \\ b",
    "fréd",
    "FRÉDÉRIC",
    "greta gross",
    "straße",
    "STRASSE",
    "åström",
    "jo",
    "j",
    "and or",
    "near",
    "zzz",
    "a",
    "an",
    "tables",
    "*",
    "ann*",
]


def _plan(session: Any, statement: Any, avoid: tuple[str, ...] = ("seqscan", "sort")) -> str:
    """The query plan as text; PostgreSQL is told to avoid what it can avoid (``avoid``)."""
    if session.get_bind().dialect.name == "sqlite":
        sql = str(
            statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        )
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
        return "\n".join(row[-1] for row in rows)
    # Test tables are tiny, so the planner would rightly scan and sort them; with those
    # disabled it still sorts when no index can give the order, which is what we test.
    for setting in avoid:
        session.execute(text(f"SET LOCAL enable_{setting} = off"))
    compiled = statement.compile(dialect=session.get_bind().dialect)
    rows = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return "\n".join(row[0] for row in rows)


def _page_statement(session: Any, user: Any, sort: str | None, q: str | None = None) -> Any:
    """The statement the list serves for this request (app.contacts.service), values bound."""
    dialect = session.get_bind().dialect.name
    params = service.filter_params(dialect, user, service.ContactFilters(q=q), utcnow())
    statement = service.page_statement(
        dialect, tuple(sorted(params)), sort, service.PagePlan.PLANNER
    )
    return statement.params({**params, "limit": 50, "offset": 0})


@pytest.mark.parametrize("sort", [None, *LIST_SORTS])
def test_every_list_sort_reads_an_index_in_order(db, user, make_contact, sort):
    for name in ("Bob", "alice", "Carol"):
        make_contact(user, name)
    plan = _plan(db, _page_statement(db, user, sort))
    if db.get_bind().dialect.name == "sqlite":
        # The page's own rows; careers and tags are per-row subqueries (sorted, but tiny).
        page = plan.split("CORRELATED SCALAR SUBQUERY")[0]
        assert "USING INDEX ix_contacts_owner_" in page or "USING COVERING INDEX" in page, plan
        assert "TEMP B-TREE" not in page, plan
    else:
        # The page's rows (a subquery, ordered again outside without a sort); careers and
        # tags are SubPlans run for those rows only (sorted, but tiny).
        page = plan.split("SubPlan")[0]
        assert "Index" in page and "ix_contacts_owner_" in page, plan
        assert "Sort" not in page, plan
        assert "Subquery Scan on q" in plan.splitlines()[0], plan
    db.rollback()


@pytest.mark.parametrize("sort", ["next_touch_due", "-next_touch_due", "-last_contacted_at"])
def test_empty_dates_sort_last_either_way(db, user, make_contact, make_interaction, sort):
    never = make_contact(user, "Never contacted")  # no cadence: no next touch either
    seen = make_contact(user, "Seen", stay_in_touch_days=30)
    make_interaction(user, seen)
    page = service.contact_read_page(db, user, service.ContactFilters(), sort=sort)
    assert [c["id"] for c in page.items] == [seen.id, never.id]
    db.rollback()


def test_the_tag_filter_finds_the_tag_by_its_owner_and_name(db, user, make_contact):
    make_contact(user, "Tagged", tags=["alumni"])
    dialect = db.get_bind().dialect.name
    params = service.filter_params(dialect, user, service.ContactFilters(tag="alumni"), utcnow())
    statement = service.count_statement(tuple(sorted(params))).params(params)
    plan = _plan(db, statement, avoid=("seqscan",))
    if dialect == "sqlite":  # the unique constraint's index, auto-named by SQLite
        assert "SEARCH tags USING COVERING INDEX" in plan, plan
        assert "(owner_id=? AND name=?)" in plan, plan
    else:
        assert "uq_tags_owner_name" in plan, plan
    db.rollback()


def test_the_default_list_uses_the_lower_name_index(db, user, make_contact):
    make_contact(user, "Zed")
    plan = _plan(db, _page_statement(db, user, None))
    assert "ix_contacts_owner_lower_name" in plan, plan
    db.rollback()


def test_text_search_uses_the_trigram_index(db, user, make_contact):
    make_contact(user, "Jensen Huang", title="Engineer")
    plan = _plan(db, _page_statement(db, user, None, q="jensen"))
    if db.get_bind().dialect.name == "sqlite":
        assert "contacts_fts VIRTUAL TABLE INDEX 0:M" in plan, plan
        short = _plan(db, _page_statement(db, user, None, q="je"))
        assert "contacts_fts" not in short, short  # a trigram index cannot answer 2 characters
    else:
        # GIN is read by bitmap scans; any LIKE '%x%' on search_text can use it.
        params = service.filter_params(
            "postgresql", user, service.ContactFilters(q="jen"), utcnow()
        )
        like_only = select(Contact.id).where(*service.text_conditions(params)).params(params)
        assert "ix_contacts_search_trgm" in _plan(db, like_only, avoid=("seqscan",)), plan
    db.rollback()


def test_search_results_are_exactly_a_case_insensitive_literal_substring(
    db, user, other_user, make_contact, make_org
):
    org = make_org(user, "Acme_Health 50%")
    for name in TRICKY_NAMES:
        make_contact(user, name, organization_id=org.id if name.startswith("A") else None)
    make_contact(other_user, "Ann Other-User")  # never in the user's results
    texts = {
        c.full_name: c.search_text
        for c in db.scalars(select(Contact).where(Contact.owner_id == user.id))
    }
    for q in [*QUERIES, "acme_h", "50%", "h 5"]:
        expected = sorted(
            (name for name, haystack in texts.items() if q.casefold() in haystack),
            key=lambda name: (name.lower(), name),
        )
        page = service.contact_read_page(db, user, service.ContactFilters(q=q), limit=100)
        found = [c["full_name"] for c in page.items]
        assert sorted(found, key=lambda n: (n.lower(), n)) == expected, q
        assert page.total == len(expected), q
    db.rollback()


def test_the_fts_query_is_a_quoted_phrase():
    assert service.fts_phrase('Say "hi" AND*') == '"say ""hi"" and*"'


def test_search_index_follows_every_change_to_search_text(db, user, make_contact, make_org):
    def found(q: str) -> list[str]:
        page = service.contact_read_page(db, user, service.ContactFilters(q=q))
        return [c["full_name"] for c in page.items]

    org = make_org(user, "Initech")
    peter = make_contact(user, "Peter Gibbons", organization_id=org.id, tags=["tps"])
    assert found("initech") == found("gibbons") == ["Peter Gibbons"]

    service.update_contact(db, user, peter.id, ContactUpdate(full_name="Pete Gibson"))
    assert found("gibbons") == [] and found("gibson") == ["Pete Gibson"]

    organizations_service.update_organization(
        db, user, org.id, OrganizationUpdate(name="Intertrode")
    )
    assert found("initech") == [] and found("intertrode") == ["Pete Gibson"]

    organizations_service.delete_organization(db, user, org.id, cascade=True)
    assert found("intertrode") == [] and found("gibson") == ["Pete Gibson"]

    service.delete_contact(db, user, peter.id, cascade=True)
    assert found("gibson") == []


def test_core_bulk_inserts_are_searchable_and_counted(db, user):
    # The seeder and imports write with Core executemany; triggers index and count them.
    now = utcnow()
    rows = [
        {
            "owner_id": user.id,
            "full_name": f"Bulk Person {i}",
            "search_text": service.build_search_text(f"Bulk Person {i}", "", None, None, []),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for i in range(30)
    ]
    db.execute(insert(Contact), rows)
    db.commit()
    page = service.contact_read_page(db, user, service.ContactFilters(q="person 2"), limit=50)
    assert sorted(c["full_name"] for c in page.items) == ["Bulk Person 2"] + [
        f"Bulk Person {i}" for i in range(20, 30)
    ]
    assert service.count_contacts(db, user) == 30
    db.execute(delete(Contact).where(Contact.full_name.like("Bulk Person 1%")))
    db.commit()
    assert service.count_contacts(db, user) == 19
    assert service.contact_read_page(db, user, service.ContactFilters(q="person 1")).total == 0


def _real_count(db, owner_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Contact).where(Contact.owner_id == owner_id))


def test_the_unfiltered_total_is_the_maintained_count(db, engine, user, other_user, make_contact):
    assert service.count_contacts(db, user) == 0
    contacts = [make_contact(user, f"Person {i}") for i in range(5)]
    make_contact(other_user, "Someone else's")
    service.delete_contact(db, user, contacts[0].id, cascade=True)
    assert service.count_contacts(db, user) == _real_count(db, user.id) == 4
    assert service.count_contacts(db, other_user) == 1

    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        page = service.contact_read_page(db, user, service.ContactFilters(), limit=2)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert page.total == 4
    assert not any("count(" in s.lower() for s in statements), statements
    assert any("contact_counts" in s for s in statements), statements
    # A filtered list still counts exactly.
    assert service.contact_read_page(db, user, service.ContactFilters(q="person 1")).total == 1
    db.rollback()


def test_the_count_is_right_under_concurrent_writers(engine, db, user):
    def create_some(worker: int) -> None:
        for i in range(8):
            session = open_session(engine, write=True)
            try:
                service.create_contact(
                    session, user, ContactCreate(full_name=f"Writer {worker} contact {i}")
                )
            finally:
                session.close()

    threads = [threading.Thread(target=create_some, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.expire_all()
    assert service.count_contacts(db, user) == _real_count(db, user.id) == 32
    row = db.get(ContactCount, user.id)
    assert row is not None and row.contacts == 32
    db.rollback()


def test_the_dashboard_does_not_count_its_due_list(db, user, make_contact):
    for i in range(7):
        contact = make_contact(user, f"Due {i}", stay_in_touch_days=1)
        contact.created_at -= timedelta(days=2)  # added two days ago: due now
        interactions_service.refresh_touch_dates(db, contact)
    db.commit()
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    event.listen(db.get_bind(), "before_cursor_execute", record)
    try:
        found = dashboard_service.dashboard(db, user)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", record)
    assert len(found.due) == 5 and found.counts["contacts"] == 7
    # The stamp with the contact count and both lists, then the other counts (the figures
    # are computed: this user's stamp is new).
    assert len([s for s in statements if s.startswith("select")]) == 2, statements
    assert not any("from contacts" in s and "count(" in s for s in statements), statements
    db.rollback()


def test_statistics_never_make_fts_merges_scan(tmp_path):
    # An ANALYZE of an empty database once made FTS5's own range deletes full scans. The
    # statistics are SQLite's, so this builds its own SQLite file whatever the run's database.
    sqlite_engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    SQLModel.metadata.create_all(sqlite_engine)
    connection = sqlite_engine.raw_connection()
    try:
        cursor = connection.cursor()
        _refresh_statistics(cursor)
        plan = cursor.execute(
            "EXPLAIN QUERY PLAN DELETE FROM contacts_fts_data WHERE id >= 1 AND id <= 5"
        ).fetchall()
        assert "SEARCH" in plan[-1][-1], plan
        connection.commit()
    finally:
        connection.close()
        sqlite_engine.dispose()


def test_a_bulk_load_counts_once_at_the_end(engine, db, user, make_contact):
    make_contact(user, "Already here")
    now = utcnow()
    rows = [
        {"owner_id": user.id, "full_name": f"Loaded {i}", "created_at": now, "updated_at": now}
        for i in range(12)
    ]
    with engine.begin() as connection, service.bulk_contact_load(connection, user.id):
        connection.execute(insert(Contact), rows)
    db.expire_all()
    assert service.count_contacts(db, user) == _real_count(db, user.id) == 13
    # Later writes are counted by the trigger again.
    make_contact(user, "After the load")
    assert service.count_contacts(db, user) == 14
    db.rollback()


def test_a_short_rare_q_scans_and_sorts_its_few_matches(db, user, make_contact):
    for name in ("Xavier Quinn", "Anna Bell", *(f"Bob Ames {i:02d}" for i in range(10))):
        make_contact(user, name)
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.get_bind(), "before_cursor_execute", record)
    try:
        page = service.contact_read_page(db, user, service.ContactFilters(q="xq"), limit=20)
        wide = service.contact_read_page(db, user, service.ContactFilters(q="a"), limit=1)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", record)
    assert page.total == 0 and [c["full_name"] for c in wide.items] == ["Anna Bell"]
    pages = [s for s in statements if s.lstrip().startswith("SELECT contacts.")]
    if db.get_bind().dialect.name == "sqlite":
        assert "lower(contacts.full_name) || " in pages[0]  # not the index's order
        assert "lower(contacts.full_name) || " not in pages[1]  # many matches: walk the index
    db.rollback()


@pytest.mark.sqlite
def test_a_common_q_walks_the_sort_index_probing_its_matches(db, user, make_contact):
    for name in ("Zed Ames", *(f"Bob Ames {i:02d}" for i in range(10))):
        make_contact(user, name)
    with recorded(db.get_bind()) as statements:
        common = service.contact_read_page(db, user, service.ContactFilters(q="ames"), limit=2)
    assert [c["full_name"] for c in common.items] == ["Bob Ames 00", "Bob Ames 01"]
    assert common.total == 11
    page = next(s for s in statements if s.lstrip().startswith("SELECT contacts."))
    assert "walked" in page and "search_text LIKE" not in page, page
    params = service.filter_params("sqlite", user, service.ContactFilters(q="ames"), utcnow())
    walk = service.page_statement(
        "sqlite", tuple(sorted(params)), None, service.PagePlan.WALK_SORT_INDEX
    )
    plan = _plan(db, walk.params({**params, "limit": 2, "offset": 0, "walk": 20}))
    rows = plan.split("CORRELATED SCALAR SUBQUERY")[0]
    assert "ix_contacts_owner_lower_name" in rows and "TEMP B-TREE" not in rows, plan
    db.rollback()


def test_page_organization_names_are_one_statement_for_any_page(
    db, engine, user, other_user, make_org
):
    """The names of a page's organizations come from one SQL text whatever their number (an
    expanding IN rendered a new statement per length), the owner's names only."""
    from sqlalchemy import event

    from app.organizations import service as organizations_service

    mine = [make_org(user, f"Org {i}") for i in range(5)]
    theirs = make_org(other_user, "Not yours")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        two = organizations_service.names_of(db, user.id, [mine[0].id, mine[1].id, None])
        five = organizations_service.names_of(db, user.id, [o.id for o in mine] + [theirs.id])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert two == {mine[0].id: "Org 0", mine[1].id: "Org 1"}
    assert five == {o.id: o.name for o in mine}
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 and selects[0] == selects[1], selects
    db.rollback()
