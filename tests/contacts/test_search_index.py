"""On SQLite a `q` of three characters or more is answered by the trigram index alone, with no
LIKE re-check of the rows (app.contacts.service, "text search"): these tests prove the phrase
query means exactly "contains", and that both ways of finding a searched page give one answer."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.contacts import service
from app.db import utcnow
from tests.statements import recorded


@pytest.fixture(scope="module")
def trigram() -> Iterator[sqlite3.Connection]:
    """A bare FTS5 trigram table, as contacts_fts is declared (app.contacts.models)."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(search_text, tokenize='trigram')")
    yield connection
    connection.close()


def _matches(connection: sqlite3.Connection, text: str, q: str) -> bool:
    connection.execute("DELETE FROM t")
    connection.execute("INSERT INTO t (rowid, search_text) VALUES (1, ?)", (text,))
    found = connection.execute("SELECT count(*) FROM t WHERE t MATCH ?", (service.fts_phrase(q),))
    return bool(found.fetchone()[0])


def test_no_two_case_folded_characters_fold_alike_in_the_tokenizer(trigram):
    # The tokenizer folds case character by character. Python's casefold has already folded
    # both the stored text and `q`; if the tokenizer then folded two distinct folded
    # characters alike, the phrase would find text that does not contain `q`.
    trigram.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    folded = [
        chr(code)
        for code in range(0x20, 0x110000)
        if not 0xD800 <= code < 0xE000
        and chr(code).isprintable()
        and chr(code).casefold() == chr(code)
    ]
    trigram.execute("DELETE FROM t")
    trigram.executemany(
        "INSERT INTO t (rowid, search_text) VALUES (?, ?)", [(ord(c), "ab" + c) for c in folded]
    )
    seen: dict[str, str] = {}
    for term, code in trigram.execute("SELECT term, doc FROM v"):
        assert term[2:] not in seen, (chr(code), seen.get(term[2:]))
        seen[term[2:]] = chr(code)
    assert len(seen) == len(folded)
    trigram.execute("DROP TABLE v")


# Letters whose case rules differ between Unicode versions and languages, and LIKE's and
# FTS5's special characters, beside any character at all.
_TRICKY = st.sampled_from(list("aAσΣςßẞİıiIǅǆǄꭰᎠKkKµμſsŉ’'\"%_*-^ ()"))
_CHARACTER = st.one_of(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), _TRICKY
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.text(_CHARACTER, max_size=12),
    q=st.text(_CHARACTER, min_size=3, max_size=6),
    after=st.text(_CHARACTER, max_size=12),
    inside=st.booleans(),
)
def test_a_trigram_phrase_is_exactly_a_substring(trigram, before, q, after, inside):
    text = (before + q + after if inside else before + after).casefold()
    if service.is_unindexed(q):
        return  # folding shortened it below a trigram: the list answers it with LIKE
    assert _matches(trigram, text, q) == (q.casefold() in text)


def test_common_and_rare_searches_find_the_same_page_either_way(db, user, make_contact):
    # Twelve "Collins" among eighty: a common `q` walks the name index, probing each id
    # against the matches; a rare one reads its matches and sorts them. Both give one answer.
    for i in range(80):
        make_contact(user, f"Collins {i:02d}" if i % 7 == 0 else f"Person {i:02d}")
    dialect = db.get_bind().dialect.name
    for q in ("collins", "son 1", "zzz"):
        params = service.filter_params(dialect, user, service.ContactFilters(q=q), utcnow())
        shape = tuple(sorted(params))
        pages = []
        for plan in service.PagePlan:
            statement = service.page_statement(dialect, shape, "-full_name", plan)
            rows = db.connection().execute(
                statement, {**params, "limit": 5, "offset": 2, "walk": 100}
            )
            pages.append([row.full_name for row in rows])
        assert pages[0] == pages[1] == pages[2], (q, pages)
    found = service.contact_read_page(
        db, user, service.ContactFilters(q="collins"), limit=5, offset=2, sort="-full_name"
    )
    assert [c["full_name"] for c in found.items] == [f"Collins {i}" for i in (63, 56, 49, 42, 35)]
    assert found.total == 12
    db.rollback()


def test_the_plan_follows_how_many_contacts_match():
    walk, planner, sort = (
        service.PagePlan.WALK_SORT_INDEX,
        service.PagePlan.PLANNER,
        service.PagePlan.SORT_MATCHES,
    )
    # 100k contacts, a page of 20: 7,000 matches walk twice the 286 entries spread matches
    # need; 1,000 are read and sorted.
    assert service.page_plan("sqlite", "coll", 7_000, 100_000, 20) == (walk, 591)
    assert service.page_plan("sqlite", "mari", 1_000, 100_000, 20) == (planner, 0)
    # Deep pages walk further, so they need more matches before walking pays.
    assert service.page_plan("sqlite", "coll", 7_000, 100_000, 2_000)[0] is planner
    # A `q` under a trigram scans: its few matches are sorted, many walk the sort index.
    assert service.page_plan("sqlite", "li", 30, 100_000, 20) == (sort, 0)
    assert service.page_plan("sqlite", "li", 40_000, 100_000, 20) == (planner, 0)
    # PostgreSQL plans from its statistics.
    assert service.page_plan("postgresql", "coll", 7_000, 100_000, 20) == (planner, 0)


def test_a_walk_that_comes_back_short_sorts_the_matches(db, user, make_contact):
    # Matches that sit together at the end of the name order (a first name's prefix, say)
    # lie past where the walk looks (twice as far as spread ones would need): the page is
    # read again with the matches sorted.
    for i in range(50):
        make_contact(user, f"Person {i:02d}")
    for i in range(12):
        make_contact(user, f"Zed {i:02d}")
    with recorded(db.get_bind()) as statements:
        found = service.contact_read_page(db, user, service.ContactFilters(q="zed"), limit=2)
        spread = service.contact_read_page(db, user, service.ContactFilters(q="son"), limit=2)
    assert [c["full_name"] for c in found.items] == ["Zed 00", "Zed 01"] and found.total == 12
    assert [c["full_name"] for c in spread.items] == ["Person 00", "Person 01"]
    pages = [s for s in statements if s.lstrip().startswith("SELECT contacts.")]
    if db.get_bind().dialect.name == "sqlite":
        # "zed": the walk, then the sorted matches; "son": the walk alone.
        assert ["walked" in s for s in pages] == [True, False, True], pages
    db.rollback()
