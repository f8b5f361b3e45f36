"""SQLite's transactions are begun by the engine's own Connection class, not by engine events
(app.db): an engine with a connection event listener has SQLAlchemy dispatch every event of
every statement, ~14 % of a one-statement read's time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from app.db import (
    begin_read,
    make_engine,
    open_session,
    read_connection,
    statement_connection,
    statement_read,
)
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


def _dbapi(conn) -> object:  # type: ignore[no-untyped-def]
    return conn.connection.dbapi_connection


def test_a_thread_keeps_its_read_connection_and_sees_every_commit(tmp_path: Path) -> None:
    """app.db.statement_read: one connection from one read to the next on a thread (no pool
    checkout, reset and return), outside any transaction, so a row committed in between is
    read at once; the statement still runs through SQLAlchemy, seen by recorders."""
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    seen_connections = []
    for n in range(3):
        with open_session(engine, write=True) as writer:
            writer.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            writer.commit()
        with recorded(engine) as seen, open_session(engine) as session:
            with read_connection(session) as conn:
                assert conn.execute(text("SELECT count(*) FROM t")).scalar() == n + 1
                seen_connections.append(_dbapi(conn))
            assert not session.in_transaction()
        assert seen == ["SELECT count(*) FROM t"]  # no BEGIN: a statement of its own
    assert seen_connections[0] is seen_connections[1] is seen_connections[2]
    assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]  # the kept one only


def test_another_thread_reads_on_a_connection_of_its_own(tmp_path: Path) -> None:
    import threading

    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}")
    found = []

    def read() -> None:
        with statement_read(engine) as conn:
            conn.execute(text("SELECT 1")).one()
            found.append(_dbapi(conn))

    read()
    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    read()
    assert found[0] is found[2] and found[1] is not found[0]


def test_a_failed_read_gives_its_connection_up(tmp_path: Path) -> None:
    """After an error the kept connection goes back to the pool (reset there), and the next
    read checks one out afresh."""
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    with statement_read(engine) as conn:
        first = conn
    with pytest.raises(sa_exc.OperationalError), statement_read(engine) as conn:
        assert conn is first
        conn.execute(text("SELECT * FROM missing")).all()
    assert first.closed and engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with statement_read(engine) as conn:
        assert conn is not first
        assert conn.execute(text("SELECT 2")).scalar() == 2


def test_a_read_inside_a_read_and_a_disposed_pool_take_fresh_connections(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    with statement_read(engine) as outer:
        with statement_read(engine) as inner:
            assert _dbapi(inner) is not _dbapi(outer)
            assert inner.execute(text("SELECT 1")).scalar() == 1
        assert outer.execute(text("SELECT 2")).scalar() == 2
    with statement_read(engine) as conn:
        kept = _dbapi(conn)  # the inner one, handed back first, is the thread's now
        assert kept is _dbapi(inner)
    assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]  # the outer one went back
    engine.dispose()  # e.g. a test's engine torn down: the next read is on the new pool's
    with statement_read(engine) as conn:
        assert _dbapi(conn) is not kept
        assert conn.execute(text("SELECT 3")).scalar() == 3
