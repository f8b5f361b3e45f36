"""The floor: what the framework and the database cost for each scenario, with no Rapport code.

A minimal FastAPI app served by the same uvicorn, with the same flags and worker count, as the
baseline and Rapport (``bench.run``). Its plan, captured by ``bench.floor`` from Rapport
itself, holds for every request the load sends the statements Rapport ran for it, with their
parameters, where its transactions ended and the status it answered. One endpoint per route
Rapport matched replays them through the same driver (sqlite3 or psycopg), on a connection
reused most recent first as Rapport's pool reuses its own, in one thread-pool turn, and
answers the fetched rows as JSON (orjson). No ORM, no pydantic, no templates, no middleware:
whatever separates Rapport's rate from this one is Rapport's code and its libraries'
per-request work.

Served as ``uvicorn --factory bench.floor_app:create`` with ``RAPPORT_FLOOR_PLAN`` naming the
pickled plan. This module imports nothing of Rapport's, and must not.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypedDict

import anyio.to_thread
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.web.threads import in_database_thread

PLAN_ENV = "RAPPORT_FLOOR_PLAN"
STACK_ENV = "RAPPORT_FLOOR_STACK"

# One step of a request: ("execute", statement, parameters, executemany), ("commit", "",
# None, False) / ("rollback", "", None, False) where Rapport ended a transaction, or
# ("autocommit", "", flag, False) where Rapport's psycopg connection ran the statements that
# follow with that autocommit flag.
Step = tuple[str, str, Any, bool]


class Replay(TypedDict):
    """What one request made Rapport do: its steps, the status it answered, and whether every
    statement ran on the event loop's thread (Rapport runs SQLite reads inline: app.web.deps.
    run_db), so the floor runs them there too instead of in a thread-pool turn; else whether
    they ran on Rapport's own database threads (app.web.threads), which the floor then uses
    too, or on anyio's (a plain ``def`` handler's)."""

    status: int
    steps: list[Step]
    inline: bool
    own_threads: bool


class Plan(TypedDict):
    """Everything the floor serves: the database, how Rapport set up each connection and how
    many threads it ran requests on, the routes it matched, and each request's replay."""

    driver: Literal["sqlite", "postgresql"]
    dsn: str
    setup: list[str]
    worker_threads: int
    routes: list[tuple[str, str]]
    requests: dict[str, Replay]


def request_key(method: str, target: str, body: bytes) -> str:
    """The key of one request: its method, its request target as sent, and its body."""
    return f"{method} {target}\n{body.decode('utf-8', 'replace')}"


class Connections:
    """The floor's database connections, set up as Rapport sets up its own. A request takes
    the most recently used idle one (Rapport's pools are LIFO too) and hands it back after.

    Not one per thread: anyio retires worker threads idle for 10 s (the floor idles while
    Rapport is loaded) and starts others when load comes back, so connections tied to threads
    stayed open after theirs ended: 49 on PostgreSQL after 8 scenarios with 2 workers, 6 more
    per scenario, against a server limit shared with Rapport's pools."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        # list.pop and list.append are atomic: no lock between the request threads.
        self._idle: list[Any] = []

    def checkout(self) -> Any:
        """An idle connection, or a new one when every one is in use."""
        try:
            return self._idle.pop()
        except IndexError:
            return self._open()

    def checkin(self, connection: Any) -> None:
        """Hand a connection back, its transaction ended."""
        self._idle.append(connection)

    def close(self) -> None:
        """Close every idle connection (at shutdown, when none is in use)."""
        while self._idle:
            self._idle.pop().close()

    def _open(self) -> Any:
        if self._plan["driver"] == "sqlite":
            # Autocommit mode: the captured steps begin and end every transaction, as Rapport's
            # engine does (it sets the same isolation_level).
            connection: Any = sqlite3.connect(
                self._plan["dsn"], isolation_level=None, check_same_thread=False
            )
        else:
            import psycopg

            connection = psycopg.connect(self._plan["dsn"])
        cursor = connection.cursor()
        for statement in self._plan["setup"]:
            cursor.execute(statement)
        cursor.close()
        return connection


def _jsonable(value: object) -> object:
    # orjson handles str, numbers, None, dates and UUIDs itself; these are the driver's rest.
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


# The driver's calls, one function each, so a profile (bench.profile --floor) can tell the
# time sqlite3 spends in C from the replay's own.
def _execute(connection: Any, statement: str, parameters: Any, many: bool) -> list[Any] | None:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(statement, parameters)
        elif parameters is None:
            cursor.execute(statement)
        else:
            cursor.execute(statement, parameters)
        return cursor.fetchall() if cursor.description is not None else None
    finally:
        cursor.close()


def _end(connection: Any, operation: str) -> None:
    if operation == "commit":
        connection.commit()
    else:
        connection.rollback()


def _reset(connection: Any) -> None:
    # What the pool does when Rapport's connection comes back: end a transaction left open.
    if isinstance(connection, sqlite3.Connection):
        if connection.in_transaction:
            connection.rollback()
    elif connection.info.transaction_status != 0:  # psycopg's TransactionStatus.IDLE
        connection.rollback()


def run_steps(connections: Connections, writers: threading.Lock, steps: list[Step]) -> bytes:
    """Replay one request's steps on a connection of its own; the fetched rows as JSON."""
    connection = connections.checkout()
    fetched: list[list[Any]] = []
    holding = False
    try:
        for operation, statement, parameters, many in steps:
            if operation == "execute":
                if statement.startswith("BEGIN IMMEDIATE"):
                    # Rapport queues its SQLite writers on a process lock rather than on
                    # SQLite's polling busy handler; so does the floor.
                    writers.acquire()
                    holding = True
                rows = _execute(connection, statement, parameters, many)
                if rows is not None:
                    fetched.append(rows)
                continue
            if operation == "autocommit":
                connection.autocommit = parameters
                continue
            _end(connection, operation)
            if holding:
                holding = False
                writers.release()
        _reset(connection)
    except BaseException:
        # Closing rolls back whatever the failed request left, and a connection the failure
        # broke is never handed out again.
        connection.close()
        raise
    finally:
        if holding:
            writers.release()
    connections.checkin(connection)
    return orjson.dumps(fetched, default=_jsonable)


