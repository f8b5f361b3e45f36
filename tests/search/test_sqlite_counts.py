"""SQLite's broad searches count each kind with a cursor of its own, opened only for the
kinds the caller (or the shared rows) holds any row of: the counts stay those of every
kind, after each write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.models import User
from app.db import open_session
from app.messages.models import MessageTemplate
from app.search import models, service

pytestmark = pytest.mark.sqlite


@contextmanager
def _segment_lookups(session: Session) -> Iterator[list[str]]:
    """The lookups of FTS5's segment index run meanwhile: one per cursor and segment."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    seen: list[str] = []
    raw.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    try:
        yield seen
    finally:
        raw.set_trace_callback(None)  # type: ignore[attr-defined]
        seen[:] = [s for s in seen if "search_index_prefix_idx" in s]


def _counts(engine: Engine, user: User, q: str) -> tuple[dict[str, int], int]:
    """The search's counts and how many segment lookups its cursors made."""
    with open_session(engine) as session:
        with _segment_lookups(session) as lookups:
            found = service.search(session, user, q)
        return found.counts, len(lookups)


def _compact(engine: Engine) -> None:
    # One segment: each cursor then looks it up once, whatever was written before.
    with engine.begin() as conn:
        service.compact_index(conn)


def test_kinds_without_rows_open_no_cursor(engine, db, user, corpus):
    corpus.contact("Zyla Quell")
    _compact(engine)
    counts, before = _counts(engine, user, "zy")  # a short prefix: counted per kind
    assert counts == {"contact": 1}
    # Every kind and owner range: 11 cursors. The caller holds contacts only (and the
    # shared rows, if any): far fewer.
    assert before < len(service.SEARCH_KINDS)
    corpus.follow_up(corpus.contact("Quentin Rowe"), "Thank you")  # no "zy" in it
    _compact(engine)
    counts, after = _counts(engine, user, "zy")
    assert counts == {"contact": 1}
    # The follow-ups' range is read now, and only it was added.
    assert after == before + 1


def test_counts_follow_each_write(engine, db, user, other_user, corpus, corpus_for):
    contact = corpus.contact("Zyla Quell")
    corpus_for(other_user).follow_up(corpus_for(other_user).contact("Zyla"), "Zyla theirs")
    assert _counts(engine, user, "zy")[0] == {"contact": 1}
    first = corpus.follow_up(contact, "Zyla lunch")
    corpus.follow_up(contact, "Zyla again")
    shared = corpus.add(MessageTemplate(owner_id=None, name="Zyla intro", kind="custom"))
    counts = _counts(engine, user, "zy")[0]
    assert counts == {"contact": 1, "follow_up": 2, "template": 1}
    # Uncommitted writes count for the session that made them.
    db.delete(first)
    db.flush()
    assert service.search(db, user, "zy").counts == {
        "contact": 1,
        "follow_up": 1,
        "template": 1,
    }
    db.rollback()
    assert _counts(engine, user, "zy")[0] == counts
    db.delete(db.get(MessageTemplate, shared.id))
    db.commit()
    assert _counts(engine, user, "zy")[0] == {"contact": 1, "follow_up": 2}


def test_each_kind_is_tested_against_its_own_table():
    assert {s.kind: s.table for s in models._sources("sqlite")} == service._KIND_TABLES
    assert set(service._KIND_TABLES) == set(service.SEARCH_KINDS)
