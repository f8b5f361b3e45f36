"""One search over everything a user wrote, read from the trigger-maintained index.

The index finds and counts; the page's rows are then read from their own tables and marked
up here (app.search.query.marked), so the index stores no text.
"""

from __future__ import annotations

import bisect
import html
import json
import math
import re
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, TextClause, TextualSelect, bindparam, column, text
from sqlmodel import Session

from app.auth.models import User
from app.db import UTCDateTime, read_connection
from app.search import query as terms_of
from app.search.models import (
    DDL_BY_DIALECT,
    KIND_CODES,
    KIND_SHIFT,
    KINDS_BY_CODE,
    OWNER_SHIFT,
    SHARED_OWNER,
    display_statement,
    sqlite_bulk_fill,
    sqlite_bulk_start,
    sqlite_indexed_count,
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


@lru_cache(maxsize=512)
def _sqlite_read(sql: str, width: int) -> TextualSelect:
    """``sql``, a SELECT of ``width`` untyped columns, as a statement parsed once. Its
    columns are declared by position: SQLAlchemy then keeps the statement's result map,
    where a plain text() had its columns matched by name again at every execution (16 us
    rather than 22 us a statement)."""
    return text(sql).columns(*(column(f"c{n}") for n in range(width)))


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


# The table each kind is indexed from (app.search.models' sources), for the counting
# statement's test that the caller holds any row of it.
_KIND_TABLES = {
    "contact": "contacts",
    "organization": "organizations",
    "career": "careers",
    "interview": "interviews",
    "answer": "interview_questions",
    "question": "questions",
    "interaction": "interactions",
    "follow_up": "follow_ups",
    "template": "message_templates",
}


def _sqlite_counting(owner: int, table: str) -> tuple[TextualSelect, Mapping[str, int]]:
    """SELECT of one row, each kind's matches up to COUNT_CAP (per owner range) in
    SEARCH_KINDS' order, and its ranges and caps (``cap_<kind><n>``, which a probe that gave
    way may lower: _counting_known).

    A kind's cursor costs the same whether or not its range holds entries: FTS5 finds the
    range's start by reading the term's postings from the beginning (without a doclist
    index, as for most terms of one account, every posting before it: 190 us for "sq" at
    100k contacts, 60 us for "ja"). So a kind the caller has no row of (the owner's
    indexed column, one indexed lookup) asks for LIMIT 0, which SQLite answers without
    opening the cursor. Tested in the same statement, so it holds after any write.
    Both parts are kept: building them cost a counted search ~30 us.
    """
    return _counting_statement(table), _counting_bounds(owner, COUNT_CAP)


@lru_cache(maxsize=8)
def _counting_statement(table: str) -> TextualSelect:
    """_sqlite_counting's statement: the same for every owner (who is a parameter).

    Each range is counted by a scalar sub-select of its own, summed per kind, rather than
    its rows gathered into one GROUP BY: that fed every match (up to COUNT_CAP per kind)
    through a sorter, a third of the statement's instructions (callgrind, the bench's 79
    counted searches: 4.1 M -> 2.9 M instructions each).
    """
    columns = []
    for kind in SEARCH_KINDS:
        parts = []
        for n in range(len(_ranges(0, kind))):
            name = f"{kind}{n}"
            # Range 1 is the shared rows' (SHARED_OWNER): those without an owner.
            held = "owner_id IS NULL" if n else "owner_id = :owner"
            # A 2-3 letter prefix's postings in one account mostly have no doclist index,
            # so a cursor reaches its range by reading every posting before it ("al": 115
            # us a kind past 12k contacts), or, newest first, every posting after it. The
            # caller's last kinds are read newest first: past the follow-ups and templates
            # rather than every contact, answer and interview (the bench's 40 counted short
            # prefixes: 3.3 M -> 3.0 M instructions each; the words' table, whose long
            # doclists have that index, did 6 % worse so). Not the shared range: it comes
            # first in the index, and every account's postings follow it.
            last = KIND_CODES[kind] >= KIND_CODES["interaction"]
            newest = table == "search_index_prefix" and not n and last
            order = " ORDER BY rowid DESC" if newest else ""
            parts.append(
                f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH :match"
                f" AND rowid BETWEEN :lo_{name} AND :hi_{name}{order} LIMIT (CASE WHEN"
                f" :cap_{name} > 0 AND EXISTS (SELECT 1 FROM {_KIND_TABLES[kind]} WHERE {held})"
                f" THEN :cap_{name} ELSE 0 END)))"
            )
        columns.append(" + ".join(parts))
    return _sqlite_read(f"SELECT {', '.join(columns)}", len(columns))


@lru_cache(maxsize=1024)
def _counting_bounds(owner: int, cap: int) -> Mapping[str, int]:
    """The owner, its rowid ranges and their caps as _counting_statement names them
    (read-only: kept)."""
    params = {"owner": owner}
    for kind in SEARCH_KINDS:
        for n, (lo, hi) in enumerate(_ranges(owner, kind)):
            name = f"{kind}{n}"
            params[f"lo_{name}"], params[f"hi_{name}"], params[f"cap_{name}"] = lo, hi, cap
    return MappingProxyType(params)


class _Overflow(NamedTuple):
    """What a probe that gave way read of each owner's range (the caller's, the shared
    rows'): its rowids ascending as one comma-separated text ("" for none), and whether that
    is all of them (else its first matches, up to one past the probe's limit)."""

    own: str
    own_complete: bool
    shared: str
    shared_complete: bool


def _joined_below(joined: str, bound: int) -> int:
    """How many of the ascending comma-separated integers of ``joined`` are below ``bound``.

    A bisection over the text, reading a dozen of them: turning them all into ints cost
    ~0.2 us each, and a probe that gave way holds up to PROBE_LIMIT + 1.
    """
    low, high = 0, len(joined)  # both the start of an integer (or the text's end)
    while low < high:
        start = joined.rfind(",", 0, (low + high) // 2) + 1
        end = joined.find(",", start)
        end = len(joined) if end < 0 else end
        if int(joined[start:end]) < bound:
            low = end + 1
        else:
            high = start
    return joined.count(",") + 1 if low > len(joined) else joined.count(",", 0, low)


def _joined_counts(joined: str) -> dict[int, int]:
    """The rowids per kind code in ``joined`` (one owner's, ascending, comma-separated)."""
    if not joined:
        return {}
    comma = joined.find(",")
    first = int(joined if comma < 0 else joined[:comma])
    last = int(joined[joined.rfind(",") + 1 :])
    owner_base = first >> OWNER_SHIFT << OWNER_SHIFT
    last_code = (last >> KIND_SHIFT) & 15
    counts: dict[int, int] = {}
    below = 0
    # Each kind's rowids are one run: only the boundaries between the first's kind and
    # the last's are looked for.
    for code in range((first >> KIND_SHIFT) & 15, last_code + 1):
        if code == last_code:
            upto = joined.count(",") + 1
        else:
            upto = _joined_below(joined, owner_base | ((code + 1) << KIND_SHIFT))
        if upto > below:
            counts[code] = upto - below
        below = upto
    return counts


def _counting_known(overflow: _Overflow) -> tuple[dict[str, int], dict[int, int]]:
    """What the counting statement need not read again after a probe that gave way: its
    parameters to change, and the matches per kind code known already (each up to COUNT_CAP).

    The probe read the caller's range ascending up to one match past its limit, so every
    kind before that match's is known exactly and opens no cursor (a search of several
    words merges their postings in each: 100-500 us a kind at 100k contacts), and that
    match's kind is counted on from past it, only as far as the cap still needs. A range
    the probe read whole (the shared rows', nearly always) opens none either.
    """
    params: dict[str, int] = {}
    known: dict[int, int] = {}
    ranges = ((overflow.own, overflow.own_complete), (overflow.shared, overflow.shared_complete))
    for n, (joined, complete) in enumerate(ranges):
        if n and not complete:
            continue  # its cursors count it
        counts = _joined_counts(joined)
        last = 0 if complete else int(joined[joined.rfind(",") + 1 :])
        last_code = (last >> KIND_SHIFT) & 15
        for kind in SHARED_KINDS if n else SEARCH_KINDS:
            code, name = KIND_CODES[kind], f"{kind}{n}"
            seen = counts.get(code, 0)
            if complete or code < last_code:
                params[f"cap_{name}"] = 0
            elif code == last_code:
                params[f"lo_{name}"] = last + 1
                params[f"cap_{name}"] = max(0, COUNT_CAP - seen)
            else:
                continue
            if seen:
                known[code] = known.get(code, 0) + min(seen, COUNT_CAP)
    return params, known


_VOCABULARY = _sqlite_read(
    "SELECT term FROM search_index_vocab WHERE term >= :start AND term < :stop"
    f" LIMIT {MAX_EXPANSION + 1}",
    1,
)
# What the index holds, as exactly as it can be read in one indexed row: FTS5's structure
# record (row 10 of its %_data table: the segments, and a counter of the leaves ever
# written, so every write that reaches the index changes it, a trigger's uncommitted one
# included, since FTS5 writes out its pending terms at the end of each such statement) and
# the schema's version (``rapport reindex`` recreates the table, restarting that counter).
_INDEX_STATE = _sqlite_read(
    "SELECT (SELECT schema_version FROM pragma_schema_version), block"
    " FROM search_index_data WHERE id = 10",
    2,
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
    if vocabulary is not None and vocabulary.state == state:
        try:  # one lookup: another thread may clear the entries between two
            return vocabulary.expansions[start]
        except KeyError:
            pass
    words = session.execute(_VOCABULARY, {"start": start, "stop": start + "\U0010ffff"})
    found = tuple(str(w) for (w,) in words)
    expansion = found if len(found) <= MAX_EXPANSION else None
    if _may_hold_writes(session):
        return expansion
    if vocabulary is None or vocabulary.state != state:
        vocabulary = _vocabularies[bind] = _Vocabulary(state, {})
    if len(vocabulary.expansions) >= VOCABULARY_CACHE_SIZE:
        vocabulary.expansions.clear()  # bounded; the prefixes typed next fill it again
    vocabulary.expansions[start] = expansion
    return expansion


def _may_hold_writes(session: Session) -> bool:
    """Whether the session's transaction may hold writes it has not committed (a write
    session's, begun IMMEDIATE): what it reads of the index is then used but not remembered.

    Its state (the structure record's leaf counter) can come back after a rollback with other
    words behind it: the next write to commit counts from the same value. Remembered, the
    rolled-back words stood for the prefix while a committed word went unfound.
    """
    options = session.connection().get_execution_options()
    return bool(options.get("sqlite_immediate", False))


def _remembered(
    session: Session, terms: list[terms_of.Term]
) -> tuple[tuple[object, ...], tuple[str, ...] | None] | None:
    """The index state this worker last read, and the last term's expansion it remembers
    under it (None when it remembers none): to be checked against the state, which the
    probe reads in its own statement (a statement fewer for most searches as you type)."""
    vocabulary = _vocabularies.get(session.get_bind())
    if vocabulary is None or not terms[-1].prefix:
        return None
    try:
        return vocabulary.state, vocabulary.expansions[terms[-1].tokens[-1]]
    except KeyError:
        return None


def _sqlite_probe(
    session: Session,
    owner: int,
    table: str,
    match: str,
    limit: int,
    state: list[tuple[object, ...]] | None = None,
    phrase: bool = False,
    overflow: list[_Overflow] | None = None,
) -> tuple[list[int], list[int]] | None:
    """Every match of the caller and of the shared rows (two lists, ascending), when there are
    at most ``limit`` in each; None when there are more. One cursor per owner, stopping at
    ``limit`` + 1: a narrow search (most are) learns its counts here, with no cursor per kind.

    Each owner's rowids come back as one group_concat text, not a row each: a row costs the
    driver and SQLAlchemy ~0.7 us, and a prefix's probe reads up to PROBE_LIMIT of them.
    With ``state``, the index's state (``_INDEX_STATE``) is read in the same statement and
    appended to it. ``phrase``: the match checks positions (_probe_statement). When it gives
    way, what it read is appended to ``overflow``, for the counting (_counting_known).
    """
    params = {"match": match}
    for n, owner_id in enumerate((owner, SHARED_OWNER)):
        params[f"lo{n}"] = owner_id << OWNER_SHIFT
        params[f"hi{n}"] = (owner_id << OWNER_SHIFT) | ((1 << OWNER_SHIFT) - 1)
    row = tuple(
        session.connection()
        .execute(_probe_statement(table, limit, state is not None, phrase), params)
        .one()
    )
    if state is not None:
        state.append(row[:2])
        row = row[2:]
    # Counted before they are read: a broad search's probe (most of those over HTTP) stops
    # here, where turning its limit + 1 rowids into ints cost ~0.2 us each.
    over = [bool(joined) and joined.count(",") >= limit for joined in row]
    if any(over):
        if overflow is not None:
            # FTS5 reads a MATCH in ascending rowid order unless asked otherwise, and
            # group_concat joins them in that order. Only a phrase's shared cursor may read
            # newest first, when the caller has no match: then nothing gave way but it, and
            # what gave way is left to the counting's cursors.
            overflow.append(_Overflow(row[0] or "", not over[0], row[1] or "", not over[1]))
        return None
    own, shared = (sorted(map(int, joined.split(","))) if joined else [] for joined in row)
    return own, shared


@lru_cache(maxsize=32)
def _probe_statement(table: str, limit: int, with_state: bool, phrase: bool) -> TextualSelect:
    """_sqlite_probe's statement (the same few shapes for every search), built once.

    FTS5 ends a cursor at its range's last rowid only once a row has matched: a phrase's
    cursor goes on checking positions past it up to the next row that holds the phrase. The
    shared rows' range comes first, so when the caller's holds no match either, the shared
    cursor read all of it (and whatever follows) for nothing: 2.4 ms of a 4.8 ms probe for
    a four-word phrase matching nothing at 100k contacts. Then it reads newest first, ending
    at the index's start; otherwise it stops at the caller's first match at the latest.
    Only for a phrase: read backwards, a word's cursor costs ~20 us more to find its start.
    """
    own, shared = (
        f"(SELECT group_concat(rowid) FROM (SELECT rowid FROM {table} WHERE {table}"
        f" MATCH :match AND rowid BETWEEN :lo{n} AND :hi{n} LIMIT {limit + 1}))"
        for n in range(2)
    )
    state = (
        "(SELECT schema_version FROM pragma_schema_version),"
        " (SELECT block FROM search_index_data WHERE id = 10), "
        if with_state
        else ""
    )
    width = 4 if with_state else 2
    if not phrase:
        return _sqlite_read(f"SELECT {state}{own}, {shared}", width)
    newest = shared.replace(" LIMIT", " ORDER BY rowid DESC LIMIT")
    return _sqlite_read(
        f"WITH probe AS MATERIALIZED (SELECT {own} AS own) SELECT {state}own,"
        f" CASE WHEN own IS NULL THEN {newest} ELSE {shared} END FROM probe",
        width,
    )


def _code_counts(rowids: list[int], counts: dict[int, int]) -> None:
    """Add the matches per kind code of one owner's ascending ``rowids`` to ``counts``: a
    kind's rowids are one run, found by bisection rather than a look at each."""
    start = 0
    while start < len(rowids):
        code = (rowids[start] >> KIND_SHIFT) & 15
        end = bisect.bisect_left(rowids, ((rowids[start] >> KIND_SHIFT) + 1) << KIND_SHIFT, start)
        counts[code] = counts.get(code, 0) + end - start
        start = end


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


def _probe_limit(terms: list[terms_of.Term], expansion: tuple[str, ...] | None) -> int:
    """How many matches per owner the probe reads before giving way (PROBE_LIMIT)."""
    several = terms[-1].prefix and (expansion is None or len(expansion) > 1)
    return PROBE_LIMIT if several else min(RANK_LIMIT, COUNT_CAP)


def _sqlite_search(
    session: Session, owner: int, terms: list[terms_of.Term], kinds: list[str], page: tuple
) -> tuple[dict[int, int], list[int], bool]:
    """Counts per kind code, and rowids: the page's (limit, offset) in order or, when the
    third value is True, every match of ``kinds``, for the caller to rank."""
    short = terms_of.short_prefix(terms)
    expansion = None
    probed = None
    overflow: list[_Overflow] = []
    if short:
        # A 2-3 letter prefix is broad at any size that makes speed matter: no probe for it.
        table, match = "search_index_prefix", terms_of.fts5_match(terms)
    else:
        table = "search_index"
        phrase = any(len(term.tokens) > 1 for term in terms)
        remembered = _remembered(session, terms)
        checked = False
        if remembered is not None and remembered[1] != ():
            # Probed with the remembered words, the index's state read alongside: if it is
            # still the one they were read under, the probe stands.
            expansion, seen = remembered[1], []
            match = terms_of.fts5_match(terms, expansion)
            probed = _sqlite_probe(
                session, owner, table, match, _probe_limit(terms, expansion), seen, phrase, overflow
            )
            checked = seen == [remembered[0]]
        if not checked:
            expansion = _expansion(session, terms)
            if expansion == ():
                return {}, [], False
            match = terms_of.fts5_match(terms, expansion)
            probed = _sqlite_probe(
                session,
                owner,
                table,
                match,
                _probe_limit(terms, expansion),
                phrase=phrase,
                overflow=overflow,
            )
    counts: dict[int, int] = {}
    if probed is not None:
        for rowids in probed:
            _code_counts(rowids, counts)
    else:
        counting, params = _sqlite_counting(owner, table)
        changed, known = _counting_known(overflow[-1]) if overflow else ({}, {})
        counted = session.connection().execute(counting, {**params, **changed, "match": match})
        row = counted.one()
        counts = {KIND_CODES[kind]: int(n) for kind, n in zip(SEARCH_KINDS, row, strict=True) if n}
        for code, n in known.items():
            counts[code] = counts.get(code, 0) + n
    wanted = [kind for kind in kinds if counts.get(KIND_CODES[kind])]
    if not wanted:
        return counts, [], False
    ranked = not short and sum(counts[KIND_CODES[kind]] for kind in wanted) <= RANK_LIMIT
    if probed is not None:
        # Every match is known already.
        wanted_codes = {KIND_CODES[kind] for kind in wanted}
        matches = [r for rowids in probed for r in rowids if (r >> KIND_SHIFT) & 15 in wanted_codes]
        if ranked:
            return counts, matches, True
        if max(map(len, probed)) <= min(RANK_LIMIT, COUNT_CAP):
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
        rows = session.connection().execute(_sqlite_read(union, 1), {**params, "match": match})
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
    paging = (
        f"SELECT rowid FROM ({' UNION ALL '.join(parts)})"
        f" ORDER BY (rowid >> {KIND_SHIFT}) & 15, rowid DESC"
    )
    rows = session.connection().execute(_sqlite_read(paging, 1), params).all()
    return counts, [int(r[0]) for r in rows], False


# The query as a sub-select: parsed once per statement, and its words hidden from the
# planner. Every statement's plan is pinned by its shape (a kind's GIN index or its primary
# key), so what the words would tell the planner is never used; but a custom plan for them
# cost 0.5-1.6 ms of planning per statement, and the server kept planning afresh or not
# depending on the first five searches a connection happened to run. Hidden, the plans cost
# the same for every query, so the server settles on one plan per statement; and the
# generic plan, which sees no constant to fold, does not parse the query for every row.
_POSTGRESQL_QUERY = "(SELECT to_tsquery('rapport_search', :tsquery))"
_POSTGRESQL_MATCH = f"document @@ {_POSTGRESQL_QUERY}"
# A prefix after other words may be left out of what the GIN index is asked (_narrowed)
# and checked on the rows those words find instead.
_POSTGRESQL_NARROWED = (
    "document @@ (SELECT to_tsquery('rapport_search', :indexed))"
    f" AND ts_match_vq(document, {_POSTGRESQL_QUERY})"
)
# A kind's statistics are read again after this many seconds: they only steer the choice
# between the two reads below, never what a search finds.
STATISTICS_AGE = 60.0
# A kind is read along its primary key first when the statistics' share of matches is
# dense enough at its size (_key_reads): COUNT_CAP matches are expected within COUNT_CAP /
# share rows (~0.7 us each), where its GIN bitmap holds every match of the kind (share x
# rows of them, each costing WORD_MATCH_COST or PREFIX_MATCH_COST times a key row).
# The read stops after a bound: the statistics describe the whole index, not one kind ("ra"
# is 3 % of contacts and 0.2 % of interactions), so a kind sparser than they say falls back
# to its GIN index having lost little.
KEY_READ_FACTOR = 2
# The first read is shorter: the statistics' share is an upper bound (several words rarely
# all occur together as often as the rarest does), and what this read sees decides whether
# to read on along the key (KEY_READ_FACTOR times what it saw predicts) or use the index.
FIRST_READ_FACTOR = 0.5
WORD_MATCH_COST, PREFIX_MATCH_COST = 0.4, 1.3
# A kind with COUNT_CAP matches or more, not known to be dense, has its page looked for
# among this many of its newest rows (~2 ms) before its GIN index sorts every match.
PAGE_KEY_ROWS = 3_000


def _owner_test(code: int) -> str:
    # GIN answers `=` but not `IN`: only the kinds with shared rows need both owners, and
    # they are small (questions, templates).
    if KINDS_BY_CODE[code] in SHARED_KINDS:
        return "owner_id IN (:owner, :shared)"
    return "owner_id = CAST(:owner AS integer)"


def _postgresql_match(code: int) -> str:
    """The kind's matches through its own partial GIN index (``kind = <code>`` literally, so
    the planner can prove the index's predicate)."""
    return f"search_index WHERE kind = {code} AND {_owner_test(code)} AND {_POSTGRESQL_MATCH}"


def _postgresql_scan(code: int) -> str:
    """The same test as a function call, which no index can answer: the kind's rows are read
    newest first along the primary key (kind, row_id) and the read stops at its LIMIT."""
    return (
        f"search_index WHERE kind = {code} AND {_owner_test(code)}"
        f" AND ts_match_vq(document, {_POSTGRESQL_QUERY})"
    )


def _postgresql_indexed(codes: Iterable[int], select: str = "1") -> list[str]:
    """A MATERIALIZED CTE ``m<code>`` of each kind's matches through its GIN index. The CTE
    is planned for all its rows, so a LIMIT over it can never make the planner prefer a
    scan that stops early (a sparse kind's scan reads the whole kind), and it is run only as
    far as the LIMIT reads it: a count stops after COUNT_CAP rows of the bitmap."""
    return [
        f"m{code} AS MATERIALIZED (SELECT {select} FROM {_postgresql_match(code)})"
        for code in codes
    ]


def _postgresql_counts(
    codes: Iterable[int], key_reads: Iterable[int], first: int | None = None
) -> str:
    """Each kind's matches up to COUNT_CAP and, for the kinds read along the key, the kind's
    highest row id: those read at most :rows<code> of the newest rows.

    The fourth column is row ids, so the page can mostly be taken from them without another
    statement: through the GIN index every match when there are fewer than COUNT_CAP; along
    the key every match when fewer than COUNT_CAP, else the newest :page_end in order (as far
    as a page of the kind reaches). For kind ``first`` (the first kind asked for, where a
    newest-first page starts), counted through its GIN index and found COUNT_CAP times or
    more, the newest :page_end matches above :low<first> in order (its newest PAGE_KEY_ROWS
    rows): read only then, as the second statement's window read would.
    """
    indexed = [code for code in sorted(codes) if code not in key_reads]
    parts = [
        f"(SELECT {code}, count(*), NULL::integer, CASE WHEN count(*) < {COUNT_CAP}"
        f" THEN array_agg(row_id)"
        + (
            f" ELSE (SELECT array_agg(row_id ORDER BY row_id DESC) FROM (SELECT row_id FROM"
            f" {_postgresql_scan(code)} AND row_id > :low{code} ORDER BY row_id DESC"
            " LIMIT :page_end) AS w)"
            if code == first
            else ""
        )
        + f" END FROM (SELECT row_id FROM m{code} LIMIT {COUNT_CAP}) AS c{code})"
        for code in indexed
    ]
    parts += [
        f"(SELECT {code}, c{code}.n, top.v, c{code}.ids FROM (SELECT max(row_id) AS v FROM"
        f" search_index WHERE kind = {code}) AS top, LATERAL (SELECT count(*) AS n,"
        f" (array_agg(row_id ORDER BY row_id DESC))[1:CASE WHEN count(*) < {COUNT_CAP}"
        f" THEN {COUNT_CAP} ELSE CAST(:page_end AS integer) END] AS ids FROM (SELECT row_id"
        f" FROM {_postgresql_scan(code)} AND row_id > top.v - :rows{code}"
        f" ORDER BY row_id DESC LIMIT {COUNT_CAP}) AS k) AS c{code})"
        for code in sorted(key_reads)
    ]
    with_ = f"WITH {', '.join(_postgresql_indexed(indexed, 'row_id'))} " if indexed else ""
    return with_ + " UNION ALL ".join(parts)


def _postgresql_ranked(codes: list[int]) -> str:
    """The matches in hand of ``codes`` (:ids<code>, at most RANK_LIMIT), best first by
    ts_rank: read by their primary key, not matched through the GIN index again."""
    union = " UNION ALL ".join(
        f"SELECT {code} AS kind, row_id, document FROM search_index WHERE kind = {code}"
        f" AND row_id = ANY(CAST(:ids{code} AS integer[]))"
        for code in codes
    )
    return (
        f"WITH r AS MATERIALIZED ({union}) SELECT kind, row_id FROM r"
        f" ORDER BY ts_rank(document, {_POSTGRESQL_QUERY}) DESC, kind, row_id DESC"
        " LIMIT :limit OFFSET :offset"
    )


def _postgresql_newest(
    slices: list[tuple[int, int, int]], scans: frozenset[int], bounded: frozenset[int] = frozenset()
) -> str:
    """The newest matches of the page's kinds (``_page_slices``), kinds in order; the kinds
    in ``scans`` read along the primary key (those in ``bounded`` only above :low<code>),
    the others through their GIN index."""
    indexed = [code for code, _, _ in slices if code not in scans]
    parts = " UNION ALL ".join(
        f"(SELECT {code} AS kind, row_id FROM {_postgresql_scan(code)}"
        + (f" AND row_id > :low{code}" if code in bounded else "")
        + f" ORDER BY row_id DESC LIMIT :take{code} OFFSET :skip{code})"
        if code in scans
        else f"(SELECT {code} AS kind, row_id FROM m{code}"
        f" ORDER BY row_id DESC LIMIT :take{code} OFFSET :skip{code})"
        for code, _, _ in slices
    )
    with_ = f"WITH {', '.join(_postgresql_indexed(indexed, 'row_id'))} " if indexed else ""
    return f"{with_}SELECT * FROM ({parts}) AS newest ORDER BY kind, row_id DESC"


class _Statistics(NamedTuple):
    """What the planner's statistics say of the index, as a worker last read them."""

    read_at: float
    words: list[str]  # the most common words, sorted
    shares: dict[str, float]  # each one's share of the rows that hold it
    rare: float  # the least share listed: an unlisted word's is at most about this
    spans: dict[int, int]  # each kind's highest row id: its rows, every owner's, at most


_STATISTICS = text(
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
    " WHERE schemaname = current_schema() AND tablename = 'search_index'"
    " AND attname = 'document'"
)
_SPANS = text(
    "SELECT k, (SELECT max(row_id) FROM search_index WHERE kind = k)"
    f" FROM unnest(ARRAY{sorted(KINDS_BY_CODE)}::smallint[]) AS k"
)
# Per engine (one database); weak, so a disposed test engine takes its entry with it.
_statistics: weakref.WeakKeyDictionary[object, _Statistics] = weakref.WeakKeyDictionary()


def _postgresql_statistics(connection: Connection, bind: object) -> _Statistics:
    """The index's statistics, read at most every STATISTICS_AGE seconds per worker (kept
    per ``bind``, the session's engine)."""
    known = _statistics.get(bind)
    now = time.monotonic()
    if known is not None and now - known.read_at < STATISTICS_AGE:
        return known
    row = connection.execute(_STATISTICS).first()
    shares: dict[str, float] = {}
    rare = 0.0
    if row is not None and row[0] is not None:
        # The shares end with the least and the greatest share listed (ts_typanalyze).
        words, frequencies = list(row[0]), [float(f) for f in row[1]]
        shares = dict(zip(words, frequencies, strict=False))
        rare = frequencies[len(words)]
    spans = {int(k): int(v) for k, v in connection.execute(_SPANS) if v is not None}
    known = _statistics[bind] = _Statistics(now, sorted(shares), shares, rare, spans)
    return known


def _expected_share(terms: list[terms_of.Term], stats: _Statistics) -> float:
    """At most about this share of the rows match ``terms``: the least of the terms' shares
    (words that occur together, "portfolio reviews", match as often as the rarer one; the
    planner multiplies the shares and expected 2,035 matches of 18,781). 0: no statistics."""
    if not stats.shares:
        return 0.0
    least = 1.0
    for term in terms:
        if term.exclude:
            continue
        for n, token in enumerate(term.tokens):
            if term.prefix and n == len(term.tokens) - 1:
                start = bisect.bisect_left(stats.words, token)
                stop = bisect.bisect_left(stats.words, token + "\U0010ffff")
                share = sum(stats.shares[w] for w in stats.words[start:stop]) + stats.rare
            else:
                share = stats.shares.get(token, stats.rare)
            least = min(least, share)
    return least


def _narrowed(terms: list[terms_of.Term], stats: _Statistics | None = None) -> list[terms_of.Term]:
    """The terms to ask the GIN index for, when the last one is best left out; else [].

    A prefix's words are merged into a bitmap before the other words narrow it: left out
    when it is 2-3 letters, or when the statistics say it is commoner than the other words
    ("battery storage stakeholder manag": 25 ms for the answers' bitmap with it, 1,210
    matches).
    """
    last, rest = terms[-1], terms[:-1]
    if not (last.prefix and len(last.tokens) == 1 and terms_of.searchable(rest)):
        return []
    if len(last.tokens[0]) <= terms_of.SHORT_PREFIX:
        return rest
    if stats is not None and _expected_share(rest, stats) < _expected_share([last], stats):
        return rest
    return []


def _key_reads(
    share: float, spans: dict[int, int], match_cost: float = 1.0, factor: float = KEY_READ_FACTOR
) -> dict[int, int]:
    """The kinds to count along the primary key first, each with the rows to read at most:
    ``factor`` times the rows expected to hold COUNT_CAP matches.

    ``match_cost``: what a match costs the GIN index against a row read along the key.
    """
    reads = {}
    for code, span in spans.items():
        if share > 0 and share * share * span * match_cost >= COUNT_CAP:
            reads[code] = math.ceil(factor * COUNT_CAP / share)
    return reads


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
    connection: Connection,
    bind: object,
    owner: int,
    terms: list[terms_of.Term],
    kinds: list[str],
    page: tuple,
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Counts per kind code (up to COUNT_CAP), and (kind code, row id) of the page, best first
    (``bind``: the session's engine, which the statistics are kept by).

    A kind's count is read where it is cheap: through the kind's own GIN index (a bitmap of
    its matches, of which COUNT_CAP rows are then read), or, where the statistics expect the
    kind's matches to be dense, along its primary key, newest first, for a bounded number of
    rows; a kind found sparser than expected is read on along the key where what was seen
    says that is still cheaper, else counted through its GIN index.
    """
    params = {"owner": owner, "shared": SHARED_OWNER, "tsquery": terms_of.tsquery_text(terms)}
    stats = _postgresql_statistics(connection, bind)
    narrowed = _narrowed(terms, stats)
    if narrowed:
        params["indexed"] = terms_of.tsquery_text(narrowed)

    def statement(sql: str) -> TextClause:
        return _statement(sql.replace(_POSTGRESQL_MATCH, _POSTGRESQL_NARROWED) if narrowed else sql)

    share = _expected_share(terms, stats)
    # A match costs GIN ~0.3 us for a whole word, ~0.9 us for a prefix (its words' entries
    # are merged into a bitmap first); a row along the key ~0.7 us (measured at 100k).
    match_cost = PREFIX_MATCH_COST if terms[-1].prefix and not narrowed else WORD_MATCH_COST
    key_reads = _key_reads(share, stats.spans, match_cost, FIRST_READ_FACTOR)
    counts: dict[int, int] = {}
    spans = dict(stats.spans)
    # Row ids the counts read (_postgresql_counts): every match of a kind in ``complete``;
    # the newest matches in order, as far as the page reaches, of a kind in ``newest``.
    ids: dict[int, list[int]] = {}
    complete: set[int] = set()
    newest: set[int] = set()
    windowed: set[int] = set()  # the first kind's newest rows were read, and held too few
    page_end = page[0] + page[1]
    params["page_end"] = page_end
    # The first kind asked for is where a newest-first page starts: when its count is capped
    # the page lies within it, so its newest rows are read with the counts. Only where the
    # statistics expect it capped: the read is planned with the statement, run or not.
    first: int | None = KIND_CODES[kinds[0]]
    if page_end > COUNT_CAP or share * spans.get(first, 0) < COUNT_CAP:
        first = None
    if first is not None:
        params[f"low{first}"] = spans.get(first, 0) - PAGE_KEY_ROWS
    codes: Iterable[int] = KINDS_BY_CODE
    for again in (True, False, False):  # at most: key, key again, GIN index
        unresolved: dict[int, int] = {}  # kind code: the rows its next key read reads
        # The rows to read are parameters: the statement's text (and plan) is one per set
        # of kinds read along the key.
        reads = {f"rows{code}": rows for code, rows in key_reads.items()}
        for code, n, top, read in connection.execute(
            statement(_postgresql_counts(codes, key_reads, first)), params | reads
        ):
            code, n = int(code), int(n)
            if code == first and code not in key_reads and n >= COUNT_CAP:
                if read is not None and len(read) == page_end:
                    newest.add(code)
                else:
                    windowed.add(code)
            if code in key_reads:
                if top is not None:
                    spans[code] = int(top)
                if n >= COUNT_CAP:
                    newest.add(code)
                elif top is not None and int(top) > key_reads[code]:
                    # Rows left unread: sparser than expected. Read on along the key if what
                    # was seen says it is still the cheaper way (_key_reads), else by GIN.
                    seen = n / key_reads[code]
                    more = _key_reads(seen, {code: int(top)}, match_cost) if again else {}
                    unresolved[code] = more.get(code, 0)
                    continue
            if n:
                counts[code] = n
                ids[code] = read
                if n < COUNT_CAP:
                    complete.add(code)
        if not unresolved:
            break
        codes, key_reads = unresolved, {code: rows for code, rows in unresolved.items() if rows}
    wanted = [kind for kind in kinds if counts.get(KIND_CODES[kind])]
    if not wanted:
        return counts, []
    wanted_counts = [counts[KIND_CODES[kind]] for kind in wanted]
    # Ranked when every match is in hand: a capped count means more (COUNT_CAP exceeds
    # RANK_LIMIT, so only a test's smaller cap meets the second test).
    if sum(wanted_counts) <= RANK_LIMIT and max(wanted_counts) < COUNT_CAP:
        codes = [KIND_CODES[kind] for kind in wanted]
        rows = connection.execute(
            statement(_postgresql_ranked(codes)),
            {
                **params,
                **{f"ids{code}": ids[code] for code in codes},
                "limit": page[0],
                "offset": page[1],
            },
        ).all()
        return counts, [(int(code), int(row_id)) for code, row_id in rows]
    # As on SQLite: past RANK_LIMIT matches, newest first without reading any document.
    slices = _page_slices([(KIND_CODES[k], counts[KIND_CODES[k]]) for k in wanted], page)
    # The kinds whose page the counts read already: every match, or the newest in order.
    in_hand = [
        (code, row_id)
        for code, take, skip in slices
        if code in complete or code in newest
        for row_id in (sorted(ids[code], reverse=True) if code in complete else ids[code])[
            skip : skip + take
        ]
    ]
    slices = [s for s in slices if s[0] not in complete and s[0] not in newest]
    if not slices:
        return counts, sorted(in_hand, key=lambda key: (key[0], -key[1]))
    for code, take, skip in slices:
        params |= {f"take{code}": take, f"skip{code}": skip}
    exact = {code: counts[code] for code, _, _ in slices if counts[code] < COUNT_CAP}
    scans = _scanned(exact, spans, page)
    # A capped count says "at least": such a kind's newest rows are tried first, and
    # its GIN index (every match, sorted) read only if they hold too few.
    bounded = frozenset(
        code
        for code, _, _ in slices
        if code not in scans and counts[code] >= COUNT_CAP and code not in windowed
    )
    for code in bounded:
        params[f"low{code}"] = spans.get(code, 0) - PAGE_KEY_ROWS
    found = connection.execute(
        statement(_postgresql_newest(slices, scans | bounded, bounded)), params
    ).all()
    short = frozenset(
        code
        for code, take, _ in slices
        if code in bounded and sum(1 for c, _ in found if c == code) < take
    )
    if short:
        found = connection.execute(
            statement(_postgresql_newest(slices, scans | (bounded - short), bounded - short)),
            params,
        ).all()
    keys = in_hand + [(int(code), int(row_id)) for code, row_id in found]
    return counts, sorted(keys, key=lambda key: (key[0], -key[1]))


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


# Text whose markers are all pairs around something, as app.search.query.marked writes them
# into marker-free text (nearly every title and snippet): escaped whole, each marker is
# simply its tag, which is what the general walk below gives such text, a quarter faster.
_PAIRED_MARKERS = re.compile(
    f"[^{START}{STOP}]*(?:{START}[^{START}{STOP}]+{STOP}[^{START}{STOP}]*)*"
)


def marked_html(marked: str) -> str:
    """Text with START/STOP markers as safe HTML: escaped, matches in balanced <mark>s."""
    if START not in marked and STOP not in marked:
        return html.escape(marked, quote=True)  # no match in it (a title, when the body matched)
    if _PAIRED_MARKERS.fullmatch(marked):
        escaped = html.escape(marked, quote=True)
        return escaped.replace(START, "<mark>").replace(STOP, "</mark>")
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
    return f"{_PAGE_PATHS[kind]}/{row_id}"


# The kinds shown on a page of their own (url_for_hit): built once, not at every hit.
_PAGE_PATHS = {
    "contact": "/contacts",
    "organization": "/organizations",
    "career": "/careers",
    "interview": "/interviews",
    "follow_up": "/follow-ups",
    "template": "/message-templates",
}


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
    if dialect == "sqlite":
        return _sqlite_display(code)
    return (
        text(display_statement(dialect, KINDS_BY_CODE[code]))
        .bindparams(bindparam("ids", expanding=True))
        .columns(context_at=UTCDateTime())
    )


def _sqlite_display(code: int) -> TextualSelect:
    """SQLite's read of a kind's rows by id: the ids as one JSON array (json_each), where an
    expanding IN rendered the statement again at every execution, and the columns declared
    by position, so SQLAlchemy keeps the result map instead of matching names each time
    (a page of 20: 58 us rather than 100 us). The date is still typed: UTC comes back."""
    sql = display_statement("sqlite", KINDS_BY_CODE[code], "(SELECT value FROM json_each(:ids))")
    names = ("id", "parent_id", "title", "body", "context_name")
    return text(sql).columns(*map(column, names), column("context_at", UTCDateTime()))


def _rows(
    connection: Connection, dialect: str, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], Row]:
    """Each (kind code, row id)'s Row, read from its own table (one statement per kind)."""
    wanted: dict[int, list[int]] = {}
    for code, row_id in keys:
        wanted.setdefault(code, []).append(row_id)
    found: dict[tuple[int, int], Row] = {}
    for code, ids in wanted.items():
        # SQLite reads the ids as one JSON text (_sqlite_display).
        params = {"ids": json.dumps(ids) if dialect == "sqlite" else ids}
        # all(): one fetchall, where iterating the result fetched row by row.
        for row_id, parent_id, title, body, name, at in connection.execute(
            _display(dialect, code), params
        ).all():
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


# Whether any pattern above can apply, in a few passes over text without markup (most)
# rather than one per pattern: its characters looked for one by one (str's own search, a
# quarter of a character class's time), and the line-start markup as the first line's or a
# newline's, so the regular expression skips to newlines; a MULTILINE "^" was tried at every
# character (three times as slow).
_MARKUP_CHARACTERS = "`~[<*_#"
_LINE_MARKUP = r"[ \t]*(?:[>+=-]|\d{1,9}[.)])"
_FIRST_LINE_MARKUP = re.compile(_LINE_MARKUP)
_NEXT_LINE_MARKUP = re.compile("\n" + _LINE_MARKUP)


def _has_markup(markdown: str) -> bool:
    """Whether any of the _MARKDOWN patterns can apply to ``markdown``."""
    return (
        any(ch in markdown for ch in _MARKUP_CHARACTERS)
        or _FIRST_LINE_MARKUP.match(markdown) is not None
        or _NEXT_LINE_MARKUP.search(markdown) is not None
    )


def plain_text(markdown: str) -> str:
    """``markdown`` as the words a reader sees, without its markup, on one line.

    Patterns rather than app.markdown's parser: walking markdown-it's tokens gave the same
    words for a 400-character note in 400 us, these in 50 us, and a page has 20 snippets.
    """
    if not _has_markup(markdown):
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
        # Every statement on one connection outside the Session (app.db.read_connection):
        # each is right on its own, as the counts and the page may straddle a write anyway.
        with read_connection(session) as connection:
            count_codes, keys = _postgresql_search(
                connection, session.get_bind(), user.id, terms, wanted, (limit, offset)
            )
            rows = _rows(connection, dialect, keys)
    else:
        count_codes, rowids, ranked = _sqlite_search(
            session, user.id, terms, wanted, (limit, offset)
        )
        id_mask = (1 << KIND_SHIFT) - 1
        keys = [((r >> KIND_SHIFT) & 15, r & id_mask) for r in rowids]
        rows = _rows(session.connection(), dialect, keys)
    counts = {
        kind: min(count_codes[code], COUNT_CAP)
        for kind, code in KIND_CODES.items()
        if count_codes.get(code)
    }
    total = sum(counts.get(kind, 0) for kind in wanted)
    if ranked:
        keys = _best(keys, rows, terms)[offset : offset + limit]
    # A row deleted between the reads is simply left out.
    zone = user_zone(user.timezone)
    hits = [_hit(key, rows[key], terms, zone) for key in keys if key in rows]
    return SearchResults(hits, total, limit, offset, counts, COUNT_CAP)


def rebuild_index(session: Session) -> int:
    """Drop and rebuild the search index from every source table; the rows it now holds."""
    dialect = session.get_bind().dialect.name
    for statement in DDL_BY_DIALECT[dialect]:
        session.execute(text(statement))
    session.commit()
    count = sqlite_indexed_count() if dialect == "sqlite" else "SELECT count(*) FROM search_index"
    return int(session.execute(text(count)).scalar_one())


def compact_index(conn: Connection) -> None:
    """Fold the index's segments into one after a bulk load (SQLite; PostgreSQL needs nothing)."""
    if conn.dialect.name == "sqlite":
        # A load through the triggers leaves many small FTS5 segments; a search reads them
        # all until FTS5's automatic merges catch up (p95 halved at 100k contacts).
        for table in ("search_index", "search_index_prefix"):
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")


@contextmanager
def bulk_indexing(conn: Connection, kinds: Iterable[str] = SEARCH_KINDS) -> Iterator[None]:
    """Index the rows of ``kinds`` inserted meanwhile in one statement per FTS5 table at the
    end.

    For writers of many rows in one transaction (the seeder, imports). SQLite opens a
    statement savepoint for each row an executemany inserts, and FTS5 writes what it holds
    at each: a segment per row and table, twice the cost of the rows themselves. Meanwhile
    the triggers leave those rows alone (models.SQLITE_BULK_TABLE): rows with ids above
    each kind's highest at the start, which only this transaction can write (SQLite has one
    writer), updates and deletes of them included. Rows that were there before keep their
    triggers. On PostgreSQL nothing changes: its triggers write no segments.
    """
    wanted = tuple(sorted(set(kinds), key=KIND_CODES.__getitem__))
    if conn.dialect.name != "sqlite" or not wanted:
        yield
        return
    # Four statements whatever the kinds: the bounds in one, the fill one per FTS5 table.
    bounds = conn.execute(_statement(sqlite_bulk_start(wanted))).all()
    try:
        yield
    finally:
        # Also after an error: a caller that catches it and commits keeps a right index.
        conn.execute(_statement("DELETE FROM search_index_bulk"))
        after = {f"after_{code}": after_id for code, after_id in bounds}
        for statement in sqlite_bulk_fill(wanted):
            conn.execute(_statement(statement), after)
