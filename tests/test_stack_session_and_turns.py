"""The request's session and the write's thread turn (issue 17): the session dependency is a
plain one that HttpBaseline closes once the response is sent, whatever the handler did, and
the interaction write spends its one turn on Rapport's database threads, not anyio's, as every
plain ``def`` handler does."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlmodel import Session

from app.interactions import service as interactions_service
from app.web import deps
from app.web.deps import on_database_threads
from app.web.threads import DATABASE_THREAD_PREFIX
from tests.conftest import ApiClient


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Session, list[bool]]]:
    """Every session a request opens, each with a flag list its close appends to."""
    sessions: list[tuple[Session, list[bool]]] = []
    original = deps.open_session

    def recording(engine: Engine, *, write: bool = False) -> Session:
        session = original(engine, write=write)
        closed: list[bool] = []
        close = session.close

        def closing() -> None:
            closed.append(True)
            close()

        session.close = closing  # type: ignore[method-assign]
        sessions.append((session, closed))
        return session

    monkeypatch.setattr(deps, "open_session", recording)
    return sessions


def test_the_session_dependency_is_plain(api: ApiClient) -> None:
    # FastAPI solves a dependency with yield through a context manager and its exit stack,
    # ~16 us more on every request than a plain one.
    assert not inspect.isasyncgenfunction(deps.get_db)
    assert not inspect.isgeneratorfunction(deps.get_db)


def test_each_requests_session_is_closed_once_whatever_the_answer(
    api: ApiClient, engine: Engine, opened: list[tuple[Session, list[bool]]]
) -> None:
    contact = api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"})
    assert contact.status_code == 201, contact.text
    body = {
        "contact_id": contact.json()["id"],
        "kind": "call",
        "occurred_at": "2026-11-01T09:30:00Z",
    }
    answers = [
        api.get("/api/v1/contacts").status_code,
        api.get("/api/v1/interactions/999999").status_code,  # NotFound raised by the service
        api.post("/api/v1/interactions", json=body).status_code,
        # Invalid raised inside the write transaction (on SQLite, holding the write lock).
        api.post("/api/v1/interactions", json={**body, "contact_id": 999999}).status_code,
        api.post("/api/v1/interactions", json=body).status_code,  # the lock was handed on
    ]
    assert answers == [200, 404, 201, 422, 201]
    assert len(opened) == 6  # one session per request, the contact's POST included
    for session, closed in opened:
        assert closed == [True]
        assert not session.in_transaction() and not session.identity_map


def test_the_interaction_write_takes_its_turn_on_the_database_threads(
    api: ApiClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"}).json()
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    assert api.post("/api/v1/interactions", json=body).status_code == 201  # token touched
    anyio_turns: list[str] = []
    own_turns: list[str] = []
    original_anyio, original_in_thread = anyio.to_thread.run_sync, deps.in_thread

    async def counting_anyio(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        anyio_turns.append(getattr(getattr(func, "func", func), "__name__", repr(func)))
        return await original_anyio(func, *args, **kwargs)

    async def counting_in_thread(
        request: Request, work: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        own_turns.append(work.__name__)
        return await original_in_thread(request, work, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_anyio)
    monkeypatch.setattr(deps, "in_thread", counting_in_thread)
    response = api.post("/api/v1/interactions", json=body)
    assert response.status_code == 201, response.text
    # anyio's turn cost 70-75 us of CPU against 7-18 us on Rapport's threads (app.web.threads).
    assert anyio_turns == []
    if engine.dialect.name == "sqlite":
        assert own_turns == ["created"]  # the lookup read inline, outside the write lock
    else:
        assert own_turns == ["lookup_and_touch", "created"]


def test_every_handler_is_a_coroutine_so_none_takes_anyio_s_turn(app: FastAPI) -> None:
    # A plain ``def`` handler is run by FastAPI on anyio's threads; app.web.routing's
    # RapportRouter swaps each for one that runs it on the database threads.
    plain = [
        route.path
        for route in app.routes
        if isinstance(route, APIRoute) and not inspect.iscoroutinefunction(route.dependant.call)
    ]
    assert plain == []


def test_a_plain_def_handler_runs_on_the_database_threads_with_its_own_parameters(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"}).json()
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    created = api.post("/api/v1/interactions", json=body).json()
    ran_on: list[str] = []
    original = interactions_service.get_interaction

    def recording(*args: Any, **kwargs: Any) -> Any:
        ran_on.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(interactions_service, "get_interaction", recording)
    response = api.get(f"/api/v1/interactions/{created['id']}")  # get_interaction is a def
    assert response.status_code == 200 and response.json()["id"] == created["id"]
    assert "etag" in {key.lower() for key in response.headers}
    assert len(ran_on) == 1 and ran_on[0].startswith(DATABASE_THREAD_PREFIX)
    # Its path parameter is still checked by FastAPI (422 naming it), and a service error
    # raised on the thread still reaches the error handlers (404 problem).
    bad = api.get("/api/v1/interactions/0")
    assert bad.status_code == 422 and "interaction_id" in bad.text
    missing = api.get("/api/v1/interactions/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_a_wrapped_handler_keeps_the_request_it_declares() -> None:
    seen: list[Any] = []

    def handler(request: Request, number: int) -> int:
        """Doc."""
        seen.append(request)
        return number

    wrapped = on_database_threads(handler)
    assert inspect.iscoroutinefunction(wrapped)
    assert (wrapped.__name__, wrapped.__doc__) == ("handler", "Doc.")
    assert list(inspect.signature(wrapped).parameters) == ["request", "number"]

    def bare(number: int) -> int:
        return number

    # A handler without a Request is handed one under a keyword FastAPI fills in.
    assert list(inspect.signature(on_database_threads(bare)).parameters) == [
        "number",
        "rapport_request",
    ]
