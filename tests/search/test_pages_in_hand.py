"""PostgreSQL takes a page from the row ids its counting statement read where it can: every
match of a kind counted below the cap, the newest matches of a kind read along the key, and
the newest rows of the first kind asked for when its count is capped. The page is the one
the separate newest-first read gives, and that read is then left out."""

from __future__ import annotations

import pytest

from app.search import service
from tests.statements import recorded

URL = "/api/v1/search"
pytestmark = pytest.mark.postgres
EVERY_KIND = tuple(service.KINDS_BY_CODE)


def _hits(api, q: str, **params) -> list[tuple[str, int]]:
    response = api.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [(hit["kind"], hit["id"]) for hit in response.json()["items"]]


def _newest_reads(engine, api, q: str, **params) -> tuple[list[tuple[str, int]], int]:
    """The page, and how many newest-first statements it took besides the counts."""
    with recorded(engine) as seen:
        hits = _hits(api, q, **params)
    return hits, sum(" AS newest " in statement for statement in seen)


@pytest.fixture
def orioles(corpus, monkeypatch):
    """Six contacts and an organization matching "oriel", with a cap of 4 and no ranking."""
    monkeypatch.setattr(service, "COUNT_CAP", 4)
    monkeypatch.setattr(service, "RANK_LIMIT", 0)
    contacts = [corpus.contact(f"Oriel {n}") for n in range(6)]
    corpus.contact("Someone Else")
    organization = corpus.organization("Oriel Org")
    service._statistics.clear()  # the spans the window starts from include these rows
    return [("contact", c.id) for c in reversed(contacts)], ("organization", organization.id)


@pytest.mark.parametrize("offset", [0, 2])
def test_a_capped_first_kind_is_paged_with_its_counts(engine, api, monkeypatch, orioles, offset):
    newest, _ = orioles
    monkeypatch.setattr(service, "_key_reads", lambda *_: {})  # every kind through GIN
    monkeypatch.setattr(service, "_expected_share", lambda *_: 1.0)  # expected capped
    hits, reads = _newest_reads(engine, api, "oriel", limit=2, offset=offset)
    assert hits == newest[offset : offset + 2]
    assert reads == 0
    # Not expected capped: the counts read no page, the newest-first read gives the same.
    monkeypatch.setattr(service, "_expected_share", lambda *_: 0.0)
    assert _newest_reads(engine, api, "oriel", limit=2, offset=offset) == (hits, 1)


def test_too_few_in_the_first_kind_s_newest_rows_go_to_its_index(engine, api, monkeypatch, orioles):
    newest, _ = orioles
    monkeypatch.setattr(service, "_key_reads", lambda *_: {})
    monkeypatch.setattr(service, "_expected_share", lambda *_: 1.0)
    monkeypatch.setattr(service, "PAGE_KEY_ROWS", 1)  # the window holds one row
    hits, reads = _newest_reads(engine, api, "oriel", limit=2, offset=1)
    assert hits == newest[1:3]
    assert reads == 1  # straight to the GIN index: no second try of the window


@pytest.mark.parametrize("rows", [2, 10_000])
def test_kinds_read_along_the_key_are_paged_from_what_was_read(
    engine, api, monkeypatch, orioles, rows
):
    """Along the key and dense (``rows`` 10,000: the cap met in the newest rows) or counted
    in full, a kind needs no newest-first read. Past its rows (2), it is counted again, and
    a capped kind's page is read newest first."""
    newest, organization = orioles
    monkeypatch.setattr(service, "_key_reads", lambda *_: dict.fromkeys(EVERY_KIND, rows))
    monkeypatch.setattr(service, "_expected_share", lambda *_: 0.0)
    for params, page in (
        ({"limit": 3}, newest[:3]),
        # The cap of 4 ends the contacts' part: the organization follows the fourth.
        ({"limit": 3, "offset": 2}, [*newest[2:4], organization]),
        ({"limit": 3, "offset": 3}, [newest[3], organization]),
        ({"types": ["organization", "contact"], "limit": 2, "offset": 1}, newest[:2]),
    ):
        hits, reads = _newest_reads(engine, api, "oriel", **params)
        assert hits == page, params
        assert reads == (0 if rows == 10_000 else 1), params


@pytest.mark.parametrize("types", [None, ["organization", "contact"]])
def test_a_ranked_page_reads_the_matches_the_counts_found(engine, api, corpus, types):
    """Under RANK_LIMIT the counted row ids are ranked, read by key: no match again."""
    corpus.contact("Wren Wren", notes="wren")
    corpus.contact("Wren Other")
    corpus.organization("Wren Works")
    with recorded(engine) as seen:
        hits = _hits(api, "wren", **({"types": types} if types else {}))
    ranked = [s for s in seen if "ts_rank" in s]
    assert len(ranked) == 1 and "@@" not in ranked[0]
    assert len(hits) == 3 and hits[0][0] == "contact"
