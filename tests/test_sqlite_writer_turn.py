"""SQLite writers hand their turn on only once their COMMIT is done (app.db)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from app.db import make_engine

pytestmark = pytest.mark.sqlite


def test_the_next_writer_finds_the_database_committed(tmp_path: Path) -> None:
    """A second writer waiting for the turn never meets SQLite's lock.

    With a short busy timeout, a writer whose BEGIN IMMEDIATE found the database still locked
    by the previous writer's unfinished COMMIT fails ("database is locked"); a slow step
    after the commit event (a listener that sleeps longer than the timeout) holds that
    window open, so the test fails whenever the turn is handed on before the COMMIT."""
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", busy_seconds=0.3)
    writer = engine.execution_options(sqlite_immediate=True)
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))

    @event.listens_for(engine, "commit")
    def _slow_after_commit_event(conn: Any) -> None:
        time.sleep(1.0)

    errors: list[BaseException] = []
    second_waiting = threading.Event()

    def second() -> None:
        second_waiting.set()
        try:
            with writer.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (2)"))
        except BaseException as exc:
            errors.append(exc)

    with writer.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        thread = threading.Thread(target=second)
        thread.start()
        second_waiting.wait()
    thread.join(timeout=10)
    assert not errors, errors
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2]
    engine.dispose()
