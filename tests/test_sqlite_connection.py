"""SQLite's transactions are begun by the engine's own Connection class, not by engine events
(app.db): an engine with a connection event listener has SQLAlchemy dispatch every event of
every statement, ~14 % of a one-statement read's time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from app.db import begin_read, make_engine, open_session, statement_connection
from tests.statements import recorded

pytestmark = pytest.mark.sqlite


def test_the_engine_and_its_option_engines_dispatch_no_connection_events(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    binds = [
        engine,
        engine.execution_options(sqlite_immediate=True),
        engine.execution_options(sqlite_immediate=True).execution_options(x=1),
    ]
    for bind in binds:
        assert bind._has_events is False, bind  # a connection event listener was added
        with bind.connect() as conn:
            assert type(conn).__name__ == "SQLiteConnection", bind


def test_each_session_kind_begins_as_its_work_needs(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    with recorded(engine) as seen, open_session(engine, write=True) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
    assert seen == ["BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)"]
    with recorded(engine) as seen, open_session(engine) as session:
        session.execute(text("SELECT n FROM t")).all()
    assert seen == ["BEGIN", "SELECT n FROM t"]
    with recorded(engine) as seen:
        with open_session(engine, write=True) as session:
            begin_read(session, snapshot=False)
            session.execute(text("SELECT n FROM t")).all()
        with statement_connection(engine) as conn:
            conn.execute(text("SELECT n FROM t")).all()
    assert seen == ["SELECT n FROM t", "SELECT n FROM t"]


def test_a_begin_refused_by_a_locked_database_hands_the_turn_on(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE that times out raises SQLAlchemy's error (a 503 upstream) and leaves
    neither a transaction nor the writer's turn behind: the next writer gets in."""
    path = tmp_path / "l.db"
    engine = make_engine(f"sqlite:///{path}", busy_seconds=0.2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with (
            pytest.raises(sa_exc.OperationalError, match="locked"),
            open_session(engine, write=True) as session,
        ):
            session.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with open_session(engine, write=True) as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [2]
