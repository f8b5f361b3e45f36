"""Database engine, session factory and the column types every domain shares."""

from __future__ import annotations

import contextlib
import select
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.base import OptionEngine
from sqlalchemy.pool import Pool, StaticPool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from app.errors import DomainError, InsufficientStorage, Unavailable

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
            fallback = self.process_result_value

            # PostgreSQL sessions run in UTC (make_engine), so psycopg already hands back
            # values in datetime.UTC: one identity check instead of two calls and an
            # astimezone per value (a page reads hundreds).
            def process_aware(value: Any) -> datetime | None:
                if value is None or value.tzinfo is UTC:
                    return value
                return fallback(value, dialect)

            return process_aware

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


# Page cache per SQLite connection: with 2 MB the contacts list's working set at 100k contacts
# did not fit (+13 % req/s at 16 MB). A worker keeps up to RAPPORT_MAX_IN_FLIGHT connections
# warm, though, and each one that scans (a filter, the search) fills its 16 MB: 8 connections
# held 134 MiB of pages at 100k contacts. The soft heap limit caps SQLite's memory for the
# whole process (34 MiB in the same test): past it a connection recycles its own pages instead
# of allocating more. Freed pages stay in malloc's heap, so the cap is also what keeps a
# worker's resident memory from following the database as it grows (bench/FAULTS.md, soak).
# 8 MiB, not 32: after the bench's reads a worker held 128-138 MB at 32 MiB, 118-119 at 8
# (issue 17: < 120), with no cost to the list or the search measurable on a loaded machine.
SQLITE_CACHE_KIB = 16 * 1024
SQLITE_HEAP_LIMIT_BYTES = 8 * 1024 * 1024


def _configure_sqlite(engine: Engine, busy_seconds: float) -> None:
    optimized: list[bool] = []
    busy_ms = int(busy_seconds * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        # Process-wide, so setting it on every connection is idempotent.
        cursor.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_LIMIT_BYTES}")
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

    # BEGIN, COMMIT and ROLLBACK are handled by the engine's own Connection class rather than
    # by engine events: an engine with any connection event listener has SQLAlchemy dispatch
    # every event of every statement through it (before and after execute, before and after
    # the cursor), which cost a one-statement read ~200k of its ~660k instructions (callgrind,
    # open, one SELECT, close), and 8 % of a dashboard request. Pool events ("connect",
    # "checkin") are not dispatched per statement.
    class SQLiteConnection(Connection):
        """A connection that begins as its options say and takes the writer's turn."""

        def begin(self) -> Any:
            # BEGIN is sent once SQLAlchemy counts the transaction as begun, so that sending
            # it does not begin one again; as a statement of SQLAlchemy's, so statement
            # recorders (tests, the bench's floor) see it.
            options = self.get_execution_options()
            if options.get(_SQLITE_AUTOCOMMIT, False):
                # No BEGIN: each statement is a transaction of its own (statement_connection).
                return super().begin()
            # Writers take the lock up front so concurrent writers wait on busy_timeout
            # instead of failing with "database is locked" when upgrading a read lock.
            immediate = options.get("sqlite_immediate", False)
            if immediate and writers.acquire(timeout=busy_seconds):
                self.info[_WRITER_KEY] = True
            try:
                transaction = super().begin()
            except BaseException:
                _release_writer(self.info)
                raise
            try:
                self.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
            except BaseException:
                transaction.rollback()  # SQLAlchemy's transaction too; hands the turn on
                raise
            return transaction

        def _commit_impl(self) -> None:
            # Before SQLAlchemy's COMMIT: handing the turn on after it let the next writer's
            # BEGIN IMMEDIATE meet a database still locked, and SQLite's busy handler slept
            # (1, 2, 5 ... 100 ms) instead of waking on the lock. So a writer commits here
            # and then hands the turn on; SQLAlchemy's own COMMIT finds nothing left to
            # commit. A failed COMMIT is raised wrapped as SQLAlchemy would (so a full disk
            # is a 507, a busy database a 503): SQLite may already have rolled the
            # transaction back, and SQLAlchemy's second COMMIT would then "succeed" on
            # nothing. The rollback that follows the error hands the turn on.
            if self.info.get(_WRITER_KEY):
                try:
                    self.connection.dbapi_connection.commit()  # type: ignore[union-attr]
                except sqlite3.Error as exc:
                    raise sa_exc.DBAPIError.instance(
                        "COMMIT", None, exc, sqlite3.Error, connection_invalidated=False
                    ) from exc
            _release_writer(self.info)
            super()._commit_impl()

        def _rollback_impl(self) -> None:
            # The turn is handed on once the rollback has reached SQLite, so the next writer
            # does not meet the lock still held.
            try:
                super()._rollback_impl()
            finally:
                _release_writer(self.info)

    _connect_as(engine, SQLiteConnection)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A connection that comes back without commit or rollback must not keep the turn.
        _release_writer(record.info)


