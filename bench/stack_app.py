"""The stack floor: Rapport's statements served the plainest way its stack allows.

``bench.floor_app`` replays each request's statements through bare FastAPI and the driver:
what the database and the HTTP server cost. Rapport is built on FastAPI and SQLModel
(SQLAlchemy), as the project requires; this app measures what that stack adds when it is used
the way its own documentation and the full-stack template use it, with no Rapport code:

- a route per route Rapport matched, with its path parameters typed (``int``) and its query
  parameters declared, so FastAPI parses and validates them;
- a ``Session`` per request from a dependency (``SessionDep``), and a credential dependency
  that reads the bearer token or the session cookie and hashes it, as any token check must;
- a JSON body parsed by FastAPI for the requests that send one;
- the captured statements executed through the session's SQLAlchemy ``Connection``
  (``exec_driver_sql``: no statement compilation, no result type processing, so it is cheaper
  than building the statements would be), transactions ended through the session, the
  session closed at the end;
- the rows answered as JSON (orjson), with no template rendering for the pages.

It is generous to the stack: each part above is the least the stack does for such a request.
So a scenario whose stack floor is under its target cannot meet the target with any code
written on this stack, and Rapport's rate over the stack floor's is the share Rapport's own
code leaves. Served as the floor is (``RAPPORT_FLOOR_STACK=1`` with ``bench.floor_app:create``).
Like the floor, it imports nothing of Rapport's but its database threads.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from bench.floor_app import (
    Plan,
    Step,
    _jsonable,
    bare_app,
    replayed,
)

_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def stack_engine(plan: Plan) -> Engine:
    """An engine on the plan's database, each connection set up as Rapport sets up its own."""
    if plan["driver"] == "sqlite":
        # Autocommit at the driver, as Rapport's engine: the captured BEGINs start transactions.
        engine = create_engine(
            f"sqlite:///{plan['dsn']}",
            connect_args={"check_same_thread": False, "isolation_level": None},
        )
    else:
        engine = create_engine(plan["dsn"].replace("postgresql://", "postgresql+psycopg://", 1))

    @event.listens_for(engine, "connect")
    def _setup(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in plan["setup"]:
            cursor.execute(statement)
        cursor.close()

    return engine


def run_steps(session: Session, writers: threading.Lock, steps: list[Step]) -> bytes:
    """Replay one request's steps through the session; the fetched rows as JSON."""
    fetched: list[list[Any]] = []
    holding = False
    try:
        for operation, statement, parameters, _many in steps:  # a list of rows: executemany
            if operation == "execute":
                if statement.startswith("BEGIN IMMEDIATE"):
                    writers.acquire()  # Rapport queues SQLite writers on a process lock
                    holding = True
                connection = session.connection()
                result = (
                    connection.exec_driver_sql(statement)
                    if parameters is None
                    else connection.exec_driver_sql(statement, parameters)
                )
                if result.returns_rows:
                    fetched.append(list(result.all()))
                continue
            if operation == "autocommit":
                session.connection().connection.driver_connection.autocommit = parameters  # type: ignore[union-attr]
                continue
            if operation == "commit":
                session.commit()
            else:
                session.rollback()
            if holding:
                holding = False
                writers.release()
    finally:
        if holding:
            writers.release()
    return orjson.dumps([[tuple(row) for row in rows] for rows in fetched], default=_jsonable)


def _route_pattern(template: str) -> re.Pattern[str]:
    """A template such as /x/{id}/y as a pattern its request paths match."""
    literals = _PATH_PARAM.split(template)[::2]  # split keeps the names at the odd places
    return re.compile("^" + "[^/]+".join(map(re.escape, literals)) + "$")


def _query_names(plan: Plan, method: str, template: str) -> list[str]:
    """The query parameters the load sent to one route, to declare them on it."""
    pattern = _route_pattern(template)
    names: dict[str, None] = {}
    for key in plan["requests"]:
        sent_method, _, rest = key.partition(" ")
        parts = urlsplit(rest.split("\n", 1)[0])
        if sent_method == method and pattern.match(parts.path):
            names.update(dict.fromkeys(name for name, _ in parse_qsl(parts.query)))
    return list(names)


def build_stack(plan: Plan) -> FastAPI:
    """The stack floor app for one plan."""
    engine = stack_engine(plan)
    writers = threading.Lock()
    app = bare_app(plan, engine.dispose)

    async def get_db() -> AsyncIterator[Session]:
        session = Session(engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()

    async def credential(request: Request) -> str:
        # What any credential check does before its lookup: read it and hash it.
        header = request.headers.get("authorization", "")
        secret = header.partition(" ")[2] or next(iter(request.cookies.values()), "")
        return hashlib.sha256(secret.encode()).hexdigest()

    async def serve(request: Request, session: Session) -> Response:
        return await replayed(request, plan, run_steps, session, writers)

    for method, template in plan["routes"]:
        app.add_api_route(
            template, _endpoint(serve, get_db, credential, method, template, plan), methods=[method]
        )
    return app


def _endpoint(
    serve: Callable[[Request, Session], Any],
    get_db: Callable[[], AsyncIterator[Session]],
    credential: Callable[[Request], Any],
    method: str,
    template: str,
    plan: Plan,
) -> Callable[..., Any]:
    """An endpoint with the route's parameters declared, so FastAPI parses each of them."""

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter(
            "db",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[Session, Depends(get_db)],
        ),
        inspect.Parameter(
            "credential_hash",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str, Depends(credential)],
        ),
    ]
    for name in _PATH_PARAM.findall(template):
        kind: Any = int if name == "id" or name.endswith("_id") else str
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[kind, Path()]
            )
        )
    for name in _query_names(plan, method, template):
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[str | None, Query()],
                default=None,
            )
        )
    if method != "GET":
        parameters.append(
            inspect.Parameter(
                "body",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[dict[str, Any] | None, Body()],
                default=None,
            )
        )

    async def declared(request: Request, db: Session, **_params: Any) -> Response:
        return await serve(request, db)

    declared.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return declared
