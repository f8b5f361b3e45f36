"""One search over everything a user wrote, read from the trigger-maintained index."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlmodel import Session

from app.auth.models import User
from app.search import query as terms_of
from app.search.models import DDL_BY_DIALECT, KIND_CODES, KIND_SLOTS, KINDS_BY_CODE, SHARED_OWNER
from app.search.schemas import SEARCH_KINDS

# Matches come back wrapped in these (never in stored text after clean_markers), so the text
# can be HTML-escaped first and the <mark>s put in afterwards.
START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 16

_SQLITE_HITS = text(
    f"""SELECT rowid, parent_id,
        highlight(search_index, 1, char(2), char(3)) AS title,
        snippet(search_index, 2, char(2), char(3), '…', {SNIPPET_WORDS}) AS snippet
    FROM search_index
    WHERE search_index MATCH :match AND rowid % {KIND_SLOTS} IN :codes
    ORDER BY bm25(search_index, 0.0, 4.0, 1.0), rowid
    LIMIT :limit OFFSET :offset"""
).bindparams(bindparam("codes", expanding=True))
_SQLITE_COUNTS = text(
    f"""SELECT rowid % {KIND_SLOTS} AS code, count(*) FROM search_index
    WHERE search_index MATCH :match GROUP BY code"""
)
# ts_headline is slow on long text, so it runs only on the page of rows already chosen.
_POSTGRESQL_HITS = text(
    """WITH q AS (SELECT to_tsquery('rapport_search', :tsquery) AS query)
    SELECT hit.kind, hit.row_id, hit.parent_id,
        ts_headline('rapport_search', translate(hit.title, :markup, :stand_ins), q.query,
            :title_options) AS title,
        ts_headline('rapport_search', translate(hit.body, :markup, :stand_ins), q.query,
            :snippet_options) AS snippet
    FROM (
        SELECT s.kind, s.row_id, s.parent_id, s.title, s.body,
            ts_rank(s.document, q.query) AS rank
        FROM search_index AS s, q
        WHERE s.owner_id IN (:owner, :shared) AND s.document @@ q.query AND s.kind IN :codes
        ORDER BY rank DESC, s.kind, s.row_id
        LIMIT :limit OFFSET :offset
    ) AS hit, q
    ORDER BY hit.rank DESC, hit.kind, hit.row_id"""
).bindparams(bindparam("codes", expanding=True))
_POSTGRESQL_COUNTS = text(
    """SELECT kind, count(*) FROM search_index
    WHERE owner_id IN (:owner, :shared)
        AND document @@ to_tsquery('rapport_search', :tsquery)
    GROUP BY kind"""
)
# ts_headline drops anything that parses as a tag (and a <script>'s content), so < and >
# go in as private-use stand-ins and come back afterwards; stored START/STOP are dropped.
_MARKUP, _STAND_INS = f"<>{START}{STOP}", "\ue000\ue001"
_RESTORE = str.maketrans(_STAND_INS, "<>")
_HEADLINE = f'StartSel="{START}", StopSel="{STOP}", FragmentDelimiter=" … "'
_TITLE_OPTIONS = _HEADLINE + ", HighlightAll=true"
_SNIPPET_OPTIONS = _HEADLINE + f", MaxFragments=1, MaxWords={SNIPPET_WORDS}, MinWords=6"


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
    """A page of hits, best first, with the number of matches per kind."""

    items: list[SearchHit]
    total: int
    limit: int
    offset: int
    counts: dict[str, int] = field(default_factory=dict)


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


def _plain(marked: str) -> str:
    return marked.replace(START, "").replace(STOP, "")


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


def _hit(code: int, row_id: int, parent_id: int | None, title: str, snippet: str) -> SearchHit:
    kind = KINDS_BY_CODE[code]
    return SearchHit(
        kind=kind,
        id=row_id,
        parent_id=parent_id,
        title=_plain(title),
        title_html=marked_html(title),
        snippet_html=marked_html(snippet),
        url=url_for_hit(kind, row_id, parent_id),
    )


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
    codes = [KIND_CODES[kind] for kind in wanted]
    if session.get_bind().dialect.name == "postgresql":
        params = {"owner": user.id, "shared": SHARED_OWNER, "tsquery": terms_of.tsquery_text(terms)}
        count_rows = session.execute(_POSTGRESQL_COUNTS, params).all()
        rows = session.execute(
            _POSTGRESQL_HITS,
            {
                **params,
                "codes": codes,
                "limit": limit,
                "offset": offset,
                "markup": _MARKUP,
                "stand_ins": _STAND_INS,
                "title_options": _TITLE_OPTIONS,
                "snippet_options": _SNIPPET_OPTIONS,
            },
        ).all()
        hits = [
            _hit(r[0], r[1], r[2], r[3].translate(_RESTORE), r[4].translate(_RESTORE)) for r in rows
        ]
    else:
        match = terms_of.fts5_match(terms, [user.id, SHARED_OWNER])
        count_rows = session.execute(_SQLITE_COUNTS, {"match": match}).all()
        rows = session.execute(
            _SQLITE_HITS, {"match": match, "codes": codes, "limit": limit, "offset": offset}
        ).all()
        hits = [_hit(r[0] % KIND_SLOTS, r[0] // KIND_SLOTS, r[1], r[2], r[3] or "") for r in rows]
    counts = {KINDS_BY_CODE[code]: n for code, n in count_rows if code in KINDS_BY_CODE}
    total = sum(counts.get(kind, 0) for kind in wanted)
    return SearchResults(hits, total, limit, offset, counts)


def rebuild_index(session: Session) -> int:
    """Drop and rebuild the search index from every source table; the rows it now holds."""
    for statement in DDL_BY_DIALECT[session.get_bind().dialect.name]:
        session.execute(text(statement))
    session.commit()
    return int(session.execute(text("SELECT count(*) FROM search_index")).scalar_one())
