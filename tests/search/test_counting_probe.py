"""SQLite's counting after a probe that gave way: the kinds the probe read through are
counted from its rowids (no cursor of their own), the kind it stopped in is counted on from
past it, a shared range it read whole opens none; the counts and pages stay those of a
cursor per kind."""

from __future__ import annotations

import random

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.messages.models import MessageTemplate
from app.questions.models import Question, QuestionBank
from app.search import service
from tests.search.segments import counted

pytestmark = pytest.mark.sqlite


def test_joined_rowids_are_counted_per_kind_as_a_plain_count_would():
    rng = random.Random(5)
    shift = service.KIND_SHIFT
    for _ in range(500):
        owner = rng.choice((0, 1, 9, 70_000)) << service.OWNER_SHIFT
        rowids = sorted(
            {
                owner | (rng.randint(1, 9) << shift) | rng.choice((rng.randint(1, 9), n))
                for n in range(rng.randint(1, 40))
            }
        )
        joined = ",".join(map(str, rowids))
        for bound in [
            *(owner | (code << shift) for code in range(17)),
            *(r + d for r in rng.sample(rowids, min(4, len(rowids))) for d in (-1, 0, 1)),
        ]:
            assert service._joined_below(joined, bound) == sum(r < bound for r in rowids)
        expected: dict[int, int] = {}
        for r in rowids:
            expected[(r >> shift) & 15] = expected.get((r >> shift) & 15, 0) + 1
        assert service._joined_counts(joined) == expected
    assert service._joined_counts("") == {}


def test_the_counting_statement_sorts_no_match():
    statement, params = service._sqlite_counting(1, "search_index")
    sql = str(statement)
    # Each range a scalar count of its own; a GROUP BY fed every match through a sorter.
    assert "GROUP BY" not in sql
    assert sql.count("count(*)") == sum(len(service._ranges(1, k)) for k in service.SEARCH_KINDS)
    assert {k for k in params if k.startswith("cap_")} == {
        f"cap_{kind}{n}"
        for kind in service.SEARCH_KINDS
        for n in range(len(service._ranges(1, kind)))
    }


def _fill(corpus) -> None:
    """Matches of "orvieto" in most kinds (and "amber" in some), and shared ones."""
    contacts = [corpus.contact(f"Orvieto {n}", notes="amber" if n % 2 else "") for n in range(5)]
    corpus.organization("Orvieto Glass")
    corpus.organization("Orvieto Amber Works")
    corpus.career("Orvieto curator")
    interview = corpus.interview(contacts[0], summary="orvieto amber")
    corpus.answer(interview, "Orvieto?", "orvieto notes")
    for n in range(4):
        corpus.interaction(contacts[n], "orvieto call" + (" amber" if n % 2 else ""))
    corpus.question("Ask orvieto")
    corpus.follow_up(contacts[1], "Orvieto amber thanks")
    corpus.template("Orvieto intro")
    bank = corpus.add(QuestionBank(owner_id=None, name="Built-in"))
    corpus.add(Question(bank_id=bank.id, owner_id=None, text="Shared orvieto amber"))
    corpus.add(Question(bank_id=bank.id, owner_id=None, text="Shared orvieto"))
    corpus.add(MessageTemplate(owner_id=None, name="Orvieto shared", kind="custom"))


def _result(db: Session, user: User, q: str, **params) -> tuple:
    found = service.search(db, user, q, **params)
    db.rollback()
    return found.counts, found.total, [(h.kind, h.id, h.title_html) for h in found.items]


@pytest.mark.parametrize("cap", [2, 3, 300])
def test_counts_after_a_probe_that_gave_way_are_those_of_a_cursor_per_kind(
    db, user, other_user, corpus, corpus_for, monkeypatch, cap
):
    _fill(corpus)
    corpus_for(other_user).contact("Orvieto Theirs")
    monkeypatch.setattr(service, "COUNT_CAP", cap)
    probe, known = service._sqlite_probe, service._counting_known
    used: list[bool] = []

    def recording(overflow: service._Overflow) -> tuple[dict[str, int], dict[int, int]]:
        used.append(True)
        return known(overflow)

    monkeypatch.setattr(service, "_counting_known", recording)
    # The probe reads as many matches as the limit (and one more): each limit stops it in
    # another kind, or in none.
    for limit in (0, 1, 2, 4, 6, 8, 11, 14, 40):
        monkeypatch.setattr(service, "RANK_LIMIT", limit)
        for q in ("orvieto", "orvieto amber", "orvieto -amber", '"orvieto amber"'):
            for params in (
                {},
                {"limit": 3, "offset": 2},
                {"kinds": ["interaction", "contact"], "limit": 4, "offset": 1},
                {"kinds": ["question", "template"]},
            ):
                probed = _result(db, user, q, **params)
                monkeypatch.setattr(service, "_sqlite_probe", lambda *a, **k: None)
                counted = _result(db, user, q, **params)
                monkeypatch.setattr(service, "_sqlite_probe", probe)
                assert probed == counted, (limit, q, params)
                assert probed[0], (limit, q)
    assert used  # some probe gave way and what it read was used


def test_the_kinds_a_probe_read_through_open_no_cursor(engine, user, corpus, monkeypatch):
    contacts = [corpus.contact(f"Brunello {n}") for n in range(3)]
    corpus.organization("Brunello Cellars")
    for contact in contacts:
        corpus.interaction(contact, "brunello tasting")
    with engine.begin() as conn:
        service.compact_index(conn)  # one segment: a lookup per cursor
    monkeypatch.setattr(service, "RANK_LIMIT", 3)  # the probe stops in the organizations
    counted(engine, user, "brunello", "search_index")  # the prefix's words read and remembered
    counts, lookups = counted(engine, user, "brunello", "search_index")
    assert counts == {"contact": 3, "organization": 1, "interaction": 3}
    monkeypatch.setattr(service, "_counting_known", lambda overflow: ({}, {}))
    every, without = counted(engine, user, "brunello", "search_index")
    assert every == counts
    # Both count the organizations (on from past the probe's last match) and the
    # interactions; only the cursor per kind reads the contacts again, and the shared
    # rows (the built-in questions), which the probe read whole.
    assert without == lookups + 2
