"""What a PostgreSQL request pays for its connection: reads in autocommit (no BEGIN, no
ROLLBACK, a close without a thread-pool turn), writes still atomic, and no ping per checkout
yet a connection the server dropped is replaced before a request uses it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text
from sqlalchemy.engine import Connection

from app.auth.models import User
from app.config import Settings
from app.contacts.models import Tag
from app.db import is_plain_read, make_engine, open_session, statement_read
from app.main import create_app
from tests.conftest import ApiClient, WebClient
from tests.perf_path.turns import count_thread_turns

pytestmark = pytest.mark.postgres
IDLE = psycopg.pq.TransactionStatus.IDLE


@contextmanager
def server_states(engine: Engine) -> Iterator[list[tuple[str, str]]]:
    """Each statement with the connection's transaction state at the server after it."""
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        status = cursor.connection.info.transaction_status
        seen.append((" ".join(statement.split()), status.name))

    event.listen(engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", record)


@pytest.fixture
def thread_turns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_thread_turns(monkeypatch)


def test_a_read_request_opens_no_transaction_and_closes_on_the_event_loop(
    api: ApiClient, engine: Engine, thread_turns: list[str]
) -> None:
    assert api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"}).status_code == 201
    thread_turns.clear()
    with server_states(engine) as seen:
        listed = api.get("/api/v1/contacts")
    assert listed.status_code == 200 and listed.json()["total"] == 1
    assert any("FROM api_tokens JOIN users" in s for s, _ in seen), seen
    # Every statement ran outside a transaction: no BEGIN before, no ROLLBACK after.
    assert seen and all(state == "IDLE" for _, state in seen), seen
    # The lookup's turn and the handler's; the close needs no round trip, so no turn.
    assert len(thread_turns) == 2, thread_turns


def test_a_read_with_a_token_this_worker_just_looked_up_takes_one_turn(
    api: ApiClient, engine: Engine, thread_turns: list[str]
) -> None:
    # The remembered row (RecentRows) answers on the event loop: no statement and no turn of
    # its own for the lookup, only the handler's. A write still looks the token up afresh.
    assert api.get("/api/v1/contacts").status_code == 200  # first use: its last-use write
    assert api.get("/api/v1/contacts").status_code == 200  # looked up, and remembered
    thread_turns.clear()
    with server_states(engine) as seen:
        listed = api.get("/api/v1/contacts")
    assert listed.status_code == 200 and listed.json()["total"] == 0
    assert not any("FROM api_tokens JOIN users" in s for s, _ in seen), seen
    assert thread_turns == ["contact_encoded_page"], thread_turns
    thread_turns.clear()
    with server_states(engine) as seen:
        created = api.post("/api/v1/contacts", json={"full_name": "Grace Hopper"})
    assert created.status_code == 201, created.text
    assert any("FROM api_tokens JOIN users" in s for s, _ in seen), seen
    assert len(thread_turns) == 2, thread_turns


def test_a_page_read_with_a_session_this_worker_just_looked_up_takes_one_turn(
    web: WebClient, engine: Engine, thread_turns: list[str]
) -> None:
    # Browser sessions likewise: the contacts page's own work is its only turn.
    assert web.get("/contacts").status_code == 200
    assert web.get("/contacts").status_code == 200  # looked up, and remembered
    thread_turns.clear()
    with server_states(engine) as seen:
        page = web.get("/contacts")
    assert page.status_code == 200
    assert not any("FROM user_sessions JOIN users" in s for s, _ in seen), seen
    assert thread_turns == ["_list_page"], thread_turns


def test_a_write_request_is_one_transaction_after_a_lookup_in_autocommit(
    api: ApiClient, engine: Engine, thread_turns: list[str]
) -> None:
    assert api.post("/api/v1/contacts", json={"full_name": "Warm Up"}).status_code == 201
    thread_turns.clear()
    with server_states(engine) as seen:
        created = api.post("/api/v1/contacts", json={"full_name": "Grace Hopper"})
    assert created.status_code == 201, created.text
    lookup = next(i for i, (s, _) in enumerate(seen) if "FROM api_tokens JOIN users" in s)
    assert seen[lookup][1] == "IDLE", seen  # the identity read: no BEGIN, no COMMIT
    insert = next(i for i, (s, _) in enumerate(seen) if s.startswith("INSERT INTO contacts"))
    assert seen[insert][1] == "INTRANS", seen
    # The handler committed, so nothing is left to roll back: the close runs inline.
    assert len(thread_turns) == 2, thread_turns


def test_a_read_session_that_writes_is_atomic_again(engine: Engine, user: User) -> None:
    # Rolled back: neither of the two inserts after the read stays.
    session = open_session(engine)
    try:
        with server_states(engine) as seen:
            session.execute(select(User.id)).all()
            session.add(Tag(owner_id=user.id, name="first"))
            session.flush()
            session.add(Tag(owner_id=user.id, name="second"))
            session.flush()
        assert [state for _, state in seen] == ["IDLE", "INTRANS", "INTRANS"], seen
        session.rollback()
    finally:
        session.close()
    with open_session(engine) as check:
        assert check.scalars(select(Tag.name).where(Tag.owner_id == user.id)).all() == []

    # Committed: both stay, and the connection goes back to the pool in its default mode.
    with open_session(engine) as session:
        session.execute(select(User.id)).all()
        session.add_all([Tag(owner_id=user.id, name="a"), Tag(owner_id=user.id, name="b")])
        session.commit()
    with open_session(engine, write=True) as check:
        names = check.scalars(select(Tag.name).where(Tag.owner_id == user.id)).all()
        assert sorted(names) == ["a", "b"]
        raw = check.connection().connection.dbapi_connection
        assert raw is not None and raw.autocommit is False


def test_an_advisory_lock_or_row_lock_on_a_read_session_holds_a_transaction(
    engine: Engine,
) -> None:
    with open_session(engine) as session, server_states(engine) as seen:
        session.execute(text("SELECT pg_advisory_xact_lock(42)"))
        session.execute(select(User.id).with_for_update()).all()
        session.rollback()
    assert [state for _, state in seen] == ["INTRANS", "INTRANS"], seen


def test_a_streamed_read_holds_its_server_side_cursor_in_a_transaction(
    engine: Engine, user: User
) -> None:
    # DECLARE CURSOR exists only inside a transaction (the exports stream with yield_per).
    with open_session(engine) as session, server_states(engine) as seen:
        rows = session.execute(select(User.id).execution_options(yield_per=10)).all()
    assert rows == [(user.id,)]
    assert [state for _, state in seen] == ["INTRANS"], seen


def test_plain_reads_are_told_from_everything_else() -> None:
    assert is_plain_read("SELECT id FROM contacts WHERE owner_id = %(o)s")
    assert is_plain_read("  (SELECT 1) UNION (SELECT 2)")
    assert is_plain_read("WITH page AS (SELECT id FROM contacts) SELECT * FROM page")
    for statement in (
        "INSERT INTO tags (name) VALUES (%(n)s)",
        "UPDATE users SET last_seen_at = now()",
        "DELETE FROM tags",
        "WITH gone AS (DELETE FROM tags RETURNING id) SELECT count(*) FROM gone",
        "SELECT id FROM users FOR UPDATE",
        "SELECT id FROM users FOR NO KEY UPDATE",
        "SELECT id FROM users FOR SHARE",
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT set_config('rapport.bulk_load', 'on', true)",
        "SET LOCAL rapport.bulk_load = 'on'",
        "SAVEPOINT sa_savepoint_1",
    ):
        assert not is_plain_read(statement), statement


def _backend_pids(engine: Engine) -> list[int]:
    """The server processes behind every connection idle in the engine's pool."""
    held: list[Connection] = []
    try:
        for _ in range(engine.pool.checkedin()):  # type: ignore[attr-defined]
            held.append(engine.connect())
        return [int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()) for c in held]
    finally:
        for connection in held:
            connection.close()


