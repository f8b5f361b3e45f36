"""Every statement an engine sends to its driver while a block runs, whatever the access
style (ORM, Core or text): the one recorder the statement-count tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from app.auth import service as auth_service
from app.tokens import service as tokens_service

# How a contacts list's page statement begins: the rows themselves (SQLite's suggestions),
# the API's list as the JSON the database writes (PageColumns.ENCODED), the list pages' rows
# as one JSON text (contacts.service.StoredRows), each on SQLite then on PostgreSQL, or
# PostgreSQL's rows over a subquery (its suggestions).
CONTACT_PAGE_READS = (
    "SELECT contacts.id",
    "SELECT CASE WHEN min(length(q.created_at) = 26",
    "SELECT '[' || coalesce(string_agg('{\"id\":'",
    "SELECT json_group_array(json_array(page.id",
    "SELECT coalesce(CAST(json_agg(json_build_array(q.id",
    "SELECT q.id",
)


@contextmanager
def recorded(engine: Engine) -> Iterator[list[str]]:
    """The SQL of each statement the engine runs inside the block, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def forget_credentials() -> None:
    """Make the next request look its token or browser session up, whatever ran before it.

    A read may otherwise reuse its worker's lookup from the last second
    (app.auth.models.RecentRows): a statement count would depend on the requests before it,
    and a change made with a Core statement (as another worker's is) would not show yet."""
    tokens_service._LOOKUP.recent.forget_all()  # type: ignore[union-attr]
    auth_service._LOOKUP.recent.forget_all()  # type: ignore[union-attr]
