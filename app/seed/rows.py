"""Batched row writing and up-front primary-key allocation for the bulk seed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, Table, column, func, inspect, select, table
from sqlmodel import SQLModel

from app.db import insert_rows


def model_table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


class BulkWriter:
    """Buffers rows per table and writes them with executemany, parents before children."""

    ORDER = (
        "careers",
        "organizations",
        "tags",
        "contacts",
        "contact_careers",
        "contact_tags",
        "interactions",
        "question_banks",
        "questions",
        "interviews",
        "interview_questions",
    )

    def __init__(self, conn: Connection, batch_size: int) -> None:
        self.conn = conn
        self.batch_size = batch_size
        self.buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in self.ORDER}
        self.counts: Counter[str] = Counter()
        # Columns the database really has: while a model is ahead of the migration, a new
        # column is left to its default instead of failing the whole seed.
        inspector = inspect(conn)
        self.columns = {
            name: {column["name"] for column in inspector.get_columns(name)} for name in self.ORDER
        }

    def add(self, table: str, row: dict[str, Any]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self.flush()

    def _target(self, name: str) -> Any:
        declared = model_table(name)
        known = self.columns[name]
        if known.issuperset(declared.c.keys()):
            return declared  # the real table, so any column default we do not set applies
        # The database is behind the model: write only the columns it has (with their types).
        return table(name, *(column(c.name, c.type) for c in declared.c if c.name in known))

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.buffers[name]
            if rows:
                insert_rows(self.conn, self._target(name), rows)
                self.counts[name] += len(rows)
                self.buffers[name] = []


class IdAllocator:
    """Hands out primary keys above the current maximum of each table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.next: dict[str, int] = {}

    def take(self, table: str, count: int = 1) -> int:
        if table not in self.next:
            current = self.conn.scalar(select(func.max(model_table(table).c.id)))
            self.next[table] = (current or 0) + 1
        start = self.next[table]
        self.next[table] += count
        return start
