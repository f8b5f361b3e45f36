"""A page of a read model as the JSON array SQLite writes, in ``encode_json``'s form.

On SQLite the hot API reads (the interview's agenda, the contacts list) have SQLite write
their items' JSON (json_object per item, one json_group_array per page): the bytes
encode_json writes for the same rows (UTC times with a Z and no zero fraction, booleans, the
same string escapes; checked over the 225k agenda items of the bench's seed, and by
tests/interviews/test_detail_json.py and tests/contacts/test_api_json.py), with no result
row, dict or datetime per item in Python; the caller splices the text as an
``orjson.Fragment``. The times are spelled from the form SQLAlchemy stores on SQLite,
'YYYY-MM-DD HH:MM:SS.ffffff' (26 characters, always a six-digit fraction); a page with a time
of any other length (a row written by hand, with an offset or a shorter fraction) is NULL,
and its caller reads the rows instead. Each piece is the cheapest that measured right
(callgrind, 11 agenda items a read): length() rather than a GLOB of the form (-70k
instructions a read), json('true') once rather than json() of each flag (-30k), replace()
rather than substr() (-30k). SQLite's escaping of the text costs more than orjson's did
(+300k a read), but less than the rows, dicts and datetimes it replaces in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean

from app.db import UTCDateTime


def json_value(column: str, kind: Any) -> str:
    """The SQL spelling of ``column`` (of SQLAlchemy type ``kind``) as its JSON value."""
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
    JSON value); NULL when a time is not in the stored form.

    An aggregate over an ordered subquery keeps its order: SQLite never flattens a subquery
    with ORDER BY into an aggregate query. No row: min() is NULL and the array []."""
    fields = [f"'{name}', {json_value(f'{alias}.{name}', kind)}" for name, kind in columns]
    fields += [f"'{key}', {sql}" for key, sql in spelled]
    stored = " AND ".join(
        f"length({alias}.{name}) = 26" for name, kind in columns if isinstance(kind, UTCDateTime)
    )
    objects = f"json_group_array(json_object({', '.join(fields)}))"
    return f"CASE WHEN min({stored}) = 0 THEN NULL ELSE {objects} END" if stored else objects
