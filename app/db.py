"""Database engine, session factory and the column types every domain shares."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

# A stable naming convention keeps Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC so string order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        # SQLite hands back the stored text; one fromisoformat with the UTC offset appended
        # replaces the generic parse plus a replace() per value (the contacts list reads
        # hundreds of dates per page).
        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                try:
                    return datetime.fromisoformat(value + "+00:00")
                except ValueError:  # a value written with its own offset
                    return datetime.fromisoformat(value).astimezone(UTC)
            return self.process_result_value(value, dialect)

        return process


def _configure_sqlite(engine: Engine) -> None:
    optimized: list[bool] = []

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-16384")
        if not optimized:
            optimized.append(True)
            _refresh_statistics(cursor)
        cursor.close()

    # This process's writers queue on a lock that wakes the next one the moment it is free.
    # SQLite's busy handler polls with sleeps of up to 100 ms, which under 32 concurrent
    # writers meant seconds of p99; across processes busy_timeout still applies.
    writers = threading.Lock()

    def _release_writer(info: dict[str, Any]) -> None:
        if info.pop(_WRITER_KEY, False):
            writers.release()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front so concurrent writers wait on busy_timeout
        # instead of failing with "database is locked" when upgrading a read lock.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        if immediate and writers.acquire(timeout=_WRITER_WAIT_SECONDS):
            conn.info[_WRITER_KEY] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except Exception:
            _release_writer(conn.info)
            raise

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Any) -> None:
        _release_writer(conn.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        _release_writer(conn.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A connection that comes back without commit or rollback must not keep the turn.
        _release_writer(record.info)


_WRITER_KEY = "rapport_writer"
_WRITER_WAIT_SECONDS = 10.0


def _refresh_statistics(cursor: Any) -> None:
    # Without statistics the planner walks a 100,000-row table through an unselective
    # owner_id index (4x slower than a plain scan). Once per process, like SQLite's advice
    # for long-lived applications; analysis_limit keeps it to milliseconds on a big file.
    try:
        cursor.execute("PRAGMA analysis_limit=400")
        cursor.execute("ANALYZE")
        # FTS5 range-deletes from its %_data table while it merges; a small row count there
        # (an empty database) makes SQLite plan those as full scans and bulk inserts go
        # quadratic (100k contacts: 7 s -> 45 s). Pin a large estimate, as without ANALYZE.
        cursor.execute(
            "UPDATE sqlite_stat1 SET stat = '1000000' WHERE idx IS NULL AND tbl IN "
            "(SELECT name || '_data' FROM sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL%fts5%')"
        )
        cursor.execute("ANALYZE sqlite_schema")  # reload the statistics
    except sqlite3.OperationalError:
        pass  # another process holds the write lock: next start-up will do it


def make_engine(url: str) -> Engine:
    """An engine for SQLite (with pragmas) or PostgreSQL (psycopg 3)."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 10}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            # Each request holds a connection across its thread hops; a pool smaller than
            # the concurrency (anyio's 40 threads) opens and closes overflow connections,
            # re-running the pragmas, on every burst.
            # LIFO hands out the most recently used connection: its page cache is warm, and
            # the rarely used ones cost no memory for pages.
            kwargs.update(pool_size=32, max_overflow=16, pool_use_lifo=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Room for every in-flight request (Settings.max_in_flight) to hold one.
    return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20)


def open_session(engine: Engine, *, write: bool = False) -> Session:
    """A session; write sessions begin IMMEDIATE on SQLite."""
    bind = engine.execution_options(sqlite_immediate=True) if write else engine
    return Session(bind, expire_on_commit=False)


def rollback(session: Session) -> None:
    """Undo a refused write's unfinished transaction (for flows outside a service)."""
    # The form flow re-renders the page from the same session after a refused save: without
    # this, half-applied changes would show (or autoflush) in the page it renders.
    session.rollback()
