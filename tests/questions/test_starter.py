"""The shipped starter banks: loaded once, upgraded in place, never duplicated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.questions.models import Question, QuestionBank
from app.questions.starter import service as starter_module
from app.questions.starter.service import STARTER_FILE, ensure_starter_banks, load_starter_banks


def _builtin_state(engine):
    with Session(engine) as session:
        banks = session.scalars(
            select(QuestionBank).where(QuestionBank.builtin.is_(True)).order_by(QuestionBank.id)
        ).all()
        state = {}
        for bank in banks:
            questions = session.scalars(
                select(Question).where(Question.bank_id == bank.id).order_by(Question.position)
            ).all()
            state[bank.builtin_key] = {
                "id": bank.id,
                "version": bank.builtin_version,
                "name": bank.name,
                "questions": [(q.id, q.builtin_key, q.text, q.position) for q in questions],
            }
        return state


def _shipped() -> dict:
    return json.loads(STARTER_FILE.read_text(encoding="utf-8"))


def _test_copy(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "starter_banks.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_shipped_file_is_valid_and_keys_are_unique():
    banks = load_starter_banks()
    assert [b.name for b in banks] == [
        "Informational interview essentials",
        "TIARA",
        "Closing and next steps",
    ]
    assert len({b.key for b in banks}) == len(banks)
    keys = [q.key for b in banks for q in b.questions]
    assert len(keys) == len(set(keys)) >= 45
    closing = " ".join(q.text.lower() for q in banks[2].questions)
    for topic in ("who else", "stay in touch", "resume", "read or follow"):
        assert topic in closing


def test_loading_twice_changes_nothing(engine):
    first = ensure_starter_banks(engine)
    assert set(first.values()) <= {"created", "current"}
    before = _builtin_state(engine)
    assert ensure_starter_banks(engine) == {k: "current" for k in before}
    assert _builtin_state(engine) == before


def test_a_new_shipped_version_upgrades_in_place(engine, tmp_path):
    ensure_starter_banks(engine)
    before = _builtin_state(engine)
    data = _shipped()
    tiara = next(b for b in data["banks"] if b["key"] == "tiara")
    tiara["version"] += 1
    tiara["name"] = "TIARA (revised)"
    kept, dropped = tiara["questions"][0], tiara["questions"][1]
    kept["text"] = "Which trends do you see shaping the work right now?"
    tiara["questions"].remove(dropped)
    tiara["questions"].insert(
        0,
        {
            "key": "tiara-new-1",
            "category": "insights",
            "text": "What would you tell your younger self?",
            "why_ask": "A quick route to hard-won insight.",
            "tags": [],
        },
    )
    path = _test_copy(tmp_path, data)
    outcome = ensure_starter_banks(engine, path)
    assert outcome == {"essentials": "current", "tiara": "upgraded", "closing": "current"}

    after = _builtin_state(engine)
    assert after["essentials"] == before["essentials"]
    assert after["tiara"]["id"] == before["tiara"]["id"]  # the same row, not a new bank
    assert after["tiara"]["version"] == before["tiara"]["version"] + 1
    assert after["tiara"]["name"] == "TIARA (revised)"
    rows = after["tiara"]["questions"]
    assert [key for _, key, _, _ in rows] == [q["key"] for q in tiara["questions"]]
    assert [position for *_, position in rows] == list(range(len(rows)))
    old_ids = {key: qid for qid, key, _, _ in before["tiara"]["questions"]}
    new_ids = {key: qid for qid, key, _, _ in rows}
    assert new_ids[kept["key"]] == old_ids[kept["key"]]  # edited in place, id kept
    assert dropped["key"] not in new_ids
    assert dict((k, t) for _, k, t, _ in rows)[kept["key"]] == kept["text"]
    with Session(engine) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(QuestionBank).where(QuestionBank.builtin.is_(True))
            )
            == 3
        )
    # Running again, or running the older shipped file, changes nothing more.
    assert ensure_starter_banks(engine, path)["tiara"] == "current"
    assert ensure_starter_banks(engine)["tiara"] == "current"
    assert _builtin_state(engine) == after


def test_a_copy_survives_the_upgrade_of_its_original(engine, db, user, tmp_path):
    from app.questions import service
    from app.questions.schemas import BankCopy

    ensure_starter_banks(engine)
    tiara_id = _builtin_state(engine)["tiara"]["id"]
    copy = service.copy_bank(db, user, tiara_id, BankCopy(), max_questions=500)
    texts = [q.text for q in service.readable_questions(db, user, copy.id)]
    db.rollback()  # end the test session's (write-locking, on SQLite) transaction
    data = _shipped()
    tiara = next(b for b in data["banks"] if b["key"] == "tiara")
    tiara["version"] += 1
    tiara["questions"] = tiara["questions"][:2]
    ensure_starter_banks(engine, _test_copy(tmp_path, data))
    db.expire_all()
    assert [q.text for q in service.readable_questions(db, user, copy.id)] == texts


def test_a_worker_that_loses_the_insert_race_does_not_duplicate(engine, monkeypatch):
    ensure_starter_banks(engine)
    before = _builtin_state(engine)
    with Session(engine) as session:
        session.execute(
            QuestionBank.__table__.update()
            .where(QuestionBank.builtin_key == "closing")
            .values(builtin_version=0)
        )
        session.commit()
    # Simulate the race: this worker looked before the other one committed its insert.
    real_find = starter_module._find_bank
    calls = {"n": 0}

    def stale_find(session, key):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(session, key)

    monkeypatch.setattr(starter_module, "_find_bank", stale_find)
    outcome = ensure_starter_banks(engine)
    assert calls["n"] == 2  # the insert failed on the unique key, the retry found the bank
    assert outcome["closing"] == "upgraded"
    after = _builtin_state(engine)
    assert set(after) == set(before)
    assert [k for _, k, _, _ in after["closing"]["questions"]] == [
        k for _, k, _, _ in before["closing"]["questions"]
    ]


def test_unique_builtin_key_backs_the_race_handling(engine):
    ensure_starter_banks(engine)
    with Session(engine) as session:
        session.add(QuestionBank(name="Dup", builtin=True, builtin_key="tiara", builtin_version=1))
        with pytest.raises(IntegrityError):
            session.commit()


def test_app_start_up_loads_the_starter_banks(app, engine):
    assert set(_builtin_state(engine)) == {"essentials", "tiara", "closing"}


def test_an_unreachable_database_does_not_stop_start_up():
    from app.db import make_engine

    unreachable = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    assert ensure_starter_banks(unreachable) == {}
    unreachable.dispose()


def test_a_database_without_tables_is_left_alone():
    from app.db import make_engine

    empty = make_engine("sqlite://")
    assert ensure_starter_banks(empty) == {}
    empty.dispose()


def test_two_workers_starting_at_once_load_each_bank_once(engine):
    import threading

    from app.questions.models import Question, QuestionBank

    # Start from a database that has never seen the starter banks.
    with engine.begin() as conn:
        conn.execute(Question.__table__.delete().where(Question.owner_id.is_(None)))
        conn.execute(QuestionBank.__table__.delete().where(QuestionBank.builtin.is_(True)))

    barrier = threading.Barrier(2)
    outcomes: list[dict[str, str]] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(ensure_starter_banks(engine))
        except BaseException as exc:  # reported below, whatever the interleaving
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    # Whichever way the two interleaved, each bank was created exactly once.
    created = [key for outcome in outcomes for key, what in outcome.items() if what == "created"]
    assert sorted(created) == ["closing", "essentials", "tiara"]
    state = _builtin_state(engine)
    assert set(state) == {"essentials", "tiara", "closing"}
    shipped = sum(len(bank.questions) for bank in load_starter_banks())
    assert sum(len(bank["questions"]) for bank in state.values()) == shipped