def test_connections_the_server_dropped_are_replaced_without_a_failed_request(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    user: User,
    make_token: Callable[..., str],
) -> None:
    app_engine = make_engine(database_url)
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="t" * 48,
        base_url="http://testserver",
        log_level="WARNING",
    )
    app = create_app(settings=settings, engine=app_engine)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {make_token(user)}"
            assert client.post("/api/v1/contacts", json={"full_name": "Ada"}).status_code == 201
            assert client.get("/api/v1/contacts").status_code == 200
            pids = _backend_pids(app_engine)
            assert pids
            with engine.connect() as admin:
                for pid in pids:  # what a server restart or an idle timeout does to them
                    admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
                deadline = time.monotonic() + 10
                while (
                    time.monotonic() < deadline
                    and admin.execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"),
                        {"p": pids},
                    ).scalar_one()
                ):
                    time.sleep(0.05)
                admin.rollback()
            # No ping, yet the dead connections are noticed at checkout and replaced.
            listed = client.get("/api/v1/contacts")
            assert listed.status_code == 200, listed.text
            assert [c["full_name"] for c in listed.json()["items"]] == ["Ada"]
            assert client.post("/api/v1/contacts", json={"full_name": "Bo"}).status_code == 201
            assert client.get("/api/v1/contacts").json()["total"] == 2
    finally:
        app_engine.dispose()


