"""Capture the floor's plan: every statement Rapport runs for each request of the load.

Each request the load will send is served once through the real app, in-process, with
SQLAlchemy's ``before_cursor_execute`` listener recording the statements exactly as the
driver receives them (with their parameters), the ``commit`` / ``rollback`` events recording
where transactions end, and the pool's pre-ping, if the engine pings, recorded as the
statement it sends. ``bench.floor_app`` replays the plan; see its docstring and
bench/README.md.

``python -m bench.floor LOADS PLAN`` captures in a process of its own, with Rapport's
settings from the environment (``bench.run`` gives it the served app's), so the app's
logging and caches stay out of the benchmark's process; given a PLAN that exists, it captures
only the requests that plan lacks.
"""

from __future__ import annotations

import asyncio
import math
import pickle
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from starlette.routing import Match, Route

from app.web.threads import DATABASE_THREAD_PREFIX
from bench.floor_app import Plan, Replay, Step, request_key
from bench.loadgen import Load

# What Rapport sets on each SQLite connection it opens (app.db), read back from one of them
# (soft_heap_limit is process-wide: reading it back gives what Rapport set).
SQLITE_PRAGMAS = (
    "journal_mode",
    "busy_timeout",
    "foreign_keys",
    "synchronous",
    "cache_size",
    "soft_heap_limit",
)


def requests_of(load: Load) -> list[tuple[str, str | None]]:
    """(path, body) of every distinct request the load sends: both generators take paths and
    bodies in rotation on one counter, so the pairs repeat every lcm(len(paths), len(bodies))."""
    bodies = load.bodies or [None]
    period = math.lcm(len(load.paths), len(bodies))
    pairs = ((load.paths[i % len(load.paths)], bodies[i % len(bodies)]) for i in range(period))
    return list(dict.fromkeys(pairs))


class Steps(list[Step]):
    """The steps recorded, whether every statement ran on an event loop's thread, and
    whether those that did not all ran on Rapport's own database threads
    (app.web.deps.DatabaseThreads) rather than anyio's."""

    inline: bool = True
    own_threads: bool = True