def not_captured() -> Response:
    """The answer to a request with no replay: loud, so a load the capture did not cover
    shows as errors, never as speed."""
    return Response(b"no statements were captured for this request", status_code=500)


async def replay_of(request: Request, replays: dict[str, Replay]) -> Replay | None:
    """The replay captured for this request (its method, request target and body), if any."""
    scope = request.scope
    target = scope["raw_path"].decode("latin-1")
    if scope["query_string"]:
        target += "?" + scope["query_string"].decode("latin-1")
    body = b"" if request.method == "GET" else await request.body()
    return replays.get(request_key(request.method, target, body))


async def where_rapport_ran(
    found: Replay, worker_threads: int, work: Callable[..., bytes], *args: Any
) -> bytes:
    """``work(*args)`` on the thread kind Rapport ran the request's statements on: the event
    loop's, its own database threads (in_thread), or anyio's (a plain ``def`` handler)."""
    if found.get("inline", False):
        return work(*args)
    if found.get("own_threads", False):
        return await in_database_thread(worker_threads, work, *args)
    return await anyio.to_thread.run_sync(work, *args)


async def replayed(
    request: Request, plan: Plan, run: Callable[..., bytes], *run_args: Any
) -> Response:
    """The answer to a request: ``run(*run_args, steps)`` on its captured steps, where Rapport
    ran them, with the status Rapport answered; a 500 for a request the plan lacks."""
    found = await replay_of(request, plan["requests"])
    if found is None:
        return not_captured()
    content = await where_rapport_ran(found, plan["worker_threads"], run, *run_args, found["steps"])
    return Response(content, status_code=found["status"], media_type="application/json")


def bare_app(plan: Plan, close: Callable[[], None]) -> FastAPI:
    """A FastAPI app with no docs, running as many request threads as Rapport did (its
    settings.worker_threads), that calls ``close`` at shutdown."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = plan["worker_threads"]
        yield
        close()

    return FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)


def build(plan: Plan) -> FastAPI:
    """The floor app for one plan."""
    connections = Connections(plan)
    writers = threading.Lock()
    app = bare_app(plan, connections.close)

    async def replay(request: Request) -> Response:
        return await replayed(request, plan, run_steps, connections, writers)

    for method, path in plan["routes"]:
        app.add_api_route(path, replay, methods=[method])
    return app


def create() -> FastAPI:
    """uvicorn's factory: the app for the plan named by RAPPORT_FLOOR_PLAN (the stack floor
    when RAPPORT_FLOOR_STACK is set)."""
    plan: Plan = pickle.loads(Path(os.environ[PLAN_ENV]).read_bytes())
    if os.environ.get(STACK_ENV):
        from bench.stack_app import build_stack

        return build_stack(plan)
    return build(plan)