def test_no_ping_is_sent_when_a_connection_is_checked_out(engine: Engine, api: ApiClient) -> None:
    assert api.get("/api/v1/contacts").status_code == 200
    with server_states(engine) as seen:
        assert api.get("/api/v1/contacts").status_code == 200
    assert not [s for s, _ in seen if s in ("SELECT 1", "select 1")], seen
    assert engine.pool._pre_ping is False  # type: ignore[attr-defined]


def _with_options(url: str, options: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options={quote(options)}"


def test_sessions_run_in_utc_whatever_the_url_asks_and_keep_its_other_options(
    database_url: str, user: User
) -> None:
    # The URL's own options still apply; its TimeZone does not (UTCDateTime relies on UTC).
    url = _with_options(database_url, "-c TimeZone=America/New_York -c statement_timeout=4321")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW TimeZone").scalar_one() == "UTC"
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar_one() == "4321ms"
            at = connection.exec_driver_sql("SELECT now()").scalar_one()
            # psycopg's own UTC, not a ZoneInfo named like it (3-4 us a value to convert).
            assert at.tzinfo is UTC
    finally:
        engine.dispose()


def test_instants_read_back_in_utc_from_a_session_in_another_zone(
    engine: Engine, user: User
) -> None:
    new_york = ZoneInfo("America/New_York")
    written = datetime(2026, 3, 8, 1, 30, tzinfo=new_york)  # the night clocks move there
    with open_session(engine, write=True) as session:
        session.get_one(User, user.id).last_login_at = written
        session.commit()
    statement = select(User.last_login_at).where(User.id == user.id)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW TimeZone").scalar_one() == "UTC"
        read = connection.execute(statement).scalar_one()
        assert read == written and read.tzinfo is UTC
        # A session moved to another zone gets the same instant, still handed back in UTC.
        connection.exec_driver_sql("SET TIME ZONE 'Asia/Kolkata'")
        try:
            raw = connection.exec_driver_sql(
                "SELECT last_login_at FROM users WHERE id = %(id)s", {"id": user.id}
            ).scalar_one()
            assert raw.tzinfo is not UTC  # the zone really changed for this session
            read = connection.execute(statement).scalar_one()
            assert read == written and read.tzinfo is UTC
        finally:
            connection.exec_driver_sql("RESET TIME ZONE")


def test_the_engine_and_its_sessions_dispatch_no_connection_events(engine: Engine) -> None:
    """Autocommit reads are switched on and off by the engine's own Connection class: with
    any connection event listener, SQLAlchemy dispatches every event of every statement."""
    fresh = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        for bind in (fresh, fresh.execution_options(x=1), open_session(fresh).get_bind()):
            assert bind._has_events is False, bind  # a connection event listener was added
            with bind.connect() as conn:
                assert type(conn).__name__ == "PostgreSQLConnection", bind
    finally:
        fresh.dispose()


def _wait_until_gone(admin: Connection, pid: int) -> None:
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and admin.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
        ).scalar_one()
    ):
        time.sleep(0.05)
    admin.rollback()


def test_a_thread_keeps_its_read_connection_only_while_it_is_a_fresh_ones_equal(
    database_url: str, engine: Engine
) -> None:
    """app.db.statement_read: a thread's reads share one connection, kept out of the pool
    while it stays in autocommit (no snapshot held) and alive; one a statement took into a
    transaction goes back to the pool (which rolls it back), and one the server dropped is
    replaced before a read uses it."""
    reads = make_engine(database_url)

    def backend() -> int:
        with statement_read(reads) as conn:
            return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

    try:
        first = backend()
        assert backend() == first and reads.pool.checkedout() == 1  # type: ignore[attr-defined]
        with statement_read(reads) as conn:
            conn.exec_driver_sql("SELECT set_config('rapport.probe', 'on', true)")
        assert reads.pool.checkedout() == 0  # type: ignore[attr-defined]
        with statement_read(reads) as conn:
            assert conn.connection.dbapi_connection.info.transaction_status == IDLE  # type: ignore[union-attr]
            assert not conn.exec_driver_sql(
                "SELECT current_setting('rapport.probe', true)"
            ).scalar()
        kept = backend()
        with engine.connect() as admin:  # a restart or an idle timeout, as the server does it
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({kept})")
            _wait_until_gone(admin, kept)
        assert backend() != kept
    finally:
        reads.dispose()
