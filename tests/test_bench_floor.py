"""The floor (bench/floor.py, bench/floor_app.py): it replays exactly the statements Rapport
ran for each request of a load, on the same database, and answers their rows."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.interactions.models import Interaction
from bench.floor import capture, connection_setup, dsn_of, recording, requests_of, route_of
from bench.floor_app import Connections, Plan, Step, build, request_key, run_steps
from bench.loadgen import Load
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


def test_the_floor_replays_each_request_s_statements_and_answers_their_rows(
    app: FastAPI,
    engine: Engine,
    db: Session,
    user: User,
    make_token: Callable[..., str],
    web_client_for: Callable[..., WebClient],
) -> None:
    ids = _contacts(db, user, [f"Floor Person {n:02d}" for n in range(12)])
    web = web_client_for(user)
    cookie = web.cookies.get("rapport_session")
    assert cookie
    loads = _loads(make_token(user), cookie, ids[:2])

    plan = capture(app, engine, BASE_URL, loads, worker_threads=2)

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

    def interactions() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Interaction)).scalar_one())

    before = interactions()
    with TestClient(build(plan), base_url=BASE_URL) as floor:
        page = floor.get("/api/v1/contacts?limit=5&offset=5")
        assert page.status_code == 200
        assert page.headers["content-type"] == "application/json"
        # The rows Rapport read for that page: names 05-09 in Rapport's order.
        names = [v for rows in page.json() for row in rows for v in row if isinstance(v, str)]
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
    assert interactions() == before + 1


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
        connection = connections.get()
        if engine.dialect.name == "sqlite":
            assert not connection.in_transaction
        else:
            assert connection.info.transaction_status == 0  # idle
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
        assert connections.get().autocommit is True
    finally:
        connections.close()
