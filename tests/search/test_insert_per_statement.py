"""PostgreSQL indexes inserted rows once per statement, from the rows the statement inserted
(a transition table); updates and deletes stay row by row. SQLite's triggers are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, insert, text

from app.contacts.models import Contact
from app.db import make_engine, open_session
from app.interviews.agenda.models import InterviewQuestion
from app.migrations import downgrade, upgrade
from app.search import service
from app.search.models import KIND_CODES
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
BEFORE = "a8c0e2f4b6d8"


def _indexed(conn: Connection, kind: str) -> set[int]:
    return set(
        conn.scalars(
            text("SELECT row_id FROM search_index WHERE kind = :kind"),
            {"kind": KIND_CODES[kind]},
        )
    )


def _answer(owner: int, interview: int, question: str, notes: str) -> dict:
    return {
        "owner_id": owner,
        "interview_id": interview,
        "text": question,
        "answer_notes": notes,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
    }


def test_a_multi_row_insert_is_indexed_whole_and_unanswered_rows_are_not(
    engine: Engine, db, user, corpus
) -> None:
    owner = user.id
    interview = corpus.interview(summary="agenda").id
    table = InterviewQuestion.__table__  # type: ignore[attr-defined]
    with open_session(engine, write=True) as session:
        conn = session.connection()
        before = _indexed(conn, "answer")
        # One statement, four rows: the statement trigger sees them all at once.
        ids = conn.scalars(
            insert(table)
            .values(
                [
                    _answer(owner, interview, "What changed?", "Quillwort registries grew."),
                    _answer(owner, interview, "Who hires?", "Quillwort museums hire."),
                    _answer(owner, interview, "Not asked yet?", ""),
                    _answer(owner, interview, "Advice?", "Learn quillwort cataloguing."),
                ]
            )
            .returning(table.c.id)
        ).all()
        assert len(ids) == 4
        assert _indexed(conn, "answer") - before == {ids[0], ids[1], ids[3]}
        session.commit()
    hits = service.search(db, user, "quillwort", limit=50).items
    assert sorted(h.id for h in hits) == sorted([ids[0], ids[1], ids[3]])
    db.rollback()
    # Updates still go row by row, with the same condition both ways.
    with open_session(engine, write=True) as session:
        conn = session.connection()
        conn.execute(
            text("UPDATE interview_questions SET answer_notes = :n WHERE id = :id"),
            [{"n": "", "id": ids[0]}, {"n": "Now quillwort too.", "id": ids[2]}],
        )
        conn.execute(text("DELETE FROM interview_questions WHERE id = :id"), {"id": ids[1]})
        assert _indexed(conn, "answer") - before == {ids[2], ids[3]}
        session.commit()


def test_insert_select_and_executemany_index_every_row(engine: Engine, user) -> None:
    owner = user.id
    table = Contact.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "owner_id": owner,
            "full_name": f"Vetiver Person {n}",
            "notes": "",
            "search_text": f"vetiver person {n}",
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
        for n in range(3)
    ]
    with open_session(engine, write=True) as session:
        conn = session.connection()
        conn.execute(insert(table), rows)  # executemany: one statement per row
        conn.execute(
            text(
                "INSERT INTO contacts (owner_id, full_name, notes, search_text, created_at,"
                " updated_at, version, title, location, how_we_met, stage)"
                " SELECT owner_id, 'Copied ' || full_name, notes, search_text, created_at,"
                " updated_at, version, title, location, how_we_met, stage"
                " FROM contacts WHERE full_name LIKE 'Vetiver Person %'"
            )
        )
        # An INSERT ... SELECT that inserts nothing fires the trigger with no rows.
        conn.execute(
            text(
                "INSERT INTO contacts (owner_id, full_name, search_text, created_at,"
                " updated_at, version) SELECT owner_id, full_name, search_text, created_at,"
                " updated_at, version FROM contacts WHERE false"
            )
        )
        written = set(
            conn.scalars(text("SELECT id FROM contacts WHERE full_name LIKE '%Vetiver Person %'"))
        )
        assert len(written) == 6
        assert written <= _indexed(conn, "contact")
        session.commit()


def _trigger_objects(url: str) -> dict[str, str]:
    """The search index's triggers and functions as PostgreSQL prints them."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            triggers = conn.execute(
                text(
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
                    " WHERE tgname LIKE 'search_index_%'"
                )
            ).all()
            functions = conn.execute(
                text(
                    "SELECT proname, pg_get_functiondef(oid) FROM pg_proc"
                    " WHERE proname LIKE 'search_index_%'"
                )
            ).all()
    finally:
        engine.dispose()
    return {name: definition for name, definition in triggers} | {
        f"{name}()": definition for name, definition in functions
    }


def _reindex(url: str) -> None:
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as session:
            service.rebuild_index(session)
    finally:
        engine.dispose()


def _indexes_a_template(url: str) -> bool:
    """Insert a built-in-like template (no owner, so no user is needed) and say if it is indexed."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            template = conn.execute(
                text(
                    "INSERT INTO message_templates (created_at, updated_at, version, name, kind,"
                    " subject, body) VALUES (:now, :now, 1, 'Zinnia note', 'check_in', '', '')"
                    " RETURNING id"
                ),
                {"now": NOW},
            ).scalar_one()
            return template in _indexed(conn, "template")
    finally:
        engine.dispose()


def test_the_revision_swaps_the_insert_triggers_as_reindex_makes_them_and_back(
    empty_database_url: str,  # noqa: F811
) -> None:
    upgrade(empty_database_url)
    migrated = _trigger_objects(empty_database_url)
    tables = [name.removesuffix("_insert") for name in migrated if name.endswith("_insert")]
    assert len(tables) == len(KIND_CODES)
    for name in tables:
        assert "AFTER INSERT" in migrated[f"{name}_insert"]
        assert "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT" in migrated[f"{name}_insert"]
        assert "AFTER DELETE OR UPDATE OF" in migrated[f"{name}_change"]
        assert "FOR EACH ROW" in migrated[f"{name}_change"]
    assert _indexes_a_template(empty_database_url)
    # `rapport reindex` runs the models' statements: the same objects as the migration's.
    _reindex(empty_database_url)
    assert _trigger_objects(empty_database_url) == migrated

    downgrade(empty_database_url, BEFORE)
    before = _trigger_objects(empty_database_url)
    assert not [name for name in before if "_insert" in name]
    for name in tables:
        assert "AFTER INSERT OR DELETE OR UPDATE OF" in before[f"{name}_change"]
    assert _indexes_a_template(empty_database_url)

    upgrade(empty_database_url)
    assert _trigger_objects(empty_database_url) == migrated
    assert _indexes_a_template(empty_database_url)
