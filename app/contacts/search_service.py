"""Contacts text search: what `q` matches, and how each database finds it fast.

`q` is a case-insensitive substring of a contact's search_text (name, title, organization,
email and tags, lower-cased when written); `%` and `_` in it are literal. SQLite answers it
from an FTS5 trigram index (contacts_fts, kept by triggers: see app.contacts.models),
PostgreSQL from a pg_trgm GIN index that its LIKE uses unchanged. Either way the LIKE itself
stays in the query, so the index only narrows the rows and never changes the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, String, bindparam, column, select, table

from app.contacts.models import Contact
from app.textmatch import like_pattern

# A trigram index finds nothing in text shorter than one trigram: such `q` scan instead.
MIN_INDEXED_LENGTH = 3

_fts = table("contacts_fts", column("rowid", Integer), column("contacts_fts"))


def build_search_text(
    full_name: str, title: str, organization: str | None, email: str | None, tags: list[str]
) -> str:
    """The lower-cased text `q` matches (the seeder uses this rule too)."""
    parts = [full_name, title, organization or "", email or "", *tags]
    return " ".join(p for p in parts if p).casefold()


def fts_phrase(q: str) -> str:
    """An FTS5 query matching ``q`` as one contiguous phrase (a substring, with trigrams)."""
    return '"' + q.casefold().replace('"', '""') + '"'


def is_unindexed(q: str | None) -> bool:
    """Whether ``q`` is a search the trigram index cannot answer (1 or 2 characters)."""
    return bool(q) and len(q.casefold()) < MIN_INDEXED_LENGTH  # type: ignore[union-attr]


def text_params(dialect_name: str, q: str) -> dict[str, str]:
    """The bind values of a search for ``q`` (``q_fts`` only where the index can answer)."""
    params = {"q_like": like_pattern(q)}
    if dialect_name == "sqlite" and len(q.casefold()) >= MIN_INDEXED_LENGTH:
        params["q_fts"] = fts_phrase(q)
    return params


def text_conditions(params: Mapping[str, Any]) -> list[Any]:
    """WHERE conditions for contacts whose search text contains the searched text.

    Values stay named binds (from ``text_params``), so one compiled statement serves every
    search of the same shape (app.rawsql).
    """
    conditions: list[Any] = [Contact.search_text.like(bindparam("q_like"), escape="\\")]
    if "q_fts" in params:
        phrase = bindparam("q_fts", type_=String)
        matches = select(_fts.c.rowid).where(_fts.c.contacts_fts.op("MATCH")(phrase))
        conditions.insert(0, Contact.id.in_(matches))
    return conditions
