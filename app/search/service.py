"""One search over everything a user wrote, read from the trigger-maintained index.

The index finds and counts; the page's rows are then read from their own tables and marked
up here (app.search.query.marked), so the index stores no text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Connection, TextClause, bindparam, text
from sqlmodel import Session

from app.auth.models import User
from app.search import query as terms_of
from app.search.models import (
    DDL_BY_DIALECT,
    KIND_CODES,
    KIND_SHIFT,
    KINDS_BY_CODE,
    OWNER_SHIFT,
    SHARED_OWNER,
    display_statement,
    display_table,
    sqlite_bulk_fill,
)
from app.search.schemas import SEARCH_KINDS

# Matches are wrapped in these (stored ones are dropped first), so the text can be
# HTML-escaped and the <mark>s put in afterwards.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 16
# Counting stops at this many matches per kind: a two-letter prefix can match most of an
# account, and reading every match is what made a search slow; a count equal to it means
# "at least".
COUNT_CAP = 300
SHARED_KINDS = ("question", "template")  # the only kinds with rows of SHARED_OWNER
# Up to this many matches (over the kinds asked for) are ranked by bm25. bm25 reads every
# posting of each term in the whole index to weigh it, so a broad search, where ranking
# means little anyway, is shown newest first instead.
RANK_LIMIT = 200
# A longer prefix is spelled out as at most this many words; more, and FTS5 expands it.
MAX_EXPANSION = 32


@lru_cache(maxsize=512)
def _statement(sql: str, expanding: str = "") -> TextClause:
    """``sql`` as a statement, parsed once: the searches build a few shapes many times."""
    statement = text(sql)
    return statement.bindparams(bindparam(expanding, expanding=True)) if expanding else statement


def _ranges(owner: int, kind: str) -> list[tuple[int, int]]:
    """The rowid ranges of one user's entries of one kind (and the shared ones, if any)."""
    owners = [owner, SHARED_OWNER] if kind in SHARED_KINDS else [owner]
    code = KIND_CODES[kind] << KIND_SHIFT
    return [
        ((o << OWNER_SHIFT) | code, (o << OWNER_SHIFT) | code | ((1 << KIND_SHIFT) - 1))
        for o in owners
    ]


def _sqlite_parts(
    owner: int, kinds: list[str], select: str, table: str, tail: str
) -> tuple[str, dict]:
    """One sub-select per kind and owner range (``tail`` orders and caps it), in a UNION ALL."""
    parts, params = [], {}
    for kind in kinds:
        for n, (lo, hi) in enumerate(_ranges(owner, kind)):
            name = f"{kind}{n}"
            params[f"lo_{name}"], params[f"hi_{name}"] = lo, hi
            parts.append(
                f"SELECT * FROM (SELECT {select} FROM {table} WHERE {table} MATCH :match"
                f" AND rowid BETWEEN :lo_{name} AND :hi_{name}{tail})"
            )
    return " UNION ALL ".join(parts), params


def _sqlite_ranked(owner: int, kinds: list[str]) -> tuple[str, dict]:
    """The kinds' matches with their bm25, one cursor per owner range: bm25 weighs each
    term by how rare it is in the whole index, worked out once per cursor."""
    codes = ", ".join(str(KIND_CODES[kind]) for kind in kinds)
    parts, params = [], {}
    for n, owner_id in enumerate(
        [owner, SHARED_OWNER] if set(kinds) & set(SHARED_KINDS) else [owner]
    ):
        ranges = [r for kind in kinds for r in _ranges(owner_id, kind)[:1]]
        params[f"lo{n}"], params[f"hi{n}"] = min(r[0] for r in ranges), max(r[1] for r in ranges)
        parts.append(
            "SELECT rowid, bm25(search_index, 4.0, 1.0) AS score FROM search_index"
            f" WHERE search_index MATCH :match AND rowid BETWEEN :lo{n} AND :hi{n}"
            f" AND (rowid >> {KIND_SHIFT}) & 15 IN ({codes})"
        )
    return " UNION ALL ".join(parts), params


