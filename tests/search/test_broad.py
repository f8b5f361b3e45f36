"""PostgreSQL's broad searches (a 2-3 letter prefix, a common word at scale) read each kind's
newest rows along the primary key instead of the GIN index: the same counts and hits."""

from __future__ import annotations

import pytest

from app.search import service

URL = "/api/v1/search"
pytestmark = pytest.mark.postgres


def _search(api, q: str, **params) -> dict:
    response = api.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _hits(body: dict) -> list[tuple[str, int]]:
    return [(hit["kind"], hit["id"]) for hit in body["items"]]


def _broad(monkeypatch, taken: list[bool]) -> None:
    """Every search counts as broad; ``taken`` records the planner's answer each time."""
    decide = service._postgresql_broad

    def always(session, params):
        taken.append(decide(session, params))
        return True

    monkeypatch.setattr(service, "_postgresql_broad", always)


@pytest.mark.parametrize("q", ["pa", "pallas", "-quinoa pal", "pallas org"])
def test_broad_path_finds_what_the_index_finds(api, corpus, corpus_for, other_user, monkeypatch, q):
    monkeypatch.setattr(service, "RANK_LIMIT", 0)  # newest first on both paths, to compare
    contacts = [corpus.contact(f"Pallas {n}", notes="quinoa" if n % 2 else "") for n in range(4)]
    corpus.organization("Pallas Org")
    corpus.interaction(contacts[0], "pallas call")
    corpus_for(other_user).contact("Pallas Theirs")
    indexed = _search(api, q)
    taken: list[bool] = []
    _broad(monkeypatch, taken)
    broad = _search(api, q)
    assert taken == [False]  # a handful of rows: the planner keeps the GIN index
    assert broad["counts"] == indexed["counts"] and broad["total"] == indexed["total"]
    assert _hits(broad) == _hits(indexed)
    assert indexed["total"] > 0


def test_broad_counts_stop_at_the_cap_and_page_newest_first(api, corpus, monkeypatch):
    monkeypatch.setattr(service, "COUNT_CAP", 3)
    _broad(monkeypatch, [])
    contacts = [corpus.contact(f"Isadora {n}") for n in range(5)]
    organization = corpus.organization("Isadora Org")
    body = _search(api, "isa")
    assert body["counts"] == {"contact": 3, "organization": 1}
    assert _hits(body) == [
        *(("contact", c.id) for c in reversed(contacts[-3:])),
        ("organization", organization.id),
    ]
    assert _hits(_search(api, "isa", types="organization")) == [("organization", organization.id)]


def test_the_planner_calls_a_common_prefix_broad(db, user, corpus, monkeypatch):
    """With the statistics of an index where a prefix is most of the rows, it is broad."""
    from sqlalchemy import text

    for n in range(30):
        corpus.contact(f"Farrah {n}")
    db.execute(text("ANALYZE search_index"))
    db.commit()
    monkeypatch.setattr(service, "BROAD_MATCHES", 20)
    params = {"owner": user.id, "shared": service.SHARED_OWNER}
    assert service._postgresql_broad(db, {**params, "tsquery": "'fa':*"})
    assert not service._postgresql_broad(db, {**params, "tsquery": "'zygomorphic'"})
    db.rollback()


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
