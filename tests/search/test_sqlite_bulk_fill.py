"""SQLite's index writes: a bulk writer's rows of every kind go in with one statement per FTS5
table, and the positional table keeps no column sizes (nothing reads them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, text

from app.auth import service as auth_service
from app.auth.schemas import UserCreate
from app.contacts.models import Contact
from app.db import make_engine, open_session
from app.interactions.models import Interaction
from app.migrations import downgrade, upgrade
from app.organizations.models import Organization
from app.registry import import_all_models
from app.search import service
from app.search.models import KIND_CODES, sqlite_bulk_fill, sqlite_bulk_start
from app.search.service import bulk_indexing
from tests.search.conftest import Corpus
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sqlite  # on PostgreSQL bulk_indexing writes nothing of its own

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
STAMPS = {"created_at": NOW, "updated_at": NOW, "version": 1}


def test_a_bulk_of_several_kinds_takes_four_statements(engine: Engine, db, user, corpus) -> None:
    owner = user.id  # read once: a write session's lazy load would wait on our lock
    before = corpus.organization("Tamsin Before Works")
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        with open_session(engine, write=True) as session:
            conn = session.connection()
            with bulk_indexing(conn):
                start = len(seen)
                contacts = conn.execute(
                    insert(Contact.__table__).returning(Contact.__table__.c.id),  # type: ignore[attr-defined]
                    [
                        {"owner_id": owner, "full_name": f"Tamsin {n}", "search_text": "", **STAMPS}
                        for n in range(5)
                    ],
                ).all()
                conn.execute(
                    insert(Organization.__table__),  # type: ignore[attr-defined]
                    [{"owner_id": owner, "name": f"Tamsin Works {n}", **STAMPS} for n in range(3)],
                )
                conn.execute(
                    insert(Interaction.__table__),  # type: ignore[attr-defined]
                    [
                        {
                            "owner_id": owner,
                            "contact_id": contacts[0][0],
                            "kind": "call",
                            "summary": f"Tamsin call {n}",
                            "occurred_at": NOW,
                            **STAMPS,
                        }
                        for n in range(2)
                    ],
                )
                inside = seen[start:]
            session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    own = [s for s in seen if s not in inside and not s.startswith("BEGIN")]
    # The bounds of all nine kinds in one statement; the flag's removal; one fill per table.
    assert len(own) == 4, own
    found = service.search(db, user, "tamsin", limit=50)
    db.rollback()
    assert found.counts == {"contact": 5, "organization": 4, "interaction": 2}
    assert before.id in {hit.id for hit in found.items if hit.kind == "organization"}
    assert db.execute(text("SELECT count(*) FROM search_index_bulk")).scalar_one() == 0
    db.rollback()


def test_the_fill_is_one_statement_per_table_whatever_the_kinds() -> None:
    kinds = tuple(KIND_CODES)
    fills = sqlite_bulk_fill(kinds)
    assert [f.split(" (")[0] for f in fills] == [
        "INSERT INTO search_index",
        "INSERT INTO search_index_prefix",
    ]
    for fill in fills:
        for code in KIND_CODES.values():
            assert f":after_{code}" in fill
    assert sqlite_bulk_start(kinds).count(" UNION ALL ") == len(kinds) - 1


def test_the_positional_index_keeps_no_column_sizes(db) -> None:
    # Only FTS5's bm25() reads them, and searches rank from the rows' text instead.
    tables = set(db.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
    db.rollback()
    assert "search_index" in tables and "search_index_data" in tables
    assert "search_index_docsize" not in tables
    assert "search_index_prefix_docsize" not in tables


BEFORE_COLUMN_SIZES = "f1a3c5e7b9d0"


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT name FROM sqlite_master WHERE type = 'table'")
            return set(conn.execute(query).scalars())
    finally:
        engine.dispose()


def test_the_revision_rebuilds_the_index_without_sizes_and_back(
    empty_database_url: str,  # noqa: F811
) -> None:
    import_all_models()
    upgrade(empty_database_url, BEFORE_COLUMN_SIZES)
    assert "search_index_docsize" in _tables(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with open_session(engine, write=True) as session:
            user = auth_service.create_user(
                session, UserCreate(username="sizeless", password="a long enough passphrase")
            )
            contact = Corpus(session, user).contact("Wilhelmina Sizeless", notes="marmalade")
        upgrade(empty_database_url)
        assert "search_index_docsize" not in _tables(empty_database_url)
        with open_session(engine) as session:
            found = service.search(session, user, "marmalade")
            assert [(h.kind, h.id) for h in found.items] == [("contact", contact.id)]
            assert [h.id for h in service.search(session, user, "wilhel").items] == [contact.id]
        downgrade(empty_database_url, BEFORE_COLUMN_SIZES)
        assert "search_index_docsize" in _tables(empty_database_url)
        with open_session(engine) as session:
            found = service.search(session, user, '"wilhelmina sizeless"')
            assert [h.id for h in found.items] == [contact.id]
    finally:
        engine.dispose()
