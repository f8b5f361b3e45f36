"""One search over everything a user wrote, read from the trigger-maintained index.

The index finds and counts; the page's rows are then read from their own tables and marked
up here (app.search.query.marked), so the index stores no text.
"""

from __future__ import annotations

import html
import json
import re
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, TextClause, TextualSelect, bindparam, text
from sqlmodel import Session

from app.auth.models import User
from app.db import UTCDateTime
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
from app.timezones import user_zone

# Matches are wrapped in these (stored ones are dropped first), so the text can be
# HTML-escaped and the <mark>s put in afterwards.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 16
# Counting stops at this many matches per kind: a two-letter prefix can match most of an
# account, and reading every match is what made a search slow; a count equal to it means
# "at least".
COUNT_CAP = 300
SHARED_KINDS = ("question", "template")  # the only kinds with rows of SHARED_OWNER
# Up to this many matches (over the kinds asked for) are ranked by BM25: on SQLite each
# match's text is read and scored (app.search.query.scores), on PostgreSQL ts_rank reads each
# document. A broad search, where ranking means little anyway, is shown newest first instead.
RANK_LIMIT = 200
# A search whose last word stands for several indexed words first reads every match of the
# caller (and of the shared rows) when there are at most this many of each: its counts and
# page then come from those rowids. Counting opens a cursor per kind and owner, and each
# merges every word's postings (5-6 ms for "thom" or "mart" at 100k contacts), where one
# cursor per owner reads 1,000 matches in about 1 ms. Other searches probe RANK_LIMIT: a
# single word's cursors per kind stop at COUNT_CAP cheaply (0.8 ms for a word in 1,200 rows).
PROBE_LIMIT = 2_500
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


_VOCABULARY = text(
    "SELECT term FROM search_index_vocab WHERE term >= :start AND term < :stop"
    f" LIMIT {MAX_EXPANSION + 1}"
)
# What the index holds, as exactly as it can be read in one indexed row: FTS5's structure
# record (row 10 of its %_data table: the segments, and a counter of the leaves ever
# written, so every write that reaches the index changes it, a trigger's uncommitted one
# included, since FTS5 writes out its pending terms at the end of each such statement) and
# the schema's version (``rapport reindex`` recreates the table, restarting that counter).
_INDEX_STATE = text(
    "SELECT (SELECT schema_version FROM pragma_schema_version), block"
    " FROM search_index_data WHERE id = 10"
)
# Prefixes whose expansion a worker remembers per database, while the index is unchanged.
VOCABULARY_CACHE_SIZE = 2048


class _Vocabulary(NamedTuple):
    state: tuple[object, ...]
    expansions: dict[str, tuple[str, ...] | None]


# Per engine (one database); weak, so a disposed test engine takes its entries with it.
_vocabularies: weakref.WeakKeyDictionary[object, _Vocabulary] = weakref.WeakKeyDictionary()


def _expansion(session: Session, terms: list[terms_of.Term]) -> tuple[str, ...] | None:
    """The indexed words the last term's prefix stands for; None: too many, let FTS5 expand.

    fts5vocab counts every posting of each word it lists, in every user's rows: 20-40 ms
    for "work" at 100k contacts, more than the search itself. So a worker keeps the answer
    for as long as the index's state is the one it was read under (``_INDEX_STATE``): any
    write to the index, from any connection or process, starts the cache afresh.
    """
    if not terms[-1].prefix:
        return None
    start = terms[-1].tokens[-1]
    state = tuple(session.execute(_INDEX_STATE).one())
    bind = session.get_bind()
    vocabulary = _vocabularies.get(bind)
    if vocabulary is None or vocabulary.state != state:
        vocabulary = _vocabularies[bind] = _Vocabulary(state, {})
    else:
        try:  # one lookup: another thread may clear the entries between two
            return vocabulary.expansions[start]
        except KeyError:
            pass
    words = session.execute(_VOCABULARY, {"start": start, "stop": start + "\U0010ffff"})
    found = tuple(str(w) for (w,) in words)
    expansion = found if len(found) <= MAX_EXPANSION else None
    if len(vocabulary.expansions) >= VOCABULARY_CACHE_SIZE:
        vocabulary.expansions.clear()  # bounded; the prefixes typed next fill it again
    vocabulary.expansions[start] = expansion
    return expansion


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


