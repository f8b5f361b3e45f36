"""SQLite's narrow searches learn every match from one probe cursor per owner; the counts
and hits are those of the cursor-per-kind reading that broad searches use."""

from __future__ import annotations

import pytest

from app.search import service

URL = "/api/v1/search"
pytestmark = pytest.mark.sqlite


def _search(api, q: str, **params) -> dict:
    response = api.get(URL, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("q", "params"),
    [
        ("pallas", {}),
        ("pallas", {"types": "contact", "limit": 2, "offset": 1}),
        ("pallas -quinoa", {}),
        ('"pallas org"', {}),
        ("pallas call", {}),
        ("nothing-here", {}),
    ],
)
def test_probe_and_per_kind_cursors_agree(
    api, corpus, corpus_for, other_user, monkeypatch, q, params
):
    contacts = [corpus.contact(f"Pallas {n}", notes="quinoa" if n % 2 else "") for n in range(4)]
    corpus.organization("Pallas Org")
    corpus.interaction(contacts[0], "pallas call")
    corpus_for(other_user).contact("Pallas Theirs")
    probed: list[bool] = []
    probe = service._sqlite_probe

    def recording(*args, **kwargs):
        found = probe(*args, **kwargs)
        probed.append(found is not None)
        return found

    monkeypatch.setattr(service, "_sqlite_probe", recording)
    narrow = _search(api, q, **params)
    assert probed == [True]  # a handful of rows: the probe saw them all
    monkeypatch.setattr(service, "_sqlite_probe", lambda *args, **kwargs: None)
    per_kind = _search(api, q, **params)
    assert narrow == per_kind


def test_probe_gives_way_past_its_limit(api, corpus, monkeypatch):
    monkeypatch.setattr(service, "RANK_LIMIT", 3)
    contacts = [corpus.contact(f"Isadora {n}") for n in range(5)]
    probed: list[bool] = []
    probe = service._sqlite_probe

    def recording(*args, **kwargs):
        found = probe(*args, **kwargs)
        probed.append(found is not None)
        return found

    monkeypatch.setattr(service, "_sqlite_probe", recording)
    body = _search(api, "isadora")
    assert probed == [False]
    assert body["counts"] == {"contact": 5}
    assert [h["id"] for h in body["items"]] == [c.id for c in reversed(contacts)]
