"""A search run in a write session (begun IMMEDIATE on SQLite) leaves nothing behind: once
it is rolled back another connection can write at once, and what it read of an index holding
its own uncommitted writes is not remembered for the searches after it."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Engine, make_url

from app.auth.models import User
from app.contacts.models import Contact
from app.db import open_session
from app.search import service
from tests.search.conftest import Corpus

pytestmark = pytest.mark.sqlite

# Every read path of the SQLite search: a word (probed and ranked), a prefix standing for one
# word and for several, a 2-3 letter prefix (the prefix index, counted per kind), two words
# and a prefix, a phrase, an exclusion, a word that matches nothing, a prefix whose expansion
# FTS5 does itself (more than MAX_EXPANSION words).
QUERIES = ("dana", "reye", "thom", "th", "dan", "dana thom", '"dana reyes"', "-x dana", "zq9x", "w")


def _write_elsewhere(database_url: str, user: User) -> None:
    """A write from another connection that gives up after 0.2 s waiting for the lock."""
    other = sqlite3.connect(make_url(database_url).database, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE contacts SET notes = 'seen' WHERE owner_id = ?", (user.id,))
        other.execute("COMMIT")
    finally:
        other.close()


@pytest.mark.parametrize("wrote_first", [False, True], ids=["read-only", "after-a-write"])
def test_a_rolled_back_search_leaves_the_database_writable(
    engine: Engine, db, user: User, corpus: Corpus, database_url: str, wrote_first: bool
) -> None:
    db.add_all(
        Contact(
            owner_id=user.id,
            full_name=f"{('Thomas', 'Thompson', 'Thomsen')[n % 3]} {n}",
            notes=f"dana reyes w{n % 40}x",
        )
        for n in range(330)
    )
    db.commit()
    corpus.contact("Dana Reyes", notes="thomist")
    for q in QUERIES:
        for page in ({}, {"offset": 290}, {"kinds": ["contact"], "offset": 20}):
            session = open_session(engine, write=True)
            try:
                if wrote_first:
                    session.add(Contact(owner_id=user.id, full_name="Thomas Workhorse"))
                    session.flush()
                service.search(session, user, q, **page)
                session.rollback()
            finally:
                session.close()
            # Raises "database is locked" after 0.2 s if the search left a lock or a read.
            _write_elsewhere(database_url, user)


def _titles(engine: Engine, user: User, q: str, *, write: bool) -> list[str]:
    with open_session(engine, write=write) as session:
        return sorted(hit.title for hit in service.search(session, user, q).items)


@pytest.mark.parametrize("write", [True, False], ids=["write-session", "read-session"])
def test_words_of_a_rolled_back_write_do_not_stand_for_a_prefix(
    engine: Engine, user: User, corpus: Corpus, write: bool
) -> None:
    corpus.contact("Di Workhorse")
    assert _titles(engine, user, "workh", write=write) == ["Di Workhorse"]
    with open_session(engine, write=True) as session:
        session.add(Contact(owner_id=user.id, full_name="Ed Workhouse"))
        session.flush()
        found = sorted(hit.title for hit in service.search(session, user, "workh").items)
        assert found == ["Di Workhorse", "Ed Workhouse"]
        session.rollback()
    # The next write to commit leaves the index's state as the rolled-back one left it; the
    # words read under that state then were "workhorse" and "workhouse", not "workhound".
    corpus.contact("Ed Workhound")
    assert _titles(engine, user, "workh", write=write) == ["Di Workhorse", "Ed Workhound"]