def _page_slices(counts: list[tuple[int, int]], page: tuple) -> list[tuple[int, int, int]]:
    """(kind code, how many, how many to skip) of each kind the page (limit, offset) falls
    on, for ``counts`` in the kinds' usual order, each kind newest first and at most
    COUNT_CAP of it: only those kinds are read (usually one), not every kind that matched."""
    limit, offset = page
    slices, start = [], 0
    for code, count in counts:
        end = start + min(count, COUNT_CAP)
        if end > offset and start < offset + limit:
            skip = max(0, offset - start)
            slices.append((code, min(end, offset + limit) - start - skip, skip))
        start = end
    return slices


def _sqlite_search(
    session: Session, owner: int, terms: list[terms_of.Term], kinds: list[str], page: tuple
) -> tuple[dict[int, int], list[int], bool]:
    """Counts per kind code, and rowids: the page's (limit, offset) in order or, when the
    third value is True, every match of ``kinds``, for the caller to rank."""
    short = terms_of.short_prefix(terms)
    expansion = None
    if short:
        table, match = "search_index_prefix", terms_of.fts5_match(terms)
    else:
        expansion = _expansion(session, terms)
        if expansion == ():
            return {}, [], False
        table, match = "search_index", terms_of.fts5_match(terms, expansion)
    # A 2-3 letter prefix is broad at any size that makes speed matter: no probe for it.
    several = terms[-1].prefix and (expansion is None or len(expansion) > 1)
    limit = PROBE_LIMIT if several else min(RANK_LIMIT, COUNT_CAP)
    found = None if short else _sqlite_probe(session, owner, table, match, limit)
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
        return counts, [], False
    ranked = not short and sum(counts[KIND_CODES[kind]] for kind in wanted) <= RANK_LIMIT
    if found is not None:
        # Every match is known already.
        wanted_codes = {KIND_CODES[kind] for kind in wanted}
        matches = [r for r in found if (r >> KIND_SHIFT) & 15 in wanted_codes]
        if ranked:
            return counts, matches, True
        own = sum(1 for r in found if r >> OWNER_SHIFT == owner)
        if max(own, len(found) - own) <= min(RANK_LIMIT, COUNT_CAP):
            # Each kind newest first, kinds in their usual order.
            newest = sorted(matches, key=lambda r: ((r >> KIND_SHIFT) & 15, -r))
            return counts, newest[page[1] : page[1] + page[0]], False
        # More: the page the counted read below gives (kinds in the order asked for, each
        # newest first and at most COUNT_CAP of it), from the rowids in hand.
        by_code: dict[int, list[int]] = {}
        for rowid in sorted(matches, reverse=True):
            by_code.setdefault((rowid >> KIND_SHIFT) & 15, []).append(rowid)
        counted = [(KIND_CODES[kind], counts[KIND_CODES[kind]]) for kind in wanted]
        picked = [
            rowid
            for code, take, skip in _page_slices(counted, page)
            for rowid in by_code[code][skip : skip + take]
        ]
        return counts, sorted(picked, key=lambda r: ((r >> KIND_SHIFT) & 15, -r)), False
    if ranked:
        union, params = _sqlite_parts(owner, wanted, "rowid", table, f" LIMIT {COUNT_CAP}")
        rows = session.execute(_statement(union), {**params, "match": match})
        return counts, [int(r) for (r,) in rows], True
    # Many matches (or the prefix index, which keeps no positions): each kind newest first,
    # kinds in their usual order; the counts lead to a narrower search.
    slices = _page_slices([(KIND_CODES[kind], counts[KIND_CODES[kind]]) for kind in wanted], page)
    if not slices:
        return counts, [], False  # past the last match
    parts, params = [], {"match": match}
    for code, take, skip in slices:
        kind = KINDS_BY_CODE[code]
        params[f"take{code}"], params[f"skip{code}"] = take, skip
        params[f"end{code}"] = take + skip
        union, ranges = _sqlite_parts(
            owner, [kind], "rowid", table, f" ORDER BY rowid DESC LIMIT :end{code}"
        )
        params |= ranges
        parts.append(
            f"SELECT * FROM (SELECT rowid FROM ({union}) ORDER BY rowid DESC"
            f" LIMIT :take{code} OFFSET :skip{code})"
        )
    rows = session.execute(
        _statement(
            f"SELECT rowid FROM ({' UNION ALL '.join(parts)})"
            f" ORDER BY (rowid >> {KIND_SHIFT}) & 15, rowid DESC"
        ),
        params,
    ).all()
    return counts, [int(r[0]) for r in rows], False


