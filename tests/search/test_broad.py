"""PostgreSQL reads a kind's matches through its own GIN index or, where they are dense,
newest first along the primary key for a bounded number of rows; every way gives the same
counts and hits."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.search import query as terms_of
from app.search import service

URL = "/api/v1/search"
pytestmark = pytest.mark.postgres
EVERY_KIND = tuple(service.KINDS_BY_CODE)


def _search(api, q: str, **params) -> dict:
    response = api.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _hits(body: dict) -> list[tuple[str, int]]:
    return [(hit["kind"], hit["id"]) for hit in body["items"]]


def _along_the_key(monkeypatch, rows: int) -> None:
    """Every kind is counted along the key first, reading at most ``rows`` rows."""
    monkeypatch.setattr(service, "_key_reads", lambda *_: dict.fromkeys(EVERY_KIND, rows))


@pytest.fixture
def pallas(corpus, corpus_for, other_user):
    contacts = [corpus.contact(f"Pallas {n}", notes="quinoa" if n % 2 else "") for n in range(4)]
    corpus.organization("Pallas Org")
    corpus.interaction(contacts[0], "pallas call")
    corpus_for(other_user).contact("Pallas Theirs")
    return contacts


@pytest.mark.parametrize("q", ["pa", "pallas", "-quinoa pal", "pallas org", "pallas or"])
@pytest.mark.parametrize("rows", [1, 2, 10_000])
def test_every_read_finds_what_the_index_finds(api, pallas, monkeypatch, q, rows):
    """Through the GIN indexes, along the key (``rows``: 1 and 2 stop before the kind's
    oldest rows, so those kinds are counted through their index after all), and with a
    short last prefix checked on the rows the other words find."""
    monkeypatch.setattr(service, "RANK_LIMIT", 0)  # newest first on every path, to compare
    monkeypatch.setattr(service, "_key_reads", lambda *_: {})
    indexed = _search(api, q)
    _along_the_key(monkeypatch, rows)
    keyed = _search(api, q)
    assert keyed["counts"] == indexed["counts"] and keyed["total"] == indexed["total"]
    assert _hits(keyed) == _hits(indexed)
    monkeypatch.setattr(service, "_narrowed", lambda *_: [])
    whole = _search(api, q)
    assert whole["counts"] == indexed["counts"] and _hits(whole) == _hits(indexed)
    assert indexed["total"] > 0


@pytest.mark.parametrize("rows", [None, 2, 10_000])
def test_counts_stop_at_the_cap_and_page_newest_first(api, corpus, monkeypatch, rows):
    monkeypatch.setattr(service, "COUNT_CAP", 3)
    if rows is not None:
        _along_the_key(monkeypatch, rows)
    contacts = [corpus.contact(f"Isadora {n}") for n in range(5)]
    organization = corpus.organization("Isadora Org")
    body = _search(api, "isa")
    assert body["counts"] == {"contact": 3, "organization": 1}
    assert _hits(body) == [
        *(("contact", c.id) for c in reversed(contacts[-3:])),
        ("organization", organization.id),
    ]
    assert _hits(_search(api, "isa", types="organization")) == [("organization", organization.id)]


@pytest.mark.parametrize("page_rows", [1, 3_000])
@pytest.mark.parametrize("offset", [0, 2])
def test_a_capped_kind_pages_alike_from_its_newest_rows_or_its_index(
    api, corpus, monkeypatch, page_rows, offset
):
    """A kind at the cap is paged from its newest rows; too few there (``page_rows`` 1),
    from its GIN index."""
    monkeypatch.setattr(service, "COUNT_CAP", 4)
    monkeypatch.setattr(service, "RANK_LIMIT", 0)
    contacts = [corpus.contact(f"Oriel {n}") for n in range(6)]
    corpus.contact("Someone Else")
    monkeypatch.setattr(service, "PAGE_KEY_ROWS", page_rows)
    service._statistics.clear()  # the spans the bound starts from include these rows
    body = _search(api, "oriel", limit=2, offset=offset)
    newest = [("contact", c.id) for c in reversed(contacts)]
    assert _hits(body) == newest[offset : offset + 2]


@pytest.mark.parametrize("offset", [0, 2])
def test_the_key_and_the_index_page_alike(api, corpus, monkeypatch, offset):
    """Whichever way a kind's newest matches are read (service._scanned), the page is one."""
    monkeypatch.setattr(service, "RANK_LIMIT", 0)
    contacts = [corpus.contact(f"Pallas {n}") for n in range(4)]
    corpus.organization("Pallas Org")
    corpus.interaction(contacts[0], "pallas call")
    pages = []
    for choose in (lambda counts, spans, page: frozenset(), lambda *_: frozenset(range(16))):
        monkeypatch.setattr(service, "_scanned", choose)
        pages.append(_hits(_search(api, "pallas", limit=3, offset=offset)))
    assert pages[0] == pages[1] and len(pages[0]) == 3