def _connect_as(engine: Engine, connection_cls: type[Connection]) -> None:
    """Have ``engine``, and every engine made from it with other options
    (``engine.execution_options()``, as the sessions' binds are), connect as
    ``connection_cls``: what its transactions need is done there, not by connection events,
    which SQLAlchemy would then dispatch for every statement."""

    class OwnOptionEngine(OptionEngine):
        _connection_cls = connection_cls

    OwnOptionEngine._option_cls = OwnOptionEngine
    engine._connection_cls = connection_cls  # type: ignore[misc]
    engine._option_cls = OwnOptionEngine  # type: ignore[misc]


_WRITER_KEY = "rapport_writer"
_SQLITE_AUTOCOMMIT = "sqlite_autocommit"


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
    # ANALYZE read pages of every index into this connection's cache (12 MB at 100k contacts)
    # that no request needs; give them back rather than carry them for the process's life.
    cursor.execute("PRAGMA shrink_memory")


def make_engine(
    url: str,
    *,
    busy_seconds: float = 10.0,
    connect_timeout: int = 5,
    pool_timeout: float = 10.0,
) -> Engine:
    """An engine for SQLite (with pragmas) or PostgreSQL (psycopg 3).

    Every wait is bounded so a request fails fast with a 503 instead of hanging: SQLite
    writers wait ``busy_seconds`` for the write lock, a PostgreSQL connection attempt
    ``connect_timeout`` and a request for a pooled connection ``pool_timeout``.
    """
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": busy_seconds}
        }
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            # Each request holds a connection across its thread hops; a pool smaller than
            # the concurrency (anyio's 40 threads) opens and closes overflow connections,
            # re-running the pragmas, on every burst.
            # LIFO hands out the most recently used connection: its page cache is warm, and
            # the rarely used ones cost no memory for pages.
            kwargs.update(
                pool_size=32, max_overflow=16, pool_use_lifo=True, pool_timeout=pool_timeout
            )
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, busy_seconds)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # The session's TimeZone is UTC, whatever the server's default: psycopg then hands back
    # timestamptz values in datetime.UTC itself. In a named zone (initdb takes the system's,
    # "Etc/UTC" on the bench machine) it built each value in a ZoneInfo that UTCDateTime then
    # converted: 0.9 us a value against 0.4, and 9-21 % of the worker's CPU on a contacts
    # list page (A/B). A startup parameter: no statement, no round trip (a pooler must pass
    # it on: README, PostgreSQL). No statement of Rapport's depends on the session's zone
    # (stored instants are UTC, shown in the user's).
    url_options = make_url(url).query.get("options")
    options = " ".join(
        [*([url_options] if isinstance(url_options, str) else url_options or []), "-c TimeZone=UTC"]
    )
    # Room for every in-flight request (Settings.max_in_flight) to hold one. LIFO, as on
    # SQLite: the few connections in steady use reach psycopg's prepare threshold (5 runs of a
    # statement) sooner and keep their server-side plans and caches warm (-20 to -30 % of the
    # server's CPU per request in the A/B of bench/RESULTS.md).
    engine = create_engine(
        url,
        pool_size=20,
        max_overflow=20,
        pool_use_lifo=True,
        pool_timeout=pool_timeout,
        connect_args={
            "connect_timeout": connect_timeout,
            # Sent data still unacknowledged after this long means the server or the path to
            # it is gone (not a slow query, whose packets the server's kernel acknowledges).
            "tcp_user_timeout": connect_timeout * 1000,
            "cursor_factory": lazy_description_cursor(),
            "options": options,
        },
    )
    _configure_postgresql(engine)
    return engine


