"""The PostgreSQL engine's cursor builds ``description`` only when its columns are read
(app.db.lazy_description_cursor), yet describes every result exactly as psycopg's own
cursor does, including after the cursor has run another statement."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, select, text

from app.auth.models import User
from app.db import lazy_description_cursor

pytestmark = pytest.mark.postgres

STATEMENTS = (
    "SELECT 1 AS one, 'x'::text AS name, now() AS at, '[1]'::json AS doc",
    "SELECT 1 WHERE false",  # rows expected, none found
    "SELECT",  # no columns, still a result of rows
    "SET LOCAL work_mem = '8MB'",  # no result of rows: no description
)


def _shape(description: Any) -> list[tuple[Any, ...]] | None:
    if description is None:
        return None
    return [tuple(column) for column in description]  # name, type code, sizes, precision...


def test_the_engine_uses_the_lazy_cursor(engine: Engine) -> None:
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        assert type(cursor) is lazy_description_cursor()


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_description_is_psycopgs(engine: Engine, statement: str) -> None:
    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection
        assert dbapi is not None
        lazy = dbapi.cursor()
        stock = psycopg.Cursor(dbapi)
        lazy.execute(statement)
        stock.execute(statement)
        assert _shape(lazy.description) == _shape(stock.description)
        if stock.description is not None:
            assert len(lazy.description) == len(stock.description)


def test_a_kept_description_still_describes_its_own_result(engine: Engine) -> None:
    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        cursor.execute("SELECT 1 AS first, 2 AS second")
        kept = cursor.description  # not yet built
        cursor.execute("SELECT 'other' AS third")
        assert [c.name for c in kept] == ["first", "second"]
        assert [c.name for c in cursor.description] == ["third"]


def test_results_keep_their_keys(engine: Engine, user: User) -> None:
    with engine.connect() as connection:
        textual = connection.execute(text("SELECT 1 AS one, 2 AS two"))
        assert list(textual.keys()) == ["one", "two"] and textual.one() == (1, 2)
        for _ in range(3):  # compiled once, then its kept result metadata
            row = connection.execute(select(User.id, User.username).where(User.id == user.id))
            assert row.one()._asdict() == {"id": user.id, "username": user.username}
