"""app.db.insert_rows: one statement over column arrays on PostgreSQL, rows kept whole
(JSON values, columns NULL in every row), and an executemany where a column left out has a
per-row default."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from sqlalchemy import JSON, Column, Connection, Integer, MetaData, String, Table, event, select
from sqlalchemy.engine import Engine

from app.db import insert_rows

_serial = count(1)
_metadata = MetaData()
_ROWS = Table(
    "insert_rows_probe",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(50), nullable=False),
    Column("notes", JSON, nullable=True),
    Column("maybe", String(20), nullable=True),
    Column("serial", Integer, nullable=False, default=lambda: next(_serial)),
)


@pytest.fixture
def conn(engine: Engine) -> Iterator[tuple[Connection, list[tuple[str, bool]]]]:
    """A connection in a transaction holding the probe table, rolled back afterwards, and
    the statements it sends."""
    sent: list[tuple[str, bool]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[5]))

    with engine.connect() as connection:
        transaction = connection.begin()
        _metadata.create_all(connection)
        event.listen(connection, "before_cursor_execute", record)
        try:
            yield connection, sent
        finally:
            event.remove(connection, "before_cursor_execute", record)
            transaction.rollback()


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "label": f"row {i}",
            "notes": [f"tag {i}", {"depth": [i, None]}] if i % 2 else None,
            "maybe": None,
            "serial": i,
        }
        for i in range(n)
    ]


def test_rows_arrive_whole_with_their_ids(conn: tuple[Connection, list[tuple[str, bool]]]) -> None:
    connection, sent = conn
    rows = _rows(300)
    ids = insert_rows(connection, _ROWS, rows, _ROWS.c.id, _ROWS.c.label).all()
    assert len({row_id for row_id, _ in ids}) == 300
    stored = connection.execute(
        select(_ROWS.c.label, _ROWS.c.notes, _ROWS.c.maybe, _ROWS.c.serial).order_by(_ROWS.c.serial)
    ).all()
    assert [tuple(row) for row in stored] == [
        (row["label"], row["notes"], None, row["serial"]) for row in rows
    ]
    inserts = [(statement, many) for statement, many in sent if statement.startswith("INSERT")]
    if connection.dialect.name == "postgresql":
        # One statement, not an executemany: a statement-level trigger fires once.
        assert len(inserts) == 1 and "unnest(" in inserts[0][0] and not inserts[0][1]
    else:
        assert all("), (" in statement for statement, _ in inserts)


def test_a_per_row_default_left_out_is_computed_for_each_row(
    conn: tuple[Connection, list[tuple[str, bool]]],
) -> None:
    connection, sent = conn
    rows = [{"label": f"row {i}"} for i in range(5)]
    insert_rows(connection, _ROWS, rows)
    serials = connection.scalars(select(_ROWS.c.serial)).all()
    # A SELECT would compute the default once for all rows.
    assert len(set(serials)) == 5
    assert not any("unnest(" in statement for statement, _ in sent)


def test_integer_and_text_rows_are_one_statement_and_arrive_exactly(
    conn: tuple[Connection, list[tuple[str, bool]]],
) -> None:
    # On SQLite an executemany opens a savepoint per row once a trigger writes elsewhere
    # (contact_tags): rows of integers and text go in as one INSERT ... SELECT FROM json_each.
    connection, sent = conn
    texts = ['quote " \\ back', "ünï 🦜 \u2028", "", "row\nbreak", "0042", "1e3", "null"]
    rows = [
        {"id": 10_000 + i, "label": text, "maybe": None if i % 2 else text[:20], "serial": -i}
        for i, text in enumerate(texts)
    ]
    insert_rows(connection, _ROWS, rows)
    stored = connection.execute(
        select(_ROWS.c.id, _ROWS.c.label, _ROWS.c.maybe, _ROWS.c.serial).order_by(_ROWS.c.id)
    ).all()
    assert [tuple(row) for row in stored] == [
        (row["id"], row["label"], row["maybe"], row["serial"]) for row in rows
    ]
    assert [type(row[3]) for row in stored] == [int] * len(rows)
    inserts = [(statement, many) for statement, many in sent if statement.startswith("INSERT")]
    assert len(inserts) == 1 and not inserts[0][1]
    if connection.dialect.name == "sqlite":
        assert "json_each(" in inserts[0][0]
    # A column left out with a Python default (serial) keeps the per-row path.
    sent.clear()
    insert_rows(connection, _ROWS, [{"label": "a"}, {"label": "b"}])
    assert not any("json_each(" in statement for statement, _ in sent)
