"""Counting FTS5 segment lookups, for the tests that pin how many cursors a search opens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.models import User
from app.db import open_session
from app.search import service


@contextmanager
def segment_lookups(session: Session, index: str) -> Iterator[list[str]]:
    """The lookups of ``index``'s segments meanwhile (its ``_idx`` table): one per cursor
    and segment."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    seen: list[str] = []
    raw.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    try:
        yield seen
    finally:
        raw.set_trace_callback(None)  # type: ignore[attr-defined]
        seen[:] = [s for s in seen if f"{index}_idx" in s]


def counted(engine: Engine, user: User, q: str, index: str) -> tuple[dict[str, int], int]:
    """A search's counts and how many lookups of ``index``'s segments its cursors made."""
    with open_session(engine) as session:
        with segment_lookups(session, index) as lookups:
            found = service.search(session, user, q)
        return found.counts, len(lookups)