_VOCABULARY = text(
    "SELECT term FROM search_index_vocab WHERE term >= :start AND term < :stop"
    f" LIMIT {MAX_EXPANSION + 1}"
)


def _expansion(session: Session, terms: list[terms_of.Term]) -> tuple[str, ...] | None:
    """The indexed words the last term's prefix stands for; None: too many, let FTS5 expand."""
    if not terms[-1].prefix:
        return None
    start = terms[-1].tokens[-1]
    words = session.execute(_VOCABULARY, {"start": start, "stop": start + "\U0010ffff"})
    found = tuple(str(w) for (w,) in words)
    return found if len(found) <= MAX_EXPANSION else None


def _sqlite_probe(
    session: Session, owner: int, table: str, match: str, limit: int
) -> list[int] | None:
    """Every match of the caller (and the shared rows), when there are at most ``limit`` in
    each; None when there are more. One cursor per owner, stopping at ``limit`` + 1: a
    narrow search (most are) learns its counts here, with no cursor per kind."""
    parts, params = [], {"match": match}
    for n, owner_id in enumerate((owner, SHARED_OWNER)):
        params[f"lo{n}"] = owner_id << OWNER_SHIFT
        params[f"hi{n}"] = (owner_id << OWNER_SHIFT) | ((1 << OWNER_SHIFT) - 1)
        parts.append(
            f"SELECT * FROM (SELECT rowid FROM {table} WHERE {table} MATCH :match"
            f" AND rowid BETWEEN :lo{n} AND :hi{n} LIMIT {limit + 1})"
        )
    rowids = [int(r) for (r,) in session.execute(_statement(" UNION ALL ".join(parts)), params)]
    own = sum(1 for r in rowids if r >> OWNER_SHIFT == owner)
    return rowids if max(own, len(rowids) - own) <= limit else None


