"""SQLite's narrow searches learn every match from one probe cursor per owner; the counts
and hits are those of the cursor-per-kind reading that broad searches use."""

from __future__ import annotations

import pytest

from app.questions.models import Question, QuestionBank
from app.search import service
from tests.statements import recorded

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
    # A handful of rows: the probe saw them all (twice when it was tried with words an
    # earlier test's index left remembered, and found the index changed).
    assert probed in ([True], [True, True])
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


def test_probe_counts_each_kind_and_the_shared_rows(db, user, corpus, monkeypatch):
    # The probe's rowids come back as one text per owner and are counted per kind by
    # bisection: kinds on either side of another, and a built-in (shared) question.
    contact = corpus.contact("Zephyrine Alder")
    corpus.organization("Zephyrine Works")
    corpus.interaction(contact, "zephyrine called")
    corpus.interaction(contact, "zephyrine again")
    corpus.question("Ask zephyrine how")
    bank = corpus.add(QuestionBank(owner_id=None, name="Built-in"))
    corpus.add(Question(bank_id=bank.id, owner_id=None, text="Shared zephyrine"))
    probed: list[object] = []
    probe = service._sqlite_probe
    monkeypatch.setattr(
        service, "_sqlite_probe", lambda *a, **k: probed.append(probe(*a, **k)) or probed[-1]
    )
    found = service.search(db, user, "zephyrine")
    assert probed and probed[0] is not None
    monkeypatch.setattr(service, "_sqlite_probe", lambda *a, **k: None)
    counted = service.search(db, user, "zephyrine")
    assert found.counts == counted.counts
    assert found.counts["interaction"] == 2 and found.counts["question"] == 2
    assert [(h.kind, h.id) for h in found.items] == [(h.kind, h.id) for h in counted.items]


def test_a_phrase_reads_the_shared_rows_newest_first_when_the_caller_has_none(
    engine, db, user, corpus, monkeypatch
):
    # FTS5 checks a phrase's positions past its range's end up to the next row holding it,
    # so with no match of the caller's the shared cursor, ascending, read all the caller's
    # rows; newest first it ends at the index's start. Either way it finds the shared rows.
    bank = corpus.add(QuestionBank(owner_id=None, name="Built-in"))
    corpus.add(Question(bank_id=bank.id, owner_id=None, text="Ask about quillon tempering"))
    corpus.contact("Quillon Smith", notes="tempering, then quillon")  # the words, apart
    phrase = '"quillon tempering"'

    def both_ways() -> list[tuple[dict[str, int], list[tuple[str, int]]]]:
        results = []
        for probe in (service._sqlite_probe, lambda *a, **k: None):
            monkeypatch.setattr(service, "_sqlite_probe", probe)
            found = service.search(db, user, phrase)
            db.rollback()
            results.append((found.counts, [(h.kind, h.id) for h in found.items]))
        monkeypatch.undo()
        return results

    with recorded(engine) as seen:
        alone = both_ways()
    probes = [sql for sql in seen if "group_concat(rowid)" in sql]
    assert probes and all("CASE WHEN own IS NULL" in sql for sql in probes)
    assert "ORDER BY rowid DESC" in probes[0]
    assert alone[0] == alone[1] and alone[0][0] == {"question": 1}
    corpus.contact("Quillon Tempering Jones")  # one of the caller's: read in rowid order
    mine = both_ways()
    assert mine[0] == mine[1] and mine[0][0] == {"contact": 1, "question": 1}
    with recorded(engine) as seen:
        service.search(db, user, "quillon")
        db.rollback()
    assert not any("CASE WHEN own IS NULL" in sql for sql in seen)  # a word: ascending
