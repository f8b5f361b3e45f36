"""SQLite's prefix table takes a record's title and body parts in columns of their own, and the
positional table's body is joined by one printf: the same words as the ``||`` text, kept
right on insert, update and delete, and through the revision that made them and back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from app.auth import service as auth_service
from app.auth.schemas import UserCreate
from app.db import make_engine, open_session
from app.migrations import downgrade, upgrade
from app.registry import import_all_models
from app.search import service
from app.search.models import SQLITE_PREFIX_COLUMNS, _body, _sources, _sqlite_body, _where
from tests.search.conftest import Corpus
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)

pytestmark = pytest.mark.sqlite

BEFORE_PREFIX_COLUMNS = "a7c9e1b3d5f2"


def _ids(db, user, q: str) -> list[tuple[str, int]]:
    """The contacts found (the built-in questions, shared by every user, hold common words)."""
    found = service.search(db, user, q, kinds=["contact"], limit=50).items
    db.rollback()
    return sorted((hit.kind, hit.id) for hit in found)


def _every_part(corpus: Any, notes: str) -> Any:
    """A contact with every indexed part written, each with words of its own."""
    return corpus.contact(
        "Quenby Tallis",
        title="Zoologist",
        location="Yverdon",
        email="quin@wexample.org",
        how_we_met="Kayaking",
        notes=notes,
    )


def test_every_source_fits_the_prefix_columns() -> None:
    for source in _sources("sqlite"):
        assert 1 + len(source.body) <= len(SQLITE_PREFIX_COLUMNS), source.table


def test_the_printf_body_is_the_joined_text(db, corpus) -> None:
    # A row of every kind with every part written, and a contact without an email (NULL).
    contact = _every_part(corpus, notes="Vellum 100%")
    corpus.contact("Orrin Nomail", title="Tanner", notes="no email here")
    corpus.organization(
        "Wexford Works",
        industry="Bells",
        location="Ghent",
        website="https://w.example",
        research_notes="bronze",
    )
    corpus.career(
        "Registrar",
        industry="Museums",
        research_notes="loans",
        resources=[{"title": "Guide", "note": "read", "url": "https://g.example"}, {"title": "x"}],
    )
    interview = corpus.interview(contact, summary="sum", takeaways="take", location="Basel")
    corpus.answer(interview, "What matters?", "Provenance")
    corpus.question("Why?", why_ask="because", tags=["one", "two"])
    corpus.interaction(contact, "called")
    corpus.follow_up(contact, "Thanks", message="msg", notes="nts")
    corpus.template("Hello", subject="subj", body="text")
    for source in _sources("sqlite"):
        rows = db.execute(
            text(
                f"SELECT {_sqlite_body(source, 't')} IS {_body(source, 't')},"
                f" {_sqlite_body(source, 't')} FROM {source.table} AS t{_where(source, 't')}"
            )
        ).all()
        db.rollback()
        assert rows, source.table
        assert all(same == 1 for same, _ in rows), (source.table, rows)


def test_every_part_is_found_by_its_prefix_after_insert_update_and_delete(db, user, corpus) -> None:
    contact = _every_part(corpus, notes="Vellum")
    mine = [("contact", contact.id)]
    # Two and three letters read the prefix table; four the positional one.
    for q in ("que", "tal", "zo", "yve", "wex", "ka", "vel", "yverd", "vellum"):
        assert _ids(db, user, q) == mine, q
    contact.location, contact.notes = "Zermatt", ""
    corpus.add(contact)
    assert _ids(db, user, "yve") == []
    assert _ids(db, user, "vel") == []
    assert _ids(db, user, "zer") == mine
    assert _ids(db, user, "zoologist zer") == mine
    db.delete(contact)
    db.commit()
    for q in ("que", "zo", "zer", "ka", "quenby"):
        assert _ids(db, user, q) == [], q


def _columns(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT name FROM pragma_table_info('search_index_prefix')")
            return list(conn.execute(query).scalars())
    finally:
        engine.dispose()


def test_the_revision_rebuilds_the_index_with_prefix_columns_and_back(
    empty_database_url: str,  # noqa: F811
) -> None:
    import_all_models()
    upgrade(empty_database_url, BEFORE_PREFIX_COLUMNS)
    assert _columns(empty_database_url) == ["words"]
    engine = make_engine(empty_database_url)
    try:
        with open_session(engine, write=True) as session:
            user = auth_service.create_user(
                session, UserCreate(username="columns", password="a long enough passphrase")
            )
            corpus = Corpus(session, user)
            contact = corpus.contact("Wilhelmina Parts", location="Yverdon", notes="marmalade")
            contact_id = contact.id
        upgrade(empty_database_url)
        assert _columns(empty_database_url) == list(SQLITE_PREFIX_COLUMNS)
        mine = [("contact", contact_id)]
        with open_session(engine) as session:
            for q in ("wi", "yve", "mar", "marmalade", '"wilhelmina parts"'):
                assert _ids(session, user, q) == mine, q
        with open_session(engine, write=True) as session:
            # Indexed before the revision, taken out after it: the rebuilt entries match.
            session.execute(
                text("UPDATE contacts SET location = 'Zermatt' WHERE id = :id"), {"id": contact_id}
            )
            session.commit()
            assert _ids(session, user, "yve") == []
            assert _ids(session, user, "zer") == mine
        downgrade(empty_database_url, BEFORE_PREFIX_COLUMNS)
        assert _columns(empty_database_url) == ["words"]
        with open_session(engine, write=True) as session:
            assert _ids(session, user, "zer") == mine
            session.execute(text("DELETE FROM contacts WHERE id = :id"), {"id": contact_id})
            session.commit()
            assert _ids(session, user, "zer") == []
            assert _ids(session, user, "marmalade") == []
    finally:
        engine.dispose()
