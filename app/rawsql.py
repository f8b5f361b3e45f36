"""Hot read paths: Core statements compiled once per shape and run on the DBAPI cursor.

The ORM (and even a Core ``execute``) costs about a millisecond per 50-row page here in
Python overhead: cache-key generation, result processing, row objects. The pages every
client hits most (contacts list, interview detail) skip that. The SQL is still written
with SQLAlchemy Core, so there is one definition of each query for both databases; only
its execution is done by hand: compiled once per ``key``, parameters bound by name, each
column converted by its declared type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from app.db import UTCDateTime

Converter = Callable[[Any], Any] | None
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Prepared:
    """A statement as the driver takes it: SQL text, bind order and column converters."""

    sql: str
    bind_names: tuple[str, ...]  # qmark order (SQLite); empty for named styles
    columns: tuple[str, ...]
    converters: tuple[Converter, ...]
    expanding: frozenset[str]
    positional: bool
    required: frozenset[str]  # every bind the SQL names


_cache: dict[tuple[str, Hashable], Prepared] = {}
_cache_lock = threading.Lock()
# Keys come from request shapes (filters set, sort): bounded, but never let it grow forever.
MAX_CACHED = 1024


def prepare(key: Hashable, dialect: Dialect, build: Callable[[], Select[Any]]) -> Prepared:
    """The compiled form of ``build()`` for this dialect, built once per ``key``."""
    cache_key = (dialect.name, key)
    found = _cache.get(cache_key)
    if found is not None:
        return found
    statement = build()
    compiled = statement.compile(dialect=dialect)
    expanding = frozenset(
        name for name, bind in compiled.binds.items() if getattr(bind, "expanding", False)
    )
    positional = bool(compiled.positional)
    prepared = Prepared(
        sql=compiled.string,
        bind_names=tuple(compiled.positiontup or ()) if positional else (),
        columns=tuple(c.key for c in statement.selected_columns),
        converters=tuple(_converter(c.type, dialect) for c in statement.selected_columns),
        expanding=expanding,
        positional=positional,
        required=frozenset(compiled.binds),
    )
    with _cache_lock:
        if len(_cache) < MAX_CACHED:
            _cache[cache_key] = prepared
    return prepared


def bound_values(*clauses: Any) -> dict[str, Any]:
    """The named binds in ``clauses`` and their values (the parameters of their shape)."""
    values: dict[str, Any] = {}
    for clause in clauses:
        for element in visitors.iterate(clause):
            if isinstance(element, BindParameter):
                values[element.key] = element.value
    return values


def _converter(column_type: Any, dialect: Dialect) -> Converter:
    if isinstance(column_type, UTCDateTime):
        return _sqlite_time if dialect.name == "sqlite" else _aware_time
    if isinstance(column_type, Boolean) and dialect.name == "sqlite":
        return _bool
    if isinstance(column_type, JSON):
        return _json
    return None


def _json(value: Any) -> Any:
    # SQLite hands back JSON as text; psycopg has already decoded it.
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _sqlite_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    # Stored as naive UTC text; parsing with the offset is 6x cheaper than replace().
    return datetime.fromisoformat(value + "+00:00")


def _aware_time(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _bind_value(value: Any, dialect_name: str) -> Any:
    # SQLite stores UTCDateTime as naive UTC text (app.db); compare like with like.
    if dialect_name == "sqlite" and isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime(_SQLITE_TIME_FORMAT)
    return value


def _expand(prepared: Prepared, params: Mapping[str, Any]) -> tuple[str, Any]:
    """The SQL and driver parameters, with IN lists spelled out."""
    sql = prepared.sql
    missing = prepared.required - set(params)
    if missing:
        # An anonymous bind would silently reuse the value of the request that compiled it.
        raise RuntimeError(f"prepared statement binds {sorted(missing)} by name: pass them")
    if prepared.positional:
        values: list[Any] = []
        for name in prepared.bind_names:
            if name in prepared.expanding:
                items = list(params[name]) or [None]  # IN (NULL) matches nothing
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * len(items)), 1)
                values.extend(items)
            else:
                values.append(params[name])
        return sql, values
    named = dict(params)
    for name in prepared.expanding:
        items = list(params[name]) or [None]
        keys = [f"{name}_{index}" for index in range(len(items))]
        sql = sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join(f"%({k})s" for k in keys), 1)
        named.update(zip(keys, items, strict=True))
        del named[name]
    return sql, named


def fetch(session: Session, prepared: Prepared, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of ``prepared`` run in the session's transaction, columns converted."""
    connection = session.connection()
    dialect_name = connection.dialect.name
    bound = {name: _bind_value(value, dialect_name) for name, value in params.items()}
    sql, driver_params = _expand(prepared, bound)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, driver_params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    converters = [(i, c) for i, c in enumerate(prepared.converters) if c is not None]
    if not converters:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for index, convert in converters:
            values[index] = convert(values[index])
        converted.append(tuple(values))
    return converted


def fetch_dicts(
    session: Session, prepared: Prepared, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Rows of ``prepared`` as dicts keyed by column name."""
    columns = prepared.columns
    return [dict(zip(columns, row, strict=True)) for row in fetch(session, prepared, params)]


def group_pairs(rows: Sequence[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    """[(key, value), ...] -> {key: [value, ...]} keeping row order."""
    grouped: dict[Any, list[Any]] = {}
    for key, value in rows:
        grouped.setdefault(key, []).append(value)
    return grouped