@contextmanager
def recording(engine: Engine) -> Iterator[Steps]:
    """Record every step the engine takes while the block runs (listeners removed after)."""
    steps = Steps()
    # psycopg's autocommit flag as the last recorded statement ran (None: none yet). Rapport
    # may run a read request's statements in autocommit (no BEGIN, no ROLLBACK round trips),
    # a switch made on the connection that no statement shows.
    autocommit: list[bool | None] = [None]
    postgres = engine.dialect.name == "postgresql"

    def on_execute(
        _conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if postgres:
            flag = bool(cursor.connection.autocommit)
            if flag != autocommit[0]:
                autocommit[0] = flag
                steps.append(("autocommit", "", flag, False))
        steps.append(("execute", statement, parameters, many))
        if asyncio._get_running_loop() is None:  # a worker thread, not the event loop's
            steps.inline = False
            if not threading.current_thread().name.startswith(DATABASE_THREAD_PREFIX):
                steps.own_threads = False

    def on_commit(_conn: Any) -> None:
        steps.append(("commit", "", None, False))

    def on_rollback(_conn: Any) -> None:
        steps.append(("rollback", "", None, False))

    dialect = engine.dialect
    ping = dialect.do_ping
    own_ping = "do_ping" in vars(dialect)

    def recorded_ping(dbapi_connection: Any) -> bool:
        # The pool's pre-ping is a statement Rapport sends per checkout, outside the events.
        steps.append(("execute", dialect._dialect_specific_select_one, None, False))  # type: ignore[attr-defined]
        return ping(dbapi_connection)

    # Registered after the app's own listeners, so this one sees the flag they leave.
    listeners = [
        ("before_cursor_execute", on_execute),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    dialect.do_ping = recorded_ping  # type: ignore[method-assign]
    try:
        yield steps
    finally:
        if own_ping:
            dialect.do_ping = ping  # type: ignore[method-assign]
        else:
            del dialect.do_ping
        for name, listener in listeners:
            event.remove(engine, name, listener)


def route_of(app: FastAPI, method: str, path: str) -> str:
    """The path template of the route that serves ``method path`` (e.g. /x/{id})."""
    scope = {"type": "http", "method": method, "path": path.split("?", 1)[0], "root_path": ""}
    for route in app.routes:
        if isinstance(route, Route) and route.matches(scope)[0] == Match.FULL:
            return route.path
    raise LookupError(f"no route serves {method} {path}")


def connection_setup(engine: Engine) -> list[str]:
    """The statements that set a new connection up as Rapport's engine sets up its own."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        values = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_PRAGMAS}
        cursor.close()
    return [f"PRAGMA {name}={value}" for name, value in values.items()]


def dsn_of(engine: Engine) -> str:
    """The driver's own connection string for the engine's database."""
    if engine.dialect.name == "sqlite":
        return str(engine.url.database)
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def uncovered(plan: Plan | None, loads: Iterable[Load]) -> list[Load]:
    """The loads that send a request the plan holds no replay for (every load without a plan).

    A plan is kept per database for the whole run, while each configuration builds its loads
    afresh: the write's bodies carry the time they were built, so a plan captured for one
    configuration answered every write of the next with the floor's 500."""
    known = plan["requests"] if plan is not None else {}
    return [
        load
        for load in loads
        if any(
            request_key(load.method, path, (body or "").encode()) not in known
            for path, body in requests_of(load)
        )
    ]


def capture(
    app: FastAPI,
    engine: Engine,
    base_url: str,
    loads: Iterable[Load],
    *,
    worker_threads: int,
    known: Plan | None = None,
) -> Plan:
    """Serve every request of every load ``known`` does not cover once through ``app`` and
    record what it ran; the plan holds ``known``'s replays and these.

    The first request of each load is served once more before the capture, unrecorded, so
    what is recorded is the steady state (caches filled), as under load. A request that does
    not answer 2xx stops the capture: its statements would not be the load's."""
    loads = uncovered(known, loads)
    routes: dict[tuple[str, str], None] = dict.fromkeys(known["routes"] if known else [])
    replays: dict[str, Replay] = dict(known["requests"]) if known else {}
    with TestClient(app, base_url=base_url) as client:

        def send(load: Load, path: str, body: str | None) -> int:
            response = client.request(load.method, path, headers=load.headers, content=body)
            if not 200 <= response.status_code < 300:
                raise RuntimeError(
                    f"capture: {load.method} {path} answered {response.status_code}: "
                    f"{response.text[:200]}"
                )
            return response.status_code

        for load in loads:
            send(load, *requests_of(load)[0])
        for load in loads:
            for path, body in requests_of(load):
                routes[(load.method, route_of(app, load.method, path))] = None
                with recording(engine) as steps:
                    status = send(load, path, body)
                key = request_key(load.method, path, (body or "").encode())
                inline = steps.inline and bool(steps)
                replays[key] = {
                    "status": status,
                    "steps": list(steps),
                    "inline": inline,
                    "own_threads": steps.own_threads and not inline,
                }
    return {
        "driver": "sqlite" if engine.dialect.name == "sqlite" else "postgresql",
        "dsn": dsn_of(engine),
        "setup": connection_setup(engine),
        "worker_threads": worker_threads,
        "routes": list(routes),
        "requests": replays,
    }


def main(argv: list[str] | None = None) -> int:
    """python -m bench.floor LOADS PLAN: capture what PLAN (when it exists) lacks for the
    pickled loads, and write the plan."""
    from app.config import get_settings
    from app.main import create_app

    loads_path, plan_path = map(Path, argv if argv is not None else sys.argv[1:])
    loads: list[Load] = pickle.loads(loads_path.read_bytes())
    known: Plan | None = pickle.loads(plan_path.read_bytes()) if plan_path.exists() else None
    settings = get_settings()
    app = create_app(settings)
    engine: Engine = app.state.engine
    try:
        plan = capture(
            app,
            engine,
            settings.base_url,
            loads,
            worker_threads=settings.worker_threads,
            known=known,
        )
    finally:
        engine.dispose()
    # Replaced whole, so a capture that fails part-way leaves the plan as it was.
    written = plan_path.with_suffix(".new")
    written.write_bytes(pickle.dumps(plan))
    written.replace(plan_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
