"""SQLite's broad searches count each kind with a cursor of its own, opened only for the
kinds the caller (or the shared rows) holds any row of: the counts stay those of every
kind, after each write."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.messages.models import MessageTemplate
from app.search import models, service
from tests.search.segments import counted

pytestmark = pytest.mark.sqlite


def _compact(engine: Engine) -> None:
    # One segment: each cursor then looks it up once, whatever was written before.
    with engine.begin() as conn:
        service.compact_index(conn)


def test_kinds_without_rows_open_no_cursor(engine, db, user, corpus):
    corpus.contact("Zyla Quell")
    _compact(engine)
    counts, before = counted(
        engine, user, "zy", "search_index_prefix"
    )  # a short prefix: counted per kind
    assert counts == {"contact": 1}
    # Every kind and owner range: 11 cursors. The caller holds contacts only (and the
    # shared rows, if any): far fewer.
    assert before < len(service.SEARCH_KINDS)
    corpus.follow_up(corpus.contact("Quentin Rowe"), "Thank you")  # no "zy" in it
    _compact(engine)
    counts, after = counted(engine, user, "zy", "search_index_prefix")
    assert counts == {"contact": 1}
    # The follow-ups' range is read now, and only it was added.
    assert after == before + 1


def test_counts_follow_each_write(engine, db, user, other_user, corpus, corpus_for):
    contact = corpus.contact("Zyla Quell")
    corpus_for(other_user).follow_up(corpus_for(other_user).contact("Zyla"), "Zyla theirs")
    assert counted(engine, user, "zy", "search_index_prefix")[0] == {"contact": 1}
    first = corpus.follow_up(contact, "Zyla lunch")
    corpus.follow_up(contact, "Zyla again")
    shared = corpus.add(MessageTemplate(owner_id=None, name="Zyla intro", kind="custom"))
    counts = counted(engine, user, "zy", "search_index_prefix")[0]
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
    assert counted(engine, user, "zy", "search_index_prefix")[0] == counts
    db.delete(db.get(MessageTemplate, shared.id))
    db.commit()
    assert counted(engine, user, "zy", "search_index_prefix")[0] == {"contact": 1, "follow_up": 2}


def test_each_kind_is_tested_against_its_own_table():
    assert {s.kind: s.table for s in models._sources("sqlite")} == service._KIND_TABLES
    assert set(service._KIND_TABLES) == set(service.SEARCH_KINDS)