@lru_cache(maxsize=1)
def lazy_description_cursor() -> type[Any]:
    """psycopg's cursor, but ``description`` builds its columns only when they are read.

    SQLAlchemy reads ``cursor.description`` after every statement, and psycopg builds a
    Column object per result column each time it is read (about 2 us each: 30 to 50 us for
    a request's interview row, agenda or credential lookup). For a statement it has already
    compiled, SQLAlchemy reuses the result's metadata and only asks whether there is a
    description. The columns are built from the result the description was taken of, so a
    description kept past the cursor's next statement still describes its own.
    """
    import psycopg  # PostgreSQL only: a SQLite worker never loads it (10 MB)
    from psycopg.pq import ExecStatus

    with_rows = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)

    class Described:
        # What psycopg's Column reads of a cursor (psycopg 3.2 and 3.3; not public API, so
        # tests/test_db_pg_cursor.py compares the result with psycopg's own description).
        __slots__ = ("_encoding", "adapters", "pgresult")

        def __init__(self, pgresult: Any, encoding: str, adapters: Any) -> None:
            self.pgresult, self._encoding, self.adapters = pgresult, encoding, adapters

    class Description(Sequence[Any]):
        __slots__ = ("_columns", "_described")

        def __init__(self, described: Described) -> None:
            self._described = described
            self._columns: list[Any] | None = None

        def _built(self) -> list[Any]:
            if self._columns is None:
                described = self._described
                count = described.pgresult.nfields
                self._columns = [psycopg.Column(described, i) for i in range(count)]  # type: ignore[arg-type]
            return self._columns

        def __len__(self) -> int:
            return int(self._described.pgresult.nfields)

        def __getitem__(self, index: Any) -> Any:
            return self._built()[index]

        def __repr__(self) -> str:
            return repr(self._built())

    class Cursor(psycopg.Cursor[Any]):
        @property
        def description(self) -> Sequence[Any] | None:  # type: ignore[override]
            result = self.pgresult
            if result is None or not (result.nfields or result.status in with_rows):
                return None  # as psycopg: no result, or one that is not rows
            return Description(Described(result, self._encoding, self.adapters))

    return Cursor


def _configure_postgresql(engine: Engine) -> None:
    import psycopg  # PostgreSQL only: a SQLite worker never loads it (10 MB)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Instead of pool_pre_ping's round trip on every checkout: an idle connection's
        # socket has nothing to read unless the server closed it (a restart, an idle timeout,
        # pg_terminate_backend: a FATAL notice and EOF). The pool then replaces it. A path
        # cut silently is found by the first query (tcp_user_timeout), which invalidates the
        # pool so the next request connects afresh.
        if not connection_alive(dbapi_connection):
            raise sa_exc.DisconnectionError("the server closed this idle connection")

    def leave_autocommit(connection: Connection, context: Any) -> None:
        # The first statement that is not a plain read turns the rest of the session's work
        # into one transaction again, so a write on a read request is still atomic and rolled
        # back on error (commit and rollback then reach the server; in autocommit they are
        # free). A server-side cursor (yield_per, stream_results) lives in a transaction too.
        cursor = context.cursor
        if isinstance(cursor, psycopg.ServerCursor) or not is_plain_read(context.statement):
            connection.info.pop(AUTOCOMMIT_READS)
            cursor.connection.autocommit = False

    # As on SQLite (SQLiteConnection): the engine's own Connection class, not connection
    # events, which SQLAlchemy would dispatch for every statement.
    class PostgreSQLConnection(Connection):
        """A connection whose read sessions run in autocommit until their first write."""

        def begin(self) -> Any:
            transaction = super().begin()
            if self.get_execution_options().get(AUTOCOMMIT_READS, False):
                self.connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
                self.info[AUTOCOMMIT_READS] = True
            return transaction

        def _exec_single_context(
            self, dialect: Any, context: Any, statement: Any, parameters: Any
        ) -> Any:
            if self.info.get(AUTOCOMMIT_READS):
                leave_autocommit(self, context)
            return super()._exec_single_context(dialect, context, statement, parameters)

        def _exec_insertmany_context(self, dialect: Any, context: Any) -> Any:
            if self.info.get(AUTOCOMMIT_READS):
                leave_autocommit(self, context)
            return super()._exec_insertmany_context(dialect, context)

    _connect_as(engine, PostgreSQLConnection)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # Back to psycopg's default for whoever checks the connection out next (the info
        # dict belongs to the pooled connection, not to one checkout).
        record.info.pop(AUTOCOMMIT_READS, None)
        if dbapi_connection is not None and dbapi_connection.autocommit:
            with contextlib.suppress(psycopg.Error):
                dbapi_connection.autocommit = False


