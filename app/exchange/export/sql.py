"""SQL that has the database write each exported row as JSON text, for SQLite and PostgreSQL.

A full export is hundreds of thousands of rows; building a Python object per value made it
several times slower than the database's own JSON functions (json_object on SQLite,
json_build_object on PostgreSQL), which hand back one string per row. The statements are
built from the models' columns, so a new column is exported without a change here; they
hold no user input (the owner is a bound parameter).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import JSON, Boolean, DateTime, Table

from app.db import UTCDateTime

# Internal columns: derived (search text, tag names, keys), or the same for every row (the
# owner).
LEFT_OUT = frozenset(
    {
        "owner_id",
        "search_text",
        "tag_names",
        "linkedin_key",
        "builtin_key",
        "builtin_version",
        "builtin",
    }
)
# Read first the record's own fields (id leads: it is the primary key), then these.
_LAST = ("created_at", "updated_at", "version")
_PG_TIME = """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'"""


@dataclass(frozen=True)
class Child:
    """A nested array: rows of ``table`` whose ``key`` is the parent's id, or one value each."""

    name: str
    table: Table
    key: str
    order: tuple[str, ...]
    # One column instead of the whole row; "{alias}" in it, ``order`` or ``join`` stands for
    # the child table's alias (to reach a joined table).
    value: str | None = None
    join: str = ""
    extras: tuple[Extra, ...] = ()


@dataclass(frozen=True)
class Extra:
    """A computed field of each row: ``sql`` with "{alias}" standing for the row's table.

    For links that leave the user's rows (a built-in bank or question named by its key, since
    its id differs from one instance to the next)."""

    name: str
    sql: str


def _quote(name: str) -> str:
    return f'"{name}"'


def _ref(alias: str, name: str) -> str:
    return name.format(alias=alias) if "{" in name else f"{alias}.{_quote(name)}"


def _value(dialect: str, alias: str, column: object) -> str:
    ref = f"{alias}.{_quote(column.name)}"  # type: ignore[attr-defined]
    kind = column.type  # type: ignore[attr-defined]
    if isinstance(kind, UTCDateTime | DateTime):
        # Stored as naive UTC text on SQLite, timestamptz on PostgreSQL: one ISO 8601 form.
        if dialect == "sqlite":
            return f"replace({ref}, ' ', 'T') || '+00:00'"
        return f"to_char({ref} AT TIME ZONE 'UTC', {_PG_TIME})"
    if dialect == "sqlite" and isinstance(kind, Boolean):
        return f"json(CASE WHEN {ref} THEN 'true' ELSE 'false' END)"
    if dialect == "sqlite" and isinstance(kind, JSON):
        return f"json({ref})"
    return ref


def json_object(
    dialect: str,
    table: Table,
    alias: str,
    children: tuple[Child, ...] = (),
    extras: tuple[Extra, ...] = (),
) -> str:
    """An expression for one row of ``table`` (as ``alias``) as a JSON object."""
    columns = sorted(
        (column for column in table.c if column.name not in LEFT_OUT),
        key=lambda column: _LAST.index(column.name) if column.name in _LAST else -1,
    )
    pairs = [f"'{column.name}', {_value(dialect, alias, column)}" for column in columns]
    pairs += [f"'{extra.name}', {extra.sql.format(alias=alias)}" for extra in extras]
    pairs += [f"'{child.name}', {_array(dialect, alias, child)}" for child in children]
    function = "json_object" if dialect == "sqlite" else "json_build_object"
    return f"{function}({', '.join(pairs)})"


def _array(dialect: str, parent: str, child: Child) -> str:
    alias = f"{parent}_{child.name}"
    if child.value is None:
        item = json_object(dialect, child.table, alias, extras=child.extras)
    else:
        item = _ref(alias, child.value)
    where = f"{alias}.{_quote(child.key)} = {parent}.{_quote('id')}"
    order = ", ".join(_ref(alias, c) for c in child.order)
    source = f"{child.table.name} AS {alias} {child.join.format(alias=alias)}"
    if dialect == "sqlite":
        # SQLite 3.40 has no ORDER BY inside an aggregate: aggregate an ordered subquery.
        wrap = "json(x)" if child.value is None else "x"
        inner = f"SELECT {item} AS x FROM {source} WHERE {where} ORDER BY {order}"
        return f"json((SELECT json_group_array({wrap}) FROM ({inner})))"
    return (
        f"(SELECT coalesce(json_agg({item} ORDER BY {order}), '[]'::json) "
        f"FROM {source} WHERE {where})"
    )


@dataclass(frozen=True)
class Attached:
    """Bytes kept in a one-to-one table (a resume's file), read as a second column.

    SQLite has no base64 function, so the bytes leave the database raw and the export
    encodes them; JSON cannot hold them otherwise."""

    name: str
    table: Table
    key: str
    column: str


def rows_as_json(
    dialect: str,
    table: Table,
    children: tuple[Child, ...] = (),
    extras: tuple[Extra, ...] = (),
    attached: Attached | None = None,
) -> str:
    """SELECT each of an owner's rows of ``table`` as JSON text, by id (owner: ``:owner``).

    With ``attached`` each row comes with a second column: the attached bytes (or NULL)."""
    expression = json_object(dialect, table, "t", children, extras)
    if dialect != "sqlite":
        expression += "::text"
    join = ""
    if attached is not None:
        expression += f", a.{_quote(attached.column)}"
        join = (
            f" LEFT JOIN {attached.table.name} AS a ON a.{_quote(attached.key)} = t.{_quote('id')}"
        )
    return (
        f"SELECT {expression} FROM {table.name} AS t{join} "
        f"WHERE t.{_quote('owner_id')} = :owner ORDER BY t.{_quote('id')}"
    )
