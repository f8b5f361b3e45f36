"""The floor (bench/floor.py, bench/floor_app.py): it replays exactly the statements Rapport
ran for each request of a load, on the same database, and answers their rows."""

from __future__ import annotations

import json
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.interactions.models import Interaction
from bench.floor import (
    capture,
    connection_setup,
    dsn_of,
    recording,
    requests_of,
    route_of,
    uncovered,
)
from bench.floor_app import PLAN_ENV, Connections, Plan, Step, build, request_key, run_steps
from bench.loadgen import Load, run_load
from bench.servers import start_uvicorn
from bench.stack_app import build_stack
from tests.conftest import WebClient

BASE_URL = "http://testserver"


def _contacts(db: Session, user: User, names: list[str]) -> list[int]:
    contacts = [Contact(owner_id=user.id, full_name=name) for name in names]
    db.add_all(contacts)
    db.commit()
    return [c.id for c in contacts if c.id is not None]


def _loads(token: str, cookie: str, contact_ids: list[int]) -> list[Load]:
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    bodies = [
        json.dumps({"contact_id": i, "kind": "email", "occurred_at": now, "summary": "Hi."})
        for i in contact_ids
    ]
    return [
        Load(
            "GET",
            ["/api/v1/contacts?limit=5&offset=0", "/api/v1/contacts?limit=5&offset=5"],
            bearer,
        ),
        Load("GET", [f"/api/v1/contacts/{contact_ids[0]}"], bearer),
        Load("GET", ["/contacts"], {"Cookie": f"rapport_session={cookie}", "Accept": "text/html"}),
        Load(
            "POST",
            ["/api/v1/interactions"],
            {**bearer, "Content-Type": "application/json"},
            bodies,
        ),
    ]


def test_a_load_s_requests_are_its_paths_and_bodies_in_rotation() -> None:
    assert requests_of(Load("GET", ["/a", "/b"], {})) == [("/a", None), ("/b", None)]
    rotation = requests_of(Load("POST", ["/a", "/b"], {}, ["1", "2", "3"]))
    assert rotation == [
        ("/a", "1"),
        ("/b", "2"),
        ("/a", "3"),
        ("/b", "1"),
        ("/a", "2"),
        ("/b", "3"),
    ]


def test_recording_sees_statements_and_transaction_ends_and_then_stops(engine: Engine) -> None:
    with recording(engine) as steps, engine.begin() as conn:
        conn.execute(text("SELECT :x AS x"), {"x": 7})
    executed = [s for s in steps if s[0] == "execute" and "SELECT" in s[1] and "AS x" in s[1]]
    assert len(executed) == 1
    assert 7 in (
        list(executed[0][2].values()) if isinstance(executed[0][2], dict) else executed[0][2]
    )
    assert steps[-1][0] == "commit"
    seen = len(steps)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert len(steps) == seen
    assert "do_ping" not in vars(engine.dialect)


def test_the_route_template_is_the_one_rapport_matched(app: FastAPI) -> None:
    assert route_of(app, "GET", "/api/v1/contacts?limit=5") == "/api/v1/contacts"
    assert route_of(app, "GET", "/api/v1/interviews/12").startswith("/api/v1/interviews/{")


@pytest.fixture
def captured(
    app: FastAPI,
    engine: Engine,
    db: Session,
    user: User,
    make_token: Callable[..., str],
    web_client_for: Callable[..., WebClient],
) -> tuple[Plan, list[int], list[Load]]:
    """A plan captured for 12 contacts "Floor Person 00".."11": its ids and loads."""
    ids = _contacts(db, user, [f"Floor Person {n:02d}" for n in range(12)])
    web = web_client_for(user)
    cookie = web.cookies.get("rapport_session")
    assert cookie
    loads = _loads(make_token(user), cookie, ids[:2])
    return capture(app, engine, BASE_URL, loads, worker_threads=2), ids, loads


def _interactions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Interaction)).scalar_one())


