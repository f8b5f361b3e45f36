"""SQLite reads a page's rows by one statement text whatever their number: the ids go in as
one JSON array, so SQLAlchemy and sqlite3 reuse one prepared statement."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.search import service

pytestmark = pytest.mark.sqlite  # PostgreSQL binds the ids as one array already


def test_a_page_of_any_size_is_read_by_one_statement_text(engine: Engine, db, user, corpus) -> None:
    for n in range(5):
        corpus.contact(f"Oriel Pagewright {n}", notes="lantern" if n < 2 else "")
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        few = service.search(db, user, "lantern")
        db.rollback()
        many = service.search(db, user, "pagewright")
        db.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert (len(few.items), len(many.items)) == (2, 5)
    reads = {sql for sql in seen if sql.startswith("SELECT t.id")}
    assert len(reads) == 1, reads
    assert "json_each" in reads.pop()
    # The rows still come back whole.
    assert sorted(hit.title for hit in few.items) == ["Oriel Pagewright 0", "Oriel Pagewright 1"]
    assert {hit.snippet_html for hit in few.items} == {"<mark>lantern</mark>"}


def test_interview_dates_still_come_back_in_utc(db, user, corpus) -> None:
    from datetime import UTC, datetime

    contact = corpus.contact("Perpetua Datewise")
    when = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    interview = corpus.interview(contact, scheduled_at=when, summary="quokka survey")
    corpus.answer(interview, "What surprised you?", "The quokka census.")
    found = service.search(db, user, "quokka")
    db.rollback()
    assert {hit.kind for hit in found.items} == {"interview", "answer"}
    for hit in found.items:
        named = hit.title if hit.kind == "interview" else hit.context
        assert named == "Interview with Perpetua Datewise · 4 Mar 2026"
