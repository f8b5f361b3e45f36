"""SQLite's cheaper reads give what the plain ones give: a prefix's words remembered per
worker while the index is unchanged, and a longer first read that answers a search whose
last word stands for several indexed words without counting each kind."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Engine, make_url

from app.auth.models import User
from app.contacts.models import Contact
from app.db import open_session
from app.search import service
from tests.statements import recorded

URL = "/api/v1/search"
pytestmark = pytest.mark.sqlite


def _names(engine: Engine, user: User, q: str) -> list[str]:
    with open_session(engine) as session:  # a request's read session
        return sorted(hit.title for hit in service.search(session, user, q).items)


def _vocabulary_reads(engine: Engine, user: User, q: str) -> int:
    with recorded(engine) as seen:
        _names(engine, user, q)
    return sum("search_index_vocab" in statement for statement in seen)


def test_a_remembered_prefix_sees_words_written_since(engine, db, user, corpus, database_url):
    corpus.contact("Ada Workman")
    assert _names(engine, user, "workm") == ["Ada Workman"]
    # Unchanged index: the words are not read again.
    assert _vocabulary_reads(engine, user, "workm") == 0
    corpus.contact("Bo Workmate")
    assert _names(engine, user, "workm") == ["Ada Workman", "Bo Workmate"]
    # Another worker's write (its own connection) counts as much.
    other = sqlite3.connect(make_url(database_url).database, timeout=5, isolation_level=None)
    try:
        other.execute(
            "INSERT INTO contacts (owner_id, full_name, title, location, how_we_met, stage,"
            " notes, search_text, created_at, updated_at, version)"
            " VALUES (?, 'Cy Workmanship', '', '', '', 'prospect', '', '', ?, ?, 1)",
            (user.id, "2026-11-01 09:00:00", "2026-11-01 09:00:00"),
        )
    finally:
        other.close()
    assert _names(engine, user, "workm") == ["Ada Workman", "Bo Workmate", "Cy Workmanship"]
    # And a write not yet committed, in the searching transaction itself.
    corpus.contact("Di Workhorse")
    assert _names(engine, user, "workh") == ["Di Workhorse"]
    db.add(Contact(owner_id=user.id, full_name="Ed Workhouse"))
    db.flush()
    assert sorted(hit.title for hit in service.search(db, user, "workh").items) == [
        "Di Workhorse",
        "Ed Workhouse",
    ]
    db.rollback()
    assert _names(engine, user, "workh") == ["Di Workhorse"]


def test_a_rebuilt_index_is_read_afresh(engine, db, user, corpus):
    corpus.contact("Fay Quillfeather")
    assert _names(engine, user, "quill") == ["Fay Quillfeather"]
    service.rebuild_index(db)
    assert _vocabulary_reads(engine, user, "quill") == 1
    assert _names(engine, user, "quill") == ["Fay Quillfeather"]


def _search(api, q: str, **params) -> dict:
    response = api.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"offset": 20},
        {"offset": 290},
        {"offset": 300, "limit": 30},
        {"types": ["interaction", "contact"], "offset": 295},
        {"types": ["organization", "contact", "interaction"]},
        {"types": ["contact"], "offset": 310},
    ],
)
def test_the_first_read_pages_as_the_counted_reads_do(api, db, user, corpus, monkeypatch, params):
    # More contacts than COUNT_CAP, over three words "thom" stands for, and other kinds.
    db.add_all(
        Contact(owner_id=user.id, full_name=f"{('Thomas', 'Thompson', 'Thomsen')[n % 3]} {n}")
        for n in range(330)
    )
    db.commit()
    first = corpus.contact("Thomasina Vale")
    for n in range(6):
        corpus.interaction(first, f"thomist reading group {n}")
    corpus.organization("Thomsen Holdings")
    read_first = _search(api, "thom", **params)
    monkeypatch.setattr(service, "PROBE_LIMIT", 0)  # every kind counted, then its page read
    counted = _search(api, "thom", **params)
    assert read_first == counted
    assert read_first["counts"] == {"contact": 300, "interaction": 6, "organization": 1}


def test_a_remembered_prefix_is_checked_in_the_probe_s_statement(engine, user, corpus):
    corpus.contact("Gil Larkspur")
    assert _names(engine, user, "larks") == ["Gil Larkspur"]
    with recorded(engine) as seen:
        assert _names(engine, user, "larks") == ["Gil Larkspur"]
    searches = [s for s in seen if "search_index" in s]
    # One statement reads the index's state and probes; no separate read of the state.
    assert len(searches) == 1 and "pragma_schema_version" in searches[0]
    corpus.contact("Hal Larksong")
    with recorded(engine) as seen:
        assert _names(engine, user, "larks") == ["Gil Larkspur", "Hal Larksong"]
    # A changed state: the remembered words are dropped and read again.
    assert sum("search_index_vocab" in s for s in seen) == 1