def test_the_floor_replays_each_request_s_statements_and_answers_their_rows(
    engine: Engine, captured: tuple[Plan, list[int], list[Load]]
) -> None:
    plan, ids, loads = captured

    assert set(plan["routes"]) >= {
        ("GET", "/api/v1/contacts"),
        ("POST", "/api/v1/interactions"),
        ("GET", "/contacts"),
    }
    assert plan["worker_threads"] == 2
    assert len(plan["requests"]) == 2 + 1 + 1 + 2
    listing = plan["requests"][request_key("GET", "/api/v1/contacts?limit=5&offset=5", b"")]
    assert listing["status"] == 200
    assert any("FROM contacts" in s[1] for s in listing["steps"] if s[0] == "execute")
    write_key = request_key("POST", "/api/v1/interactions", loads[3].bodies[0].encode())  # type: ignore[index]
    write = plan["requests"][write_key]
    assert write["status"] == 201
    statements = [s[1] for s in write["steps"] if s[0] == "execute"]
    assert any(s.startswith("INSERT INTO interactions") for s in statements)
    assert ("commit", "", None, False) in write["steps"]
    # Where Rapport ran them: SQLite reads on the event loop (run_db), a write's handler on a
    # database thread; the floor replays each the same way.
    assert listing["inline"] is (engine.dialect.name == "sqlite")
    assert write["inline"] is False
    # A PostgreSQL read ran on Rapport's own database threads (in_thread), and so does a
    # write on either database (run_db), so the floor hands each off the same way.
    assert listing["own_threads"] is (engine.dialect.name == "postgresql")
    assert write["own_threads"] is True

    before = _interactions(engine)
    with TestClient(build(plan), base_url=BASE_URL) as floor:
        page = floor.get("/api/v1/contacts?limit=5&offset=5")
        assert page.status_code == 200
        assert page.headers["content-type"] == "application/json"
        # The rows Rapport read for that page: names 05-09 in Rapport's order (on SQLite
        # one row: the items as the JSON SQLite wrote, PageColumns.ENCODED).
        names = [v for rows in page.json() for row in rows for v in row if isinstance(v, str)]
        names += [
            item["full_name"]
            for value in names
            if value.startswith("[{")
            for item in orjson.loads(value)
        ]
        shown = [n for n in names if n.startswith("Floor Person")]
        assert sorted(set(shown)) == [f"Floor Person {n:02d}" for n in range(5, 10)]
        assert floor.get("/contacts").status_code == 200
        detail = floor.get(f"/api/v1/contacts/{ids[0]}")
        assert detail.status_code == 200 and "Floor Person 00" in detail.text
        written = floor.post("/api/v1/interactions", content=loads[3].bodies[0])  # type: ignore[index]
        assert written.status_code == 201
        assert orjson.loads(written.content)  # the rows its statements fetched
        # Not captured: a loud 500, never a fast answer.
        assert floor.get("/api/v1/contacts?limit=5&offset=10").status_code == 500
    # The write's transaction was replayed to its commit, as Rapport's was.
    assert _interactions(engine) == before + 1


def test_the_stack_floor_answers_what_the_floor_answers_through_fastapi_and_a_session(
    engine: Engine, captured: tuple[Plan, list[int], list[Load]]
) -> None:
    plan, ids, loads = captured
    write = loads[3].bodies[0]  # type: ignore[index]
    before = _interactions(engine)
    with (
        TestClient(build(plan), base_url=BASE_URL) as floor,
        TestClient(build_stack(plan), base_url=BASE_URL) as stack,
    ):
        for path in (
            "/api/v1/contacts?limit=5&offset=5",
            "/contacts",
            f"/api/v1/contacts/{ids[0]}",
        ):
            expected, got = floor.get(path), stack.get(path)
            assert (got.status_code, got.content) == (expected.status_code, expected.content)
        assert "Floor Person 00" in stack.get(f"/api/v1/contacts/{ids[0]}").text
        # FastAPI parses the declared parameters: a path id that is not a number never
        # reaches the replay.
        assert stack.get("/api/v1/contacts/not-a-number").status_code == 422
        assert stack.post("/api/v1/interactions", content=write).status_code == 201
        # Not captured: a loud 500, as on the floor.
        assert stack.get("/api/v1/contacts?limit=5&offset=10").status_code == 500
    # The write went through the session to its commit.
    assert _interactions(engine) == before + 1


def test_a_floor_profile_tells_the_driver_from_the_replay() -> None:
    from bench.profile import LAYERS, layer_of

    loop, route = (
        "Runner.run (asyncio/runners.py:118)",
        "APIRoute.handle (starlette/routing.py:290)",
    )
    replay = "run_steps (bench/floor_app.py:120)"
    driver = next(name for name, _ in LAYERS if name.startswith("database driver"))
    floor = next(name for name, _ in LAYERS if name.startswith("the floor"))
    # sqlite3 runs in C under the floor's one-line DB-API helpers, as under SQLAlchemy's.
    assert layer_of([loop, route, replay, "_execute (bench/floor_app.py:101)"])[0] == driver
    assert layer_of([loop, route, replay, "_end (bench/floor_app.py:112)"])[0] == driver
    assert layer_of([loop, route, replay])[0] == floor


def _plan_for(engine: Engine) -> Plan:
    return {
        "driver": "sqlite" if engine.dialect.name == "sqlite" else "postgresql",
        "dsn": dsn_of(engine),
        "setup": connection_setup(engine),
        "worker_threads": 1,
        "routes": [],
        "requests": {},
    }


def test_a_transaction_a_request_leaves_open_is_ended_as_the_pool_ends_it(engine: Engine) -> None:
    connections = Connections(_plan_for(engine))
    begin: list[Step] = [("execute", "BEGIN", (), False)] if engine.dialect.name == "sqlite" else []
    steps: list[Step] = [*begin, ("execute", "SELECT 1", None, False)]
    try:
        assert orjson.loads(run_steps(connections, threading.Lock(), steps)) == [[[1]]]
        connection = connections.checkout()  # the one the request handed back
        if engine.dialect.name == "sqlite":
            assert not connection.in_transaction
        else:
            assert connection.info.transaction_status == 0  # idle
        connections.checkin(connection)
        # The next request begins afresh (SQLite refuses a BEGIN inside a transaction).
        assert orjson.loads(run_steps(connections, threading.Lock(), steps)) == [[[1]]]
    finally:
        connections.close()


