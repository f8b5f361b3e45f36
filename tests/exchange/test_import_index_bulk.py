"""Imports index their new rows for search in one go at the end of the write (SQLite:
search.service.bulk_indexing), and what they write is found exactly as rows written one by
one through the triggers are."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.auth.models import User
from app.exchange.newcontacts.service import ImportOptions, import_file
from app.search import service as search_service
from tests.conftest import ApiClient
from tests.exchange.conftest import connections_csv, person
from tests.exchange.test_account_import import rich  # noqa: F401 (the fixture)
from tests.seeding import MARKER


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _bulk_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if "search_index_bulk" in s or s.startswith("INSERT INTO search_index")]


def _found(db: Session, user: User, q: str) -> list[tuple[str, str]]:
    hits = search_service.search(db, user, q, limit=100).items
    db.rollback()
    return sorted((hit.kind, hit.title) for hit in hits)


def test_contact_import_indexes_its_rows_in_one_go(db: Session, engine: Engine, user: User) -> None:
    rows = [
        person("Quenby", f"Vantrell{n}", f"qv{n}", company=f"Orsolya Works {n % 3}")
        for n in range(12)
    ]
    raw = connections_csv(rows).encode()
    with _statements(engine) as seen:
        preview = import_file(db, user, raw, ImportOptions(dry_run=False), phone_region="US")
    assert preview.created == 12
    if engine.dialect.name == "sqlite":
        # The bounds, the flag's removal, one fill per FTS5 table: nothing per row or per
        # batch, and no more for the organizations the import created alongside.
        bulk = _bulk_statements(seen)
        assert len(bulk) == 4, bulk
        assert bulk[0].startswith("INSERT INTO search_index_bulk")
    people = _found(db, user, "vantrell")
    assert people == sorted(("contact", f"Quenby Vantrell{n}") for n in range(12))
    companies = _found(db, user, "orsolya")
    assert [kind for kind, _ in companies].count("organization") == 3
    # Rows written later, one by one, go through the triggers again.
    again = connections_csv([person("Quenby", "Latecomer", "qlate")]).encode()
    import_file(db, user, again, ImportOptions(dry_run=False), phone_region="US")
    assert ("contact", "Quenby Latecomer") in _found(db, user, "quenby")


def test_a_file_with_nothing_new_writes_nothing_to_the_index(
    db: Session, engine: Engine, user: User
) -> None:
    raw = connections_csv([person("Ysolde", "Marrant", "ym")]).encode()
    import_file(db, user, raw, ImportOptions(dry_run=False), phone_region="US")
    with _statements(engine) as seen:
        preview = import_file(db, user, raw, ImportOptions(dry_run=False), phone_region="US")
    assert preview.created == 0 and preview.duplicates == 1
    assert _bulk_statements(seen) == []
    assert _found(db, user, "marrant") == [("contact", "Ysolde Marrant")]


def test_account_import_indexes_every_kind_as_the_original_was(
    rich: dict[str, Any],  # noqa: F811 (the fixture)
    db: Session,
    engine: Engine,
    user: User,
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    original = _found(db, user, MARKER)
    assert len({kind for kind, _ in original}) >= 6, original
    fresh = make_user("imported")
    with _statements(engine) as seen:
        response = api_client_for(fresh).post(
            "/api/v1/import/account",
            content=orjson.dumps(rich),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 201, response.text
    if engine.dialect.name == "sqlite":
        bulk = _bulk_statements(seen)
        assert len(bulk) == 4, bulk
    imported = db.get(User, fresh.id)
    assert imported is not None
    assert _found(db, imported, MARKER) == original