def test_dense_kinds_are_read_along_the_key():
    # 1,100 matches among 50,000 rows: the key reads ~900 rows for a page of 20.
    assert service._scanned({1: 1_100, 4: 63}, {1: 50_000, 4: 10_000}, (20, 0)) == {1}


def test_the_statistics_expect_the_rarer_word_and_a_prefix_s_words(db, user, corpus):
    """Words that occur together match as often as the rarer one (the planner multiplies
    their shares); a prefix stands for every listed word it starts."""
    for n in range(40):
        corpus.contact(f"Farrah {n}", notes="portfolio reviews" if n % 2 else "portfolio")
    db.execute(text("ANALYZE search_index"))
    db.commit()
    service._statistics.clear()
    stats = service._postgresql_statistics(db.connection(), db.get_bind())
    db.rollback()
    share = service._expected_share
    assert share(terms_of.parse("reviews portfolio"), stats) == stats.shares["reviews"]
    assert share(terms_of.parse('"portfolio"'), stats) == stats.shares["portfolio"]
    assert share(terms_of.parse("zygomorphic"), stats) == stats.rare
    assert share(terms_of.parse("portf"), stats) >= stats.shares["portfolio"]
    # A kind is read along the key only where that share is dense at its size.
    assert service._key_reads(0.5, {1: 100_000, 3: 12}) == {1: 1_200}
    assert service._key_reads(0.0, {1: 100_000}) == {}


def test_a_short_prefix_after_other_words_is_checked_on_their_rows():
    narrowed = service._narrowed
    assert [term.tokens for term in narrowed(terms_of.parse("ros ma"))] == [("ros",)]
    assert narrowed(terms_of.parse("-ros ma")) == []  # nothing else to ask the index for
    assert narrowed(terms_of.parse("ros mart")) == []
    assert narrowed(terms_of.parse("ma")) == []
    # A longer prefix is left out when the statistics say it is commoner than the rest.
    stats = service._Statistics(
        0.0, ["battery", "management"], {"battery": 0.01, "management": 0.2}, 0.001, {}
    )
    assert [t.tokens for t in narrowed(terms_of.parse("battery manage"), stats)] == [("battery",)]
    assert narrowed(terms_of.parse("management batt"), stats) == []


def test_each_kind_is_counted_through_its_own_index(engine, user):
    """The kind is named literally, so the planner can prove each partial index's predicate
    and, with the owner, ask it for the kind's matches alone."""
    sql = service._postgresql_counts(EVERY_KIND, {})
    params = {"owner": user.id, "shared": service.SHARED_OWNER, "tsquery": "'pallas':*"}
    with engine.connect() as conn:
        # Enough rows of every kind that reading a kind whole costs more (rolled back).
        conn.execute(
            text(
                "INSERT INTO search_index (kind, row_id, owner_id, document)"
                " SELECT k, 1000000 + n, :owner, to_tsvector('simple', 'filler ' || n)"
                " FROM generate_series(1, 9) AS k, generate_series(1, 10000) AS n"
            ),
            params,
        )
        conn.exec_driver_sql("ANALYZE search_index")
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}"), params))
        conn.rollback()
    for code in EVERY_KIND:
        assert f"Bitmap Index Scan on search_index_document_{code}" in plan, plan
    assert "Index Cond: ((owner_id = 1) AND (document @@" in plan.replace(
        f"owner_id = {user.id})", "owner_id = 1)"
    )