_POSTGRESQL_QUERY = "to_tsquery('rapport_search', :tsquery)"
_POSTGRESQL_MATCH = f"owner_id IN (:owner, :shared) AND document @@ {_POSTGRESQL_QUERY}"
# The same test as a function call, which no index can answer: a kind's rows are then read
# newest first along the primary key (kind, row_id) and the read stops at the cap.
_POSTGRESQL_SCAN = f"owner_id IN (:owner, :shared) AND ts_match_vq(document, {_POSTGRESQL_QUERY})"
# One bitmap scan of the GIN index counts every kind (GIN has no order to stop early in);
# with each kind's highest row id (one step down the primary key), which bounds its rows.
_POSTGRESQL_COUNTS = (
    f"SELECT kind, count(*), (SELECT max(row_id) FROM search_index AS k WHERE k.kind = m.kind)"
    f" FROM search_index AS m WHERE {_POSTGRESQL_MATCH} GROUP BY kind"
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


def _postgresql_newest(slices: list[tuple[int, int, int]], scans: frozenset[int]) -> str:
    """The newest matches of the page's kinds (``_page_slices``), kinds in order; the kinds
    in ``scans`` read along the primary key, the others through the GIN index."""
    parts = " UNION ALL ".join(
        f"(SELECT kind, row_id FROM search_index"
        f" WHERE {_POSTGRESQL_SCAN if code in scans else _POSTGRESQL_MATCH} AND kind = {code}"
        f" ORDER BY row_id DESC LIMIT :take{code} OFFSET :skip{code})"
        for code, _, _ in slices
    )
    return f"SELECT * FROM ({parts}) AS newest ORDER BY kind, row_id DESC"


def _postgresql_capped_counts() -> str:
    """Each kind's matches up to COUNT_CAP, newest first along the primary key."""
    return " UNION ALL ".join(
        f"(SELECT {code}, count(*), NULL FROM (SELECT 1 FROM search_index WHERE kind = {code}"
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


def _scanned(counts: dict[int, int], spans: dict[int, int], page: tuple) -> frozenset[int]:
    """The kinds whose newest matches are cheaper to find along the primary key.

    Through the GIN index every match of the kind is read and sorted; along the key, about
    (the page's end) x (the kind's rows, every owner's, which its highest row id bounds) /
    (its matches) rows are read before the page is full. So the key wins where the matches
    are dense: at 50k contacts, 1,100 matches of two words took 34 ms through the index and
    1.6 ms along the key.
    """
    end = page[0] + page[1]
    return frozenset(
        code for code, count in counts.items() if count * count >= end * spans.get(code, 0)
    )


def _postgresql_search(
    session: Session, owner: int, terms: list[terms_of.Term], kinds: list[str], page: tuple
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Counts per kind code, and (kind code, row id) of the page, best first."""
    params = {"owner": owner, "shared": SHARED_OWNER, "tsquery": terms_of.tsquery_text(terms)}
    broad = _postgresql_broad(session, params)
    count_rows = session.execute(
        _statement(_postgresql_capped_counts() if broad else _POSTGRESQL_COUNTS), params
    ).all()
    counts = {int(code): int(n) for code, n, _ in count_rows if n}
    spans = {int(code): int(top) for code, n, top in count_rows if n and top is not None}
    wanted = [kind for kind in kinds if counts.get(KIND_CODES[kind])]
    if not wanted:
        return counts, []
    if not broad and sum(min(counts[KIND_CODES[kind]], COUNT_CAP) for kind in wanted) <= RANK_LIMIT:
        codes = [KIND_CODES[kind] for kind in wanted]
        rows = session.execute(
            _statement(_POSTGRESQL_RANKED, "codes"),
            {**params, "codes": codes, "limit": page[0], "offset": page[1]},
        )
    else:
        # As on SQLite: past RANK_LIMIT matches, newest first without reading any document.
        slices = _page_slices([(KIND_CODES[k], counts[KIND_CODES[k]]) for k in wanted], page)
        if not slices:
            return counts, []  # past the last match
        for code, take, skip in slices:
            params |= {f"take{code}": take, f"skip{code}": skip}
        paged = {code: counts[code] for code, _, _ in slices}
        scans = frozenset(paged) if broad else _scanned(paged, spans, page)
        rows = session.execute(_statement(_postgresql_newest(slices, scans)), params)
    return counts, [(int(code), int(row_id)) for code, row_id in rows]


@dataclass
class SearchHit:
    """One matching record: its kind, ids, marked-up title and snippet, where it belongs
    (an answer: its interview), and its page."""

    kind: str
    id: int
    parent_id: int | None
    title: str
    title_html: str
    snippet_html: str
    url: str
    context: str | None = None


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


class Row(NamedTuple):
    """A hit's record as its table holds it: the indexed title and body (which rank it),
    and the contact and date of the interview it is or belongs to, if any."""

    parent_id: int | None
    title: str
    body: str
    contact_name: str | None
    interview_at: datetime | None


@lru_cache(maxsize=32)
def _display(dialect: str, code: int) -> TextualSelect:
    """The read of a kind's rows by id, its date typed so both databases hand back UTC."""
    return (
        text(display_statement(dialect, KINDS_BY_CODE[code]))
        .bindparams(bindparam("ids", expanding=True))
        .columns(context_at=UTCDateTime())
    )


def _rows(
    session: Session, dialect: str, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], Row]:
    """Each (kind code, row id)'s Row, read from its own table (one statement per kind)."""
    wanted: dict[int, list[int]] = {}
    for code, row_id in keys:
        wanted.setdefault(code, []).append(row_id)
    found: dict[tuple[int, int], Row] = {}
    for code, ids in wanted.items():
        for row_id, parent_id, title, body, name, at in session.execute(
            _display(dialect, code), {"ids": ids}
        ):
            found[(code, row_id)] = Row(parent_id, _clean(title), _clean(body), name, at)
    return found


def _best(
    keys: list[tuple[int, int]], rows: dict[tuple[int, int], Row], terms: list[terms_of.Term]
) -> list[tuple[int, int]]:
    """``keys`` best first by BM25; ties: kinds in their usual order, each newest first."""
    present = [key for key in keys if key in rows]
    weights = terms_of.scores(terms, [(rows[key].title, rows[key].body) for key in present])
    order = sorted(range(len(present)), key=lambda i: (-weights[i], present[i][0], -present[i][1]))
    return [present[i] for i in order]


def interview_name(contact_name: str | None, at: datetime | None, zone: ZoneInfo) -> str:
    """An interview as the app's pages name one: its contact and, once scheduled, its day."""
    name = f"Interview with {contact_name or 'a contact'}"
    if at is None:
        return name
    day = at.astimezone(zone)
    return f"{name} · {day.day} {day:%b %Y}"


# Markdown's markup around text a snippet keeps (research notes, summaries and notes are
# Markdown): each pattern is replaced by its first group, or by nothing when it has none. A
# pattern runs only on text holding one of its characters: most text has no markup, and a
# pass costs a few microseconds even over a short text.
_MARKDOWN = tuple(
    (re.compile(pattern, re.MULTILINE), replacement, needs)
    for pattern, replacement, needs in (
        (r"^[ \t]*(?:```|~~~).*$", "", "`~"),  # code fences
        (r"^[ \t]*(?:[-*_][ \t]*){3,}$", "", "-*_"),  # rules
        (r"^[ \t]*=+[ \t]*$", "", "="),  # a heading's underline
        (r"^[ \t]*\[[^\]\n]+\]:[ \t]+\S.*$", "", "["),  # link definitions
        # Headings, quotes and list bullets, nested ones included ("> - item").
        (r"^[ \t]*(?:(?:#{1,6}|>|[-*+]|\d{1,9}[.)])(?:[ \t]+|$))+", "", "#>-*+.)"),
        (r"(`+)(.+?)\1", r"\2", "`"),  # code
        (r"!?\[([^\]\n]*)\]\([^)\n]*\)", r"\1", "["),  # links and images: their text
        (r"\[([^\]\n]+)\]\[[^\]\n]*\]", r"\1", "["),  # reference links
        (r"<((?:https?|mailto):[^>\s]+)>", r"\1", "<"),  # autolinks
        (r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", "*"),
        (r"(?<![^\W_])__(?=\S)(.+?)(?<=\S)__(?![^\W_])", r"\1", "_"),
        (r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", "~"),
        # Single markers last, once the doubled ones are gone; "_" only at word edges, so
        # snake_case and 2 * 3 * 4 stay as written.
        (r"\*(?=\S)(.+?)(?<=\S)\*", r"\1", "*"),
        (r"(?<![^\W_])_(?=\S)(.+?)(?<=\S)_(?![^\W_])", r"\1", "_"),
    )
)


# Whether any pattern above can apply, in two passes over text without markup (most) rather
# than one per pattern; as one alternation the line-start branch was tried at every
# character (twice as slow).
_MARKUP_CHARACTER = re.compile(r"[`~\[<*_#]")
_MARKUP_LINE_START = re.compile(r"^[ \t]*(?:[>+=-]|\d{1,9}[.)])", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """``markdown`` as the words a reader sees, without its markup, on one line.

    Patterns rather than app.markdown's parser: walking markdown-it's tokens gave the same
    words for a 400-character note in 400 us, these in 50 us, and a page has 20 snippets.
    """
    if not (_MARKUP_CHARACTER.search(markdown) or _MARKUP_LINE_START.search(markdown)):
        return " ".join(markdown.split())
    for pattern, replacement, needs in _MARKDOWN:
        if any(ch in markdown for ch in needs):
            markdown = pattern.sub(replacement, markdown)
    return " ".join(markdown.split())


def _hit(key: tuple[int, int], row: Row, terms: list[terms_of.Term], zone: ZoneInfo) -> SearchHit:
    """One hit, its title and snippet marked up."""
    kind, row_id = KINDS_BY_CODE[key[0]], key[1]
    title, body, context = row.title, row.body, None
    if kind == "interview":
        # Many interviews share a purpose: the hit is named by whom and when, and the
        # purpose joins the text the snippet is taken from.
        title, body = interview_name(row.contact_name, row.interview_at, zone), f"{title}\n{body}"
    elif kind == "answer":
        context = interview_name(row.contact_name, row.interview_at, zone)
    snippet = terms_of.marked(plain_text(body), terms, START, STOP, SNIPPET_WORDS)
    return SearchHit(
        kind=kind,
        id=row_id,
        parent_id=row.parent_id,
        title=title,
        title_html=marked_html(terms_of.marked(title, terms, START, STOP)),
        snippet_html=marked_html(snippet.strip()),
        url=url_for_hit(kind, row_id, row.parent_id),
        context=context,
    )


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
    ranked = False
    if dialect == "postgresql":
        count_codes, keys = _postgresql_search(session, user.id, terms, wanted, (limit, offset))
    else:
        count_codes, rowids, ranked = _sqlite_search(
            session, user.id, terms, wanted, (limit, offset)
        )
        id_mask = (1 << KIND_SHIFT) - 1
        keys = [((r >> KIND_SHIFT) & 15, r & id_mask) for r in rowids]
    counts = {
        kind: min(count_codes[code], COUNT_CAP)
        for kind, code in KIND_CODES.items()
        if count_codes.get(code)
    }
    total = sum(counts.get(kind, 0) for kind in wanted)
    rows = _rows(session, dialect, keys)
    if ranked:
        keys = _best(keys, rows, terms)[offset : offset + limit]
    # A row deleted between the reads is simply left out.
    zone = user_zone(user.timezone)
    hits = [_hit(key, rows[key], terms, zone) for key in keys if key in rows]
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