@pytest.mark.postgres
def test_the_autocommit_flag_rapport_ran_with_is_recorded_and_replayed(engine: Engine) -> None:
    with recording(engine) as steps, engine.connect() as conn:
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        dbapi_connection.autocommit = True
        conn.exec_driver_sql("SELECT 1")
    assert steps[0] == ("autocommit", "", True, False)
    assert steps[1][:2] == ("execute", "SELECT 1")

    connections = Connections(_plan_for(engine))
    try:
        run_steps(connections, threading.Lock(), steps)
        connection = connections.checkout()
        assert connection.autocommit is True
        connections.checkin(connection)
    finally:
        connections.close()


def test_the_floor_keeps_no_connection_open_for_a_thread_that_ended(
    engine: Engine, tmp_path: Path
) -> None:
    plan = _plan_for(engine)
    if plan["driver"] == "postgresql":
        name = f"rapport-floor-test-{os.getpid()}"
        plan["dsn"] += f"?application_name={name}"

        def open_now() -> int:
            with engine.connect() as conn:
                count = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                    {"n": name},
                ).scalar_one()
            return int(count)
    else:
        database = tmp_path / "floor.db"
        plan.update(dsn=str(database), setup=[])

        def open_now() -> int:
            # Each sqlite3 connection holds a file descriptor of its own on the database.
            fds = list(Path("/proc/self/fd").iterdir())
            return sum(1 for fd in fds if os.path.realpath(fd) == str(database))

    steps: list[Step] = [("execute", "SELECT 1", None, False)]
    connections = Connections(plan)
    writers = threading.Lock()
    try:
        for _ in range(4):
            # What anyio does between two scenarios: the idle threads end after 10 s and new
            # ones serve the next load. Each round's threads end with its pool.
            with ThreadPoolExecutor(max_workers=3) as pool:
                answers = list(pool.map(lambda _: run_steps(connections, writers, steps), range(6)))
            assert [orjson.loads(a) for a in answers] == [[[[1]]]] * 6
        # Never more than the requests that ran at once, however many threads came and went.
        assert 1 <= open_now() <= 3
    finally:
        connections.close()


def _write_load(token: str, contact_ids: list[int], at: datetime) -> Load:
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    bodies = [
        json.dumps(
            {"contact_id": i, "kind": "email", "occurred_at": at.isoformat(), "summary": "Hi."}
        )
        for i in contact_ids
    ]
    return Load("POST", ["/api/v1/interactions"], headers, bodies)


def test_a_later_configuration_s_writes_are_captured_and_two_floor_workers_answer_them_all(
    app: FastAPI,
    engine: Engine,
    db: Session,
    user: User,
    make_token: Callable[..., str],
    tmp_path: Path,
) -> None:
    ids = _contacts(db, user, [f"Writer {n}" for n in range(4)])
    token = make_token(user)
    listing = Load("GET", ["/api/v1/contacts?limit=5"], {"Authorization": f"Bearer {token}"})
    # bench.run builds each configuration's loads anew (1 then 2 PostgreSQL workers on one
    # database, one plan), and the write's bodies carry the time they were built.
    now = datetime.now(UTC).replace(microsecond=0)
    first = _write_load(token, ids, now - timedelta(minutes=3))
    later = _write_load(token, ids, now)

    plan = capture(app, engine, BASE_URL, [first, listing], worker_threads=2)
    assert uncovered(plan, [first, listing]) == []
    assert uncovered(plan, [later, listing]) == [later]
    extended = capture(app, engine, BASE_URL, [later, listing], worker_threads=2, known=plan)
    assert uncovered(extended, [first, later, listing]) == []
    # Only what the plan lacked was captured again; what it held is kept as it was.
    assert len(extended["requests"]) == len(plan["requests"]) + len(ids)
    assert all(extended["requests"][key] is replay for key, replay in plan["requests"].items())

    plan_file = tmp_path / "floor.plan"
    plan_file.write_bytes(pickle.dumps(extended))
    before = _interactions(engine)
    # Served as bench.run serves it: uvicorn, two worker processes, the write load at once.
    floor = start_uvicorn(
        "floor",
        "bench.floor_app:create",
        factory=True,
        workers=2,
        env={PLAN_ENV: str(plan_file)},
        log_dir=tmp_path,
        ready_path="/floor-ready",
    )
    try:
        result = run_load(floor.base_url, later, 1.0, tool="python", connections=8)
    finally:
        floor.stop()
    assert result.requests > 0
    assert result.ok, (result.statuses, result.errors)
    # Every answered write was replayed to its commit (the generator may cut off a few more).
    assert _interactions(engine) >= before + result.requests
