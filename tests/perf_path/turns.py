"""Counting a request's thread turns, for the tests that pin how many it takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi import Request

from app.web import deps


def count_thread_turns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of every function handed to a thread from now on: to Rapport's
    database threads (``deps.in_thread``: run_db, the identity lookup, a session close) and
    to anyio's (FastAPI's plain ``def`` dependencies); plain ``def`` handlers come through
    ``deps.in_thread`` (``deps.on_database_threads``)."""
    turns: list[str] = []
    original_anyio = anyio.to_thread.run_sync
    original_in_thread = deps.in_thread

    def name_of(func: Callable[..., Any]) -> str:
        named = getattr(func, "func", func)  # run_in_threadpool hands over a partial
        return str(getattr(named, "__name__", repr(func)))

    async def counting_anyio(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        turns.append(name_of(func))
        return await original_anyio(func, *args, **kwargs)

    async def counting_in_thread(
        request: Request, work: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        turns.append(name_of(work))
        return await original_in_thread(request, work, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_anyio)
    monkeypatch.setattr(deps, "in_thread", counting_in_thread)
    return turns