# A read session on PostgreSQL runs its statements in autocommit: under PostgreSQL's READ
# COMMITTED every statement sees a fresh snapshot whether or not it is in a transaction, so a
# read-only request sees the same rows without BEGIN and ROLLBACK, two round trips out of a
# request's three or four, and its session closes without a round trip (on the event loop).
AUTOCOMMIT_READS = "autocommit_reads"
_NOT_PLAIN = (
    " FOR UPDATE",
    " FOR NO KEY UPDATE",
    " FOR SHARE",
    " FOR KEY SHARE",
    "PG_ADVISORY",
    "NEXTVAL(",
    "SETVAL(",
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    "SET_CONFIG(",
)


@lru_cache(maxsize=2048)
def is_plain_read(statement: str) -> bool:
    """Whether a statement only reads (anything unsure counts as a write)."""
    upper = statement.lstrip("( \n\t").upper()
    return upper.startswith(("SELECT", "WITH")) and not any(w in upper for w in _NOT_PLAIN)


def connection_alive(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection is still open at both ends (no round trip)."""
    import psycopg  # PostgreSQL only: a SQLite worker never loads it (10 MB)

    pgconn = dbapi_connection.pgconn
    if dbapi_connection.closed or pgconn.status != psycopg.pq.ConnStatus.OK:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    return not poller.poll(0)


# SQLite result codes (the low byte of the extended code) that mean "not now" or "no room".
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_FULL = 5, 6, 10, 13


def database_fault(exc: BaseException) -> DomainError | None:
    """What a database failure means for the client, or None when it is a bug (a 500).

    The database being busy, full or out of reach is no fault of the request: the
    transaction was rolled back, so the client is told to retry (503 or 507 with
    Retry-After) instead of seeing a 500.
    """
    if isinstance(exc, sa_exc.TimeoutError):  # every pooled connection stayed in use
        return Unavailable(detail="The server is busy; please try again shortly.", retry_after=2)
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", 0) & 0xFF
        if code == _SQLITE_FULL or "disk is full" in str(orig):
            return InsufficientStorage(
                detail="The server has run out of disk space, so nothing was saved. "
                "Reading still works; please try again later."
            )
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in str(orig):
            return Unavailable(
                detail="The database is busy with other changes; nothing was saved. "
                "Please try again in a moment.",
                retry_after=1,
            )
        if code == _SQLITE_IOERR:
            return Unavailable(detail="The database could not be read or written; try again.")
        return None
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate == "53100":  # disk_full
        return InsufficientStorage(
            detail="The database server has run out of disk space, so nothing was saved. "
            "Please try again later."
        )
    # Connection failures (08), resource limits (53), shutdowns (57P), serialization
    # failures and deadlocks (40): the transaction was rolled back and a retry can succeed.
    transient = sqlstate.startswith(("08", "53", "57P", "40"))
    if (
        exc.connection_invalidated
        or transient
        or (not sqlstate and isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError))
    ):
        return Unavailable(
            detail="The database is unavailable right now; nothing was changed. "
            "Please try again shortly."
        )
    return None


def open_session(engine: Engine, *, write: bool = False) -> Session:
    """A session; write sessions begin IMMEDIATE on SQLite, read sessions on PostgreSQL run
    in autocommit until their first write (``AUTOCOMMIT_READS``)."""
    return Session(_session_bind(engine, write), expire_on_commit=False)


@lru_cache(maxsize=16)
def _session_bind(engine: Engine, write: bool) -> Engine:
    # Built once per engine: an option engine copies the engine's event dispatch.
    if write:
        return engine.execution_options(sqlite_immediate=True)
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{AUTOCOMMIT_READS: True})
    return engine


def statement_connection(bind: Engine) -> Connection:
    """A pooled connection whose statements each run on their own, outside any transaction:
    no BEGIN, COMMIT or ROLLBACK reaches the database (SQLite runs a statement sent without
    BEGIN as its own transaction; PostgreSQL in autocommit). Only for plain reads.

    A write request's identity lookup reads this way before its handler begins the write
    (app.web.deps): one indexed SELECT, where beginning and committing a session transaction
    around it cost more Python than the statement. It is still an execute through SQLAlchemy,
    seen by events and the statement counters like any other."""
    return _statement_bind(bind).connect()


@lru_cache(maxsize=16)
def _statement_bind(bind: Engine) -> Engine:
    # Built once per bind, as _session_bind. PostgreSQL's AUTOCOMMIT_READS still turns a
    # statement that is not a plain read into a transaction.
    return bind.execution_options(
        sqlite_immediate=False, **{_SQLITE_AUTOCOMMIT: True, AUTOCOMMIT_READS: True}
    )


class _KeptReads(threading.local):
    """This thread's read connections between reads (``statement_read``), by the statement
    bind they came from (its listeners see their statements), while no read is using them."""

    def __init__(self) -> None:
        # The pool each came from: an option engine's pool follows its engine's after
        # Engine.dispose, the connection's does not.
        self.connections: dict[Engine, tuple[Pool, Connection]] = {}


_KEPT_READS = _KeptReads()
# A worker's reads come through two binds (the read and the write sessions'); more only in
# tests, which make engine after engine: past this many, the others are handed back.
_KEPT_PER_THREAD = 4


def _still_usable(connection: Connection, *, alive: bool = True) -> bool:
    """Whether a kept connection can take the next read as a fresh checkout would (with
    ``alive=False``, all but the server's liveness, which the next read checks)."""
    if connection.invalidated:
        return False
    if connection.dialect.name == "sqlite":
        return True
    # What the pool's checkout checks (_configure_postgresql), and that no statement took
    # the connection out of autocommit: a transaction kept open would hold its snapshot.
    dbapi_connection = connection.connection.dbapi_connection
    return bool(
        connection.info.get(AUTOCOMMIT_READS)
        and dbapi_connection is not None
        and dbapi_connection.autocommit
        and (not alive or connection_alive(dbapi_connection))
    )


@contextlib.contextmanager
def statement_read(bind: Engine) -> Iterator[Connection]:
    """A statement connection (``statement_connection``) for plain reads, which each thread
    keeps from one read to the next (the event loop's for SQLite's inline reads, a database
    thread's for the rest): a read pays no pool checkout, reset and return (SQLite's contacts
    page -7.3 % instructions a request, callgrind). That is safe because the connection is
    never inside a transaction (each statement sees what was committed before it, as on a
    fresh one: SQLite's autocommit, PostgreSQL's AUTOCOMMIT_READS, checked after every read
    with the server's liveness, as a checkout checks it), belongs to one thread, is given
    up after any error and is replaced when its engine's pool is (``Engine.dispose``). A
    read inside another takes one of its own."""
    source = _statement_bind(bind)
    kept = _KEPT_READS.connections
    pool, connection = kept.pop(source, (None, None))  # in use until it is handed back
    if connection is None or pool is not bind.pool or not _still_usable(connection):
        if connection is not None:
            connection.close()
        pool, connection = bind.pool, source.connect()
    try:
        yield connection
    except BaseException:
        connection.close()  # whatever the failure, the next read starts on a fresh one
        raise
    # Handed back unless a read inside this one kept its own meanwhile, or this read left
    # the connection in a transaction.
    if source in kept or not _still_usable(connection, alive=False):
        connection.close()
        return
    while len(kept) >= _KEPT_PER_THREAD:
        kept.pop(next(iter(kept)))[1].close()
    kept[source] = (pool, connection)


@contextlib.contextmanager
def read_connection(session: Session) -> Iterator[Connection]:
    """Where a request's read of one statement, or of statements that need no common
    snapshot, runs: outside a transaction (every GET), a statement connection of its own
    (``statement_read``); inside one (a write's read-back), the session's. Beginning and
    closing a session transaction around one statement cost more Python than its execute,
    on PostgreSQL too, where AUTOCOMMIT_READS already sends no BEGIN (+14-20 % served for
    the agenda and the unfiltered lists, A/B). A read that follows takes the session's
    connection, after this one is back."""
    if session.in_transaction():
        yield session.connection()
        return
    with statement_read(session.get_bind()) as connection:
        yield connection


def begin_read(session: Session, *, snapshot: bool = True) -> None:
    """Begin the session's next transaction as a plain read, even in a write session.

    Under WAL a read never waits for writers, while a write session's IMMEDIATE begin queues
    for the write lock: a read made after the write has committed (the identity lookup
    before it, the read-back for the answer after it) must not be the step that times out
    and answers 503 for a write that was already saved.

    ``snapshot=False``, for a read whose statements need no common snapshot (each is right
    on its own, or the service orders them so that a write in between cannot mislead it):
    on SQLite each statement then runs as its own transaction, with no BEGIN and ROLLBACK
    around them (PostgreSQL's reads already run so, AUTOCOMMIT_READS). Those two cost a
    page about 5 % of its CPU."""
    if not session.in_transaction():
        options: dict[str, Any] = {"sqlite_immediate": False, AUTOCOMMIT_READS: True}
        if not snapshot:
            options[_SQLITE_AUTOCOMMIT] = True
        session.connection(execution_options=options)


def closes_without_io(session: Session) -> bool:
    """Whether closing the session sends nothing to the server, so it may run on the event
    loop: SQLite (in-process), or no PostgreSQL transaction left open at the server (a
    committed write, a read in autocommit)."""
    if not session.in_transaction() or session.get_bind().dialect.name == "sqlite":
        return True
    connection: Connection | None = session.info.get(_CONNECTION_KEY)
    if connection is None or connection.closed:
        return True  # this transaction has not connected (the last one's connection is back)
    if connection.invalidated:
        return False
    import psycopg  # PostgreSQL only: a SQLite worker never loads it (10 MB)

    dbapi_connection = connection.connection.dbapi_connection
    return (
        dbapi_connection is not None
        and dbapi_connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    )


_CONNECTION_KEY = "rapport_connection"


@event.listens_for(Session, "after_begin")
def _remember_connection(session: Session, _transaction: Any, connection: Connection) -> None:
    # Public API's way to know the session's current connection without checking one out.
    session.info[_CONNECTION_KEY] = connection


def rollback(session: Session) -> None:
    """Undo a refused write's unfinished transaction (for flows outside a service)."""
    # The form flow re-renders the page from the same session after a refused save: without
    # this, half-applied changes would show (or autoflush) in the page it renders.
    session.rollback()


def _per_row_defaults(table: Any) -> frozenset[str]:
    """Columns whose Python-side default is a callable (a new value for every row)."""
    return frozenset(
        column.name
        for column in table.c
        if getattr(getattr(column, "default", None), "is_callable", False)
    )


def _json_text(value: Any) -> str:
    """A JSON column's value as SQLAlchemy's JSON type writes it (json.dumps' defaults)."""
    import json

    return json.dumps(value)


def _json_columns(table: Any, names: tuple[str, ...]) -> frozenset[str]:
    """The named columns holding JSON: their values travel as JSON text (a list value would
    otherwise read as one more array dimension)."""
    from sqlalchemy.types import JSON

    return frozenset(name for name in names if isinstance(table.c[name].type, JSON))


@lru_cache(maxsize=64)
def _unnest_insert(table: Any, names: tuple[str, ...]) -> Any:
    """``INSERT ... SELECT`` from ``unnest`` of one array per column (PostgreSQL)."""
    from sqlalchemy import Text, bindparam, cast, func
    from sqlalchemy import select as select_
    from sqlalchemy.dialects.postgresql import ARRAY

    json = _json_columns(table, names)
    # An ARRAY-typed bind is sent with its cast (``%(name)s::VARCHAR(200)[]``), so a column
    # that is NULL in every row still has its type.
    arrays = [
        bindparam(name, type_=ARRAY(Text() if name in json else table.c[name].type))
        for name in names
    ]
    rows = func.unnest(*arrays).table_valued(*names).render_derived()
    values = [
        cast(rows.c[name], table.c[name].type) if name in json else rows.c[name] for name in names
    ]
    return table.insert().from_select(list(names), select_(*values))


def insert_rows(
    connection: Connection, table: Any, rows: Sequence[dict[str, Any]], *returning: Any
) -> Any:
    """Insert ``rows`` (dicts with the same keys) in the fewest statements this database
    takes, answering ``returning``'s columns when asked (the rows' order is not kept).

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(...)`` over one array per column: an
    executemany fires a statement-level trigger (the search index's) once per row, and
    multi-row VALUES makes psycopg parse thousands of placeholders per batch. 2,000 contacts:
    438 -> 305 ms with the search index. Unless a column left out has a per-row Python
    default, which a SELECT would compute once for all rows: then an executemany. On SQLite
    an executemany, or multi-row VALUES batches when ``returning`` asks for columns.
    """
    from sqlalchemy import insert

    names = tuple(rows[0])
    if connection.dialect.name == "postgresql" and _per_row_defaults(table) <= set(names):
        json = _json_columns(table, names)
        arrays = {
            name: [
                None if row[name] is None else _json_text(row[name]) if name in json else row[name]
                for row in rows
            ]
            for name in names
        }
        statement = _unnest_insert(table, names)
        return connection.execute(
            statement.returning(*returning) if returning else statement, arrays
        )
    if connection.dialect.name == "sqlite" and not returning and _json_exact(table, names):
        # One INSERT ... SELECT over the rows as one JSON array, not an executemany: SQLite
        # opens a statement savepoint for each row an executemany inserts once a trigger on
        # the table writes elsewhere (contact_tags keeps each contact's tag_names: 40,000
        # links 0.67 -> 0.25 s).
        return connection.execute(_json_insert(table, names), {"rows": _json_rows(rows, names)})
    statement = insert(table)
    return connection.execute(statement.returning(*returning) if returning else statement, rows)


def _json_exact(table: Any, names: tuple[str, ...]) -> bool:
    """Whether rows of ``names`` read back from JSON exactly as a Core insert writes them:
    integers and text only, and no Python-side default of a column left out."""
    from sqlalchemy import Integer, String

    return all(
        isinstance(table.c[name].type, Integer | String)
        and not isinstance(table.c[name].type, TypeDecorator)
        for name in names
    ) and not any(column.default is not None for column in table.c if column.name not in names)


@lru_cache(maxsize=64)
def _json_insert(table: Any, names: tuple[str, ...]) -> Any:
    """INSERT INTO table (names) SELECT each value of each row of the bound JSON array."""
    from sqlalchemy import text

    values = ", ".join(f"value ->> {i}" for i in range(len(names)))
    return text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {values} FROM json_each(:rows)"
    )


def _json_rows(rows: Sequence[dict[str, Any]], names: tuple[str, ...]) -> str:
    import orjson

    return orjson.dumps([[row[name] for name in names] for row in rows]).decode()
