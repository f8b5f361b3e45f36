"""A page of a read model as the JSON array the database writes, in ``encode_json``'s form.

The hot API reads (the interview's agenda, the contacts list) have the database write their
items' JSON: the bytes encode_json writes for the same rows (UTC times with a Z and no zero
fraction, booleans, the same string escapes; checked over the 225k agenda items of the bench's
seed, and by tests/interviews/test_detail_json.py and tests/contacts/test_api_json.py on both
databases), with no result row, dict or datetime per item in Python; the caller splices the
text as an ``orjson.Fragment``.

SQLite (``json_objects``): json_object per item, one json_group_array per page. The times are
spelled from the form SQLAlchemy stores on SQLite, 'YYYY-MM-DD HH:MM:SS.ffffff' (26
characters, always a six-digit fraction); a page with a time of any other length (a row
written by hand, with an offset or a shorter fraction) is NULL, and its caller reads the rows
instead. Each piece is the cheapest that measured right (callgrind, 11 agenda items a read):
length() rather than a GLOB of the form (-70k instructions a read), json('true') once rather
than json() of each flag (-30k), replace() rather than substr() (-30k). SQLite's escaping of
the text costs more than orjson's did (+300k a read), but less than the rows, dicts and
datetimes it replaces in Python.

PostgreSQL (``postgresql_json_object``): each item's text concatenated from to_json of each
value, joined by string_agg. Not json_build_object or json_agg: they write ' : ' and ', '
between parts, which encode_json does not. to_json escapes text as orjson does (the same six
short escapes, \\u00XX in lower case for the other controls, nothing else); a time is spelled
by to_char in UTC, so it never depends on the session's zone, and always has its six digits
to drop when they are zero, as orjson does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Text, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.db import UTCDateTime


def json_value(column: str, kind: Any) -> str:
    """The SQL spelling of ``column`` (of SQLAlchemy type ``kind``) as its JSON value, SQLite."""
    if isinstance(kind, UTCDateTime):  # orjson's 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'
        return f"replace(replace({column} || 'Z', '.000000Z', 'Z'), ' ', 'T')"
    if isinstance(kind, Boolean):
        return f"CASE WHEN {column} THEN json('true') ELSE json('false') END"
    return column


def json_objects(
    alias: str, columns: Sequence[tuple[str, Any]], spelled: Sequence[tuple[str, str]] = ()
) -> str:
    """The rows of the subquery ``alias``, in its order, as one JSON array of objects: its
    ``columns`` (name, SQLAlchemy type) as their values, then the ``spelled`` (key, SQL of a
    JSON value); NULL when a time is not in the stored form. SQLite.

    An aggregate over an ordered subquery keeps its order: SQLite never flattens a subquery
    with ORDER BY into an aggregate query. No row: min() is NULL and the array []."""
    fields = [f"'{name}', {json_value(f'{alias}.{name}', kind)}" for name, kind in columns]
    fields += [f"'{key}', {sql}" for key, sql in spelled]
    stored = " AND ".join(
        f"length({alias}.{name}) = 26" for name, kind in columns if isinstance(kind, UTCDateTime)
    )
    objects = f"json_group_array(json_object({', '.join(fields)}))"
    return f"CASE WHEN min({stored}) = 0 THEN NULL ELSE {objects} END" if stored else objects


# A time as orjson writes it in UTC: 'YYYY-MM-DDTHH:MM:SS.ffffff', the fraction dropped when
# zero (to_char's US is always six digits).
_PG_TIME = (
    "'\"' || replace(to_char({column} AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '.000000Z', 'Z') || '\"'"
)


def postgresql_json_value(column: str, kind: Any) -> str:
    """The SQL of ``column`` (of SQLAlchemy type ``kind``) as its JSON text, PostgreSQL."""
    if isinstance(kind, UTCDateTime):
        return f"coalesce({_PG_TIME.format(column=column)}, 'null')"
    return f"coalesce(to_json({column})::text, 'null')"


def postgresql_json_object(
    alias: str, columns: Sequence[tuple[str, Any]], spelled: Sequence[tuple[str, str]] = ()
) -> str:
    """One row of the subquery ``alias`` as a JSON object's text: its ``columns`` (name,
    SQLAlchemy type), then the ``spelled`` (key, SQL of a JSON value's text). PostgreSQL;
    ``postgresql_json_array`` joins them."""
    parts = [
        (name, postgresql_json_value(f"{alias}.{name}", kind)) for name, kind in columns
    ] + list(spelled)
    # The keys are column names: no character of theirs needs escaping in JSON or in SQL.
    pieces = [f"'{',' if i else '{'}\"{key}\":' || {sql}" for i, (key, sql) in enumerate(parts)]
    return " || ".join([*pieces, "'}'"])


def postgresql_json_array(item: str, order_by: Sequence[Any]) -> ColumnElement[str]:
    """Rows as one JSON array's text, '[]' for none (PostgreSQL): ``item`` (the SQL of
    ``postgresql_json_object``) per row, joined in ``order_by``'s order. The aggregate's own
    ORDER BY: PostgreSQL does not promise an ordered subquery's order to an aggregate."""
    joined = func.string_agg(
        literal_column(item, Text), aggregate_order_by(literal_column("','", Text), *order_by)
    )
    return _OPEN + func.coalesce(joined, _EMPTY) + _CLOSE


# Constants of the array's text as literals, not bound parameters.
_OPEN = literal_column("'['", Text)
_CLOSE = literal_column("']'", Text)
_EMPTY = literal_column("''", Text)