def _sqlite_search(
    session: Session, owner: int, terms: list[terms_of.Term], kinds: list[str], page: tuple
) -> tuple[dict[int, int], list[int]]:
    """Counts per kind code, and the rowids of the page (limit, offset), best first."""
    short = terms_of.short_prefix(terms)
    if short:
        table, match = "search_index_prefix", terms_of.fts5_match(terms)
    else:
        expansion = _expansion(session, terms)
        if expansion == ():
            return {}, []
        table, match = "search_index", terms_of.fts5_match(terms, expansion)
    # A 2-3 letter prefix is broad at any size that makes speed matter: no probe for it.
    found = (
        None if short else _sqlite_probe(session, owner, table, match, min(RANK_LIMIT, COUNT_CAP))
    )
    if found is not None:
        counts: dict[int, int] = {}
        for rowid in found:
            code = (rowid >> KIND_SHIFT) & 15
            counts[code] = counts.get(code, 0) + 1
    else:
        union, params = _sqlite_parts(
            owner, list(SEARCH_KINDS), "rowid", table, f" LIMIT {COUNT_CAP}"
        )
        count_rows = session.execute(
            _statement(f"SELECT (rowid >> {KIND_SHIFT}) & 15, count(*) FROM ({union}) GROUP BY 1"),
            {**params, "match": match},
        ).all()
        counts = {int(code): int(n) for code, n in count_rows}
    wanted = [kind for kind in kinds if counts.get(KIND_CODES[kind])]
    if not wanted:
        return counts, []
    ranked = not short and sum(counts[KIND_CODES[kind]] for kind in wanted) <= RANK_LIMIT
    if found is not None and not ranked:
        # Every match is known already: each kind newest first, kinds in their usual order.
        wanted_codes = {KIND_CODES[kind] for kind in wanted}
        newest = sorted(
            (r for r in found if (r >> KIND_SHIFT) & 15 in wanted_codes),
            key=lambda r: ((r >> KIND_SHIFT) & 15, -r),
        )
        return counts, newest[page[1] : page[1] + page[0]]
    if ranked:
        union, params = _sqlite_ranked(owner, wanted)
    else:
        # Many matches (or the prefix index, which keeps no positions): each kind newest
        # first, kinds in their usual order; the counts lead to a narrower search.
        score = f"(rowid >> {KIND_SHIFT}) & 15"
        tail = f" ORDER BY rowid DESC LIMIT {min(page[0] + page[1], COUNT_CAP)}"
        union, params = _sqlite_parts(owner, wanted, f"rowid, {score} AS score", table, tail)
    rows = session.execute(
        _statement(
            f"SELECT rowid FROM ({union}) ORDER BY score, rowid DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "match": match, "limit": page[0], "offset": page[1]},
    ).all()
    return counts, [int(r[0]) for r in rows]


_POSTGRESQL_QUERY = "to_tsquery('rapport_search', :tsquery)"
_POSTGRESQL_MATCH = f"owner_id IN (:owner, :shared) AND document @@ {_POSTGRESQL_QUERY}"
# The same test as a function call, which no index can answer: a kind's rows are then read
# newest first along the primary key (kind, row_id) and the read stops at the cap.
_POSTGRESQL_SCAN = f"owner_id IN (:owner, :shared) AND ts_match_vq(document, {_POSTGRESQL_QUERY})"
# One bitmap scan of the GIN index counts every kind (GIN has no order to stop early in).
_POSTGRESQL_COUNTS = (
    f"SELECT kind, count(*) FROM search_index WHERE {_POSTGRESQL_MATCH} GROUP BY kind"
)
# The planner's estimates (column statistics; nothing is read) of the caller's matches and
# of the whole index, in one statement.
_POSTGRESQL_ESTIMATE = (
    f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_index WHERE {_POSTGRESQL_MATCH}"
    " UNION ALL SELECT 1 FROM search_index"
)
# A search is "broad" (a 2-3 letter prefix, a common word) when the planner expects this many
# matches and they are this share of the index or more. The GIN index hands over every match
# and each is then read from the table (300 ms for "fa" at 100k contacts); the newest rows of
# each kind hold COUNT_CAP matches after a few thousand instead. The share keeps a rare word
# on the GIN index however large the index grows, and one user's search among many users'
# rows (the primary key is not per owner).
BROAD_MATCHES = 2_000
BROAD_SHARE = 0.01
_POSTGRESQL_RANKED = (
    f"SELECT kind, row_id FROM search_index WHERE {_POSTGRESQL_MATCH} AND kind IN :codes"
    f" ORDER BY ts_rank(document, {_POSTGRESQL_QUERY}) DESC, kind, row_id DESC"
    " LIMIT :limit OFFSET :offset"
)


def _postgresql_newest(kinds: list[str], page: tuple, match: str) -> str:
    """Each kind's newest matches (up to the page's end and COUNT_CAP), kinds in order."""
    parts = " UNION ALL ".join(
        f"(SELECT kind, row_id FROM search_index WHERE {match}"
        f" AND kind = {KIND_CODES[kind]} ORDER BY row_id DESC"
        f" LIMIT {min(page[0] + page[1], COUNT_CAP)})"
        for kind in kinds
    )
    return (
        f"SELECT * FROM ({parts}) AS newest ORDER BY kind, row_id DESC LIMIT :limit OFFSET :offset"
    )


def _postgresql_capped_counts() -> str:
    """Each kind's matches up to COUNT_CAP, newest first along the primary key."""
    return " UNION ALL ".join(
        f"(SELECT {code}, count(*) FROM (SELECT 1 FROM search_index WHERE kind = {code}"
        f" AND {_POSTGRESQL_SCAN} ORDER BY row_id DESC LIMIT {COUNT_CAP}) AS kind{code})"
        for code in sorted(KINDS_BY_CODE)
    )


def _postgresql_broad(session: Session, params: dict) -> bool:
    """True when the planner expects a broad search (BROAD_MATCHES, BROAD_SHARE)."""
    plan = session.execute(_statement(_POSTGRESQL_ESTIMATE), params).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    matches, everything = (float(part["Plan Rows"]) for part in plan[0]["Plan"]["Plans"])
    return matches >= BROAD_MATCHES and matches >= BROAD_SHARE * everything


def _postgresql_search(
    session: Session, owner: int, terms: list[terms_of.Term], kinds: list[str], page: tuple
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Counts per kind code, and (kind code, row id) of the page, best first."""
    params = {"owner": owner, "shared": SHARED_OWNER, "tsquery": terms_of.tsquery_text(terms)}
    broad = _postgresql_broad(session, params)
    counts = {
        int(code): int(n)
        for code, n in session.execute(
            _statement(_postgresql_capped_counts() if broad else _POSTGRESQL_COUNTS), params
        )
        if n
    }
    wanted = [kind for kind in kinds if counts.get(KIND_CODES[kind])]
    if not wanted:
        return counts, []
    params |= {"limit": page[0], "offset": page[1]}
    if not broad and sum(min(counts[KIND_CODES[kind]], COUNT_CAP) for kind in wanted) <= RANK_LIMIT:
        codes = [KIND_CODES[kind] for kind in wanted]
        rows = session.execute(_statement(_POSTGRESQL_RANKED, "codes"), {**params, "codes": codes})
    else:
        # As on SQLite: past RANK_LIMIT matches, newest first without reading any document.
        match = _POSTGRESQL_SCAN if broad else _POSTGRESQL_MATCH
        rows = session.execute(_statement(_postgresql_newest(wanted, page, match)), params)
    return counts, [(int(code), int(row_id)) for code, row_id in rows]


@dataclass
class SearchHit:
    """One matching record: its kind, ids, marked-up title and snippet, and its page."""

    kind: str
    id: int
    parent_id: int | None
    title: str
    title_html: str
    snippet_html: str
    url: str


@dataclass
class SearchResults:
    """A page of hits, best first, with the number of matches per kind (up to COUNT_CAP)."""

    items: list[SearchHit]
    total: int
    limit: int
    offset: int
    counts: dict[str, int] = field(default_factory=dict)
    count_cap: int = COUNT_CAP

    def groups(self) -> list[tuple[str, list[SearchHit]]]:
        """The page's hits under their kinds, a kind placed where its best hit ranks."""
        grouped: dict[str, list[SearchHit]] = {}
        for hit in self.items:
            grouped.setdefault(hit.kind, []).append(hit)
        return list(grouped.items())


def marked_html(marked: str) -> str:
    """Text with START/STOP markers as safe HTML: escaped, matches in balanced <mark>s."""
    out: list[str] = []
    open_mark = False
    for i, part in enumerate(marked.replace(STOP, START).split(START)):
        if i:
            # Markers alternate start/stop; a stray one in stored text can only close or
            # open a <mark>, never leave one unbalanced or let raw HTML through.
            out.append("</mark>" if open_mark else "<mark>")
            open_mark = not open_mark
        out.append(html.escape(part, quote=True))
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")


def url_for_hit(kind: str, row_id: int, parent_id: int | None) -> str:
    """The page that shows a record, scrolled to it where it is part of a bigger page."""
    if kind == "answer":
        return f"/interviews/{parent_id}#agenda-item-{row_id}"
    if kind == "question":
        return f"/question-banks/{parent_id}#q-{row_id}"
    if kind == "interaction":
        return f"/contacts/{parent_id}#interactions"
    paths = {
        "contact": "/contacts",
        "organization": "/organizations",
        "career": "/careers",
        "interview": "/interviews",
        "follow_up": "/follow-ups",
        "template": "/message-templates",
    }
    return f"{paths[kind]}/{row_id}"


def _hits(
    session: Session, dialect: str, keys: list[tuple[int, int]], terms: list[terms_of.Term]
) -> list[SearchHit]:
    """The page's hits in ``keys`` order (kind code, row id), read from their own tables."""
    wanted: dict[int, list[int]] = {}
    for code, row_id in keys:
        wanted.setdefault(code, []).append(row_id)
    found: dict[tuple[int, int], SearchHit] = {}
    for code, ids in wanted.items():
        kind = KINDS_BY_CODE[code]
        statement = _statement(display_statement(dialect, kind), "ids")
        for row_id, parent_id, title, body in session.execute(statement, {"ids": ids}):
            title, body = _clean(title), _clean(body)
            found[(code, row_id)] = SearchHit(
                kind=kind,
                id=row_id,
                parent_id=parent_id,
                title=title,
                title_html=marked_html(terms_of.marked(title, terms, START, STOP)),
                snippet_html=marked_html(
                    terms_of.marked(body, terms, START, STOP, SNIPPET_WORDS).strip()
                ),
                url=url_for_hit(kind, row_id, parent_id),
            )
    # A row deleted between the two reads is simply left out.
    return [found[key] for key in keys if key in found]


def _clean(value: str | None) -> str:
    # Stored text never carries the markers: they would open or close a <mark>.
    return (value or "").replace(START, "").replace(STOP, "")


def search(
    session: Session,
    user: User,
    q: str,
    *,
    kinds: list[str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """The user's records (and the built-ins they read) matching ``q``, best first."""
    assert user.id is not None
    terms = terms_of.parse(q)
    if not terms_of.searchable(terms):
        return SearchResults([], 0, limit, offset, {})
    wanted = list(dict.fromkeys(kinds or SEARCH_KINDS))
    dialect = session.get_bind().dialect.name
    keys: list[tuple[int, int]]
    if dialect == "postgresql":
        count_codes, keys = _postgresql_search(session, user.id, terms, wanted, (limit, offset))
    else:
        count_codes, rowids = _sqlite_search(session, user.id, terms, wanted, (limit, offset))
        id_mask = (1 << KIND_SHIFT) - 1
        keys = [((r >> KIND_SHIFT) & 15, r & id_mask) for r in rowids]
    counts = {
        kind: min(count_codes[code], COUNT_CAP)
        for kind, code in KIND_CODES.items()
        if count_codes.get(code)
    }
    total = sum(counts.get(kind, 0) for kind in wanted)
    hits = _hits(session, dialect, keys, terms)
    return SearchResults(hits, total, limit, offset, counts, COUNT_CAP)


def rebuild_index(session: Session) -> int:
    """Drop and rebuild the search index from every source table; the rows it now holds."""
    for statement in DDL_BY_DIALECT[session.get_bind().dialect.name]:
        session.execute(text(statement))
    session.commit()
    return int(session.execute(text("SELECT count(*) FROM search_index")).scalar_one())


def compact_index(conn: Connection) -> None:
    """Fold the index's segments into one after a bulk load (SQLite; PostgreSQL needs nothing)."""
    if conn.dialect.name == "sqlite":
        # A load through the triggers leaves many small FTS5 segments; a search reads them
        # all until FTS5's automatic merges catch up (p95 halved at 100k contacts).
        for table in ("search_index", "search_index_prefix"):
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


@contextmanager
def bulk_indexing(conn: Connection, kinds: Iterable[str] = SEARCH_KINDS) -> Iterator[None]:
    """Index the rows of ``kinds`` inserted meanwhile in one statement per kind and table at
    the end.

    For writers of many rows in one transaction (the seeder, imports). SQLite opens a
    statement savepoint for each row an executemany inserts, and FTS5 writes what it holds
    at each: a segment per row and table, twice the cost of the rows themselves. Meanwhile
    the triggers leave those rows alone (models.SQLITE_BULK_TABLE): rows with ids above
    each kind's highest at the start, which only this transaction can write (SQLite has one
    writer), updates and deletes of them included. Rows that were there before keep their
    triggers. On PostgreSQL nothing changes: its triggers write no segments.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    bounds: dict[str, int] = {}
    for kind in kinds:
        bounds[kind] = int(
            conn.exec_driver_sql(
                f"SELECT coalesce(max(id), 0) FROM {display_table(kind)}"
            ).scalar_one()
        )
        conn.execute(
            _statement("INSERT INTO search_index_bulk (kind, after_id) VALUES (:kind, :after_id)"),
            {"kind": KIND_CODES[kind], "after_id": bounds[kind]},
        )
    try:
        yield
    finally:
        # Also after an error: a caller that catches it and commits keeps a right index.
        conn.execute(_statement("DELETE FROM search_index_bulk"))
        for kind, after_id in bounds.items():
            for statement in sqlite_bulk_fill(kind):
                conn.execute(_statement(statement), {"after_id": after_id})
