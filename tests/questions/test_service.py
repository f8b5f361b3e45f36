"""Service-level rules of question banks: ownership, read-only banks, order, copies, limits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from app.questions import service
from app.questions.items import service as question_service
from app.questions.models import QUESTION_CATEGORIES, Question
from app.questions.schemas import BankCopy, BankCreate, BankUpdate, QuestionCreate, QuestionUpdate
from tests.questions.conftest import MAX, THREE


def _texts(db, user, bank_id):
    return [q.text for q in service.readable_questions(db, user, bank_id)]


# ---- starter banks ----------------------------------------------------------------------


def test_starter_banks_are_readable_by_everyone_and_rich_enough(db, user, other_user, starter):
    assert set(starter) == {"essentials", "tiara", "closing"}
    total = 0
    for reader in (user, other_user):
        found = service.list_banks(db, reader, scope="builtin")
        assert found.total == 3
        assert all(
            s.bank.builtin and s.bank.owner_id is None and not s.editable for s in found.items
        )
    for bank_id in starter.values():
        questions = service.readable_questions(db, user, bank_id)
        total += len(questions)
        for question in questions:
            assert question.category in QUESTION_CATEGORIES
            assert question.why_ask.strip()
            assert question.text.endswith("?")
    assert total >= 45
    tiara = {q.category for q in service.readable_questions(db, user, starter["tiara"])}
    assert tiara == {"trends", "insights", "advice", "resources", "assignments"}
    essentials = {q.category for q in service.readable_questions(db, user, starter["essentials"])}
    assert essentials == {
        "future_of_industry",
        "qualifications",
        "everyday_work",
        "career_path",
        "culture",
        "advice",
    }


def test_builtin_banks_refuse_every_write(db, user, starter):
    bank_id = starter["tiara"]
    question = service.readable_questions(db, user, bank_id)[0]
    assert question.id is not None
    attempts = [
        lambda: service.update_bank(db, user, bank_id, BankUpdate(name="Mine now")),
        lambda: service.delete_bank(db, user, bank_id),
        lambda: question_service.create_question(
            db, user, bank_id, QuestionCreate(text="New?"), max_questions=MAX
        ),
        lambda: question_service.update_question(
            db, user, bank_id, question.id, QuestionUpdate(text="Changed?")
        ),
        lambda: question_service.delete_question(db, user, bank_id, question.id),
        lambda: question_service.reorder_questions(
            db, user, bank_id, question_service.question_ids(db, user, bank_id)[::-1], None
        ),
        lambda: question_service.move_question(db, user, bank_id, question.id, "down"),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as caught:
            attempt()
        assert caught.value.detail == "Built-in banks are read-only; copy it to change it."
        db.rollback()
    assert service.readable_questions(db, user, bank_id)[0].text == question.text


# ---- own banks --------------------------------------------------------------------------


def test_create_rename_describe_delete(db, user):
    bank = service.create_bank(db, user, BankCreate(name="Engineers", description="For eng"))
    assert bank.owner_id == user.id and not bank.builtin and bank.version == 1
    bank = service.update_bank(db, user, bank.id, BankUpdate(name="Engineering"), expected=1)
    assert bank.name == "Engineering" and bank.version == 2
    bank = service.update_bank(db, user, bank.id, BankUpdate(description=None))
    assert bank.description == ""
    with pytest.raises(PreconditionFailed):
        service.update_bank(db, user, bank.id, BankUpdate(name="Stale"), expected=1)
    with pytest.raises(Invalid) as caught:
        service.update_bank(db, user, bank.id, BankUpdate(name=None))
    assert caught.value.errors[0].field == "name"
    with pytest.raises(PreconditionFailed):
        service.delete_bank(db, user, bank.id, expected=1)
    service.delete_bank(db, user, bank.id, expected=bank.version)
    with pytest.raises(NotFound):
        service.readable_bank(db, user, bank.id)


def test_delete_bank_removes_its_questions(db, user, make_bank):
    bank = make_bank(user, questions=THREE)
    service.delete_bank(db, user, bank.id)
    assert db.scalars(select(Question).where(Question.bank_id == bank.id)).all() == []


def test_other_users_unshared_bank_is_not_found_and_shared_one_is_read_only(
    db, user, other_user, make_bank
):
    private = make_bank(user, "Private", THREE)
    shared = make_bank(user, "Public", THREE, shared=True)
    private_q = service.readable_questions(db, user, private.id)[0]
    with pytest.raises(NotFound):
        service.readable_bank(db, other_user, private.id)
    with pytest.raises(NotFound):
        service.readable_question(db, other_user, private_q.id)
    with pytest.raises(NotFound):
        service.update_bank(db, other_user, private.id, BankUpdate(name="x"))
    with pytest.raises(NotFound):
        service.copy_bank(db, other_user, private.id, BankCopy(), max_questions=MAX)
    with pytest.raises(NotFound):
        question_service.get_question(db, other_user, private.id, private_q.id)

    assert _texts(db, other_user, shared.id) == [t for t, _ in THREE]
    summary = service.bank_summary(db, other_user, shared.id)
    assert not summary.owned and not summary.editable and summary.owner_name == "alice"
    shared_q = service.readable_questions(db, user, shared.id)[0]
    for attempt in (
        lambda: service.update_bank(db, other_user, shared.id, BankUpdate(name="Taken")),
        lambda: service.delete_bank(db, other_user, shared.id),
        lambda: question_service.create_question(
            db, other_user, shared.id, QuestionCreate(text="Mine?"), max_questions=MAX
        ),
        lambda: question_service.update_question(
            db, other_user, shared.id, shared_q.id, QuestionUpdate(text="x")
        ),
        lambda: question_service.delete_question(db, other_user, shared.id, shared_q.id),
        lambda: question_service.move_question(db, other_user, shared.id, shared_q.id, "down"),
    ):
        with pytest.raises(Forbidden) as caught:
            attempt()
        assert "copy it to change it" in caught.value.detail
        db.rollback()

    # Unsharing hides it again.
    service.update_bank(db, user, shared.id, BankUpdate(shared=False))
    with pytest.raises(NotFound):
        service.readable_bank(db, other_user, shared.id)


def test_list_scopes_search_sort_and_paging(db, user, other_user, make_bank, starter):
    make_bank(user, "Alpha", THREE)
    make_bank(user, "Beta", THREE[:1], shared=True)
    make_bank(other_user, "Gamma", THREE[:2], shared=True)
    make_bank(other_user, "Hidden")

    def names(**kwargs):
        found = service.list_banks(db, user, **kwargs)
        return [s.bank.name for s in found.items], found.total

    assert names(scope="mine") == (["Alpha", "Beta"], 2)
    assert names(scope="shared") == (["Gamma"], 1)
    assert names(scope="builtin")[1] == 3
    all_names, total = names()
    assert total == 6 and "Hidden" not in all_names
    assert names(q="alp") == (["Alpha"], 1)
    assert names(q="%") == ([], 0)
    assert names(scope="mine", sort="-question_count")[0] == ["Alpha", "Beta"]
    assert names(scope="mine", sort="question_count")[0] == ["Beta", "Alpha"]
    assert names(scope="mine", sort="-name")[0] == ["Beta", "Alpha"]
    assert names(scope="mine", limit=1, offset=1) == (["Beta"], 2)
    with pytest.raises(BadRequest) as caught:
        names(sort="owner_id")
    assert caught.value.errors[0].field == "sort"
    counts = {s.bank.name: s.question_count for s in service.list_banks(db, user).items}
    assert counts["Alpha"] == 3 and counts["Gamma"] == 2


def test_copy_a_starter_bank_into_ones_own(db, user, starter):
    copy = service.copy_bank(db, user, starter["tiara"], BankCopy(), max_questions=MAX)
    assert copy.owner_id == user.id and copy.copied_from_id == starter["tiara"]
    assert copy.name == "TIARA (my copy)" and not copy.builtin and copy.builtin_key is None
    original = service.readable_questions(db, user, starter["tiara"])
    copied = service.readable_questions(db, user, copy.id)
    assert [(q.text, q.category, q.tags, q.why_ask) for q in copied] == [
        (q.text, q.category, q.tags, q.why_ask) for q in original
    ]
    assert [q.position for q in copied] == list(range(len(copied)))
    assert all(q.owner_id == user.id and q.builtin_key is None for q in copied)
    # The copy is the user's to change; the original is untouched.
    question_service.update_question(db, user, copy.id, copied[0].id, QuestionUpdate(text="Mine?"))
    assert service.readable_questions(db, user, starter["tiara"])[0].text == original[0].text
    named = service.copy_bank(db, user, copy.id, BankCopy(name="TIARA v2"), max_questions=MAX)
    assert named.name == "TIARA v2" and named.copied_from_id == copy.id


def test_copy_refuses_a_bank_over_the_limit(db, user, make_bank):
    bank = make_bank(user, questions=THREE)
    with pytest.raises(Invalid) as caught:
        service.copy_bank(db, user, bank.id, BankCopy(), max_questions=2)
    assert "at most 2 questions" in caught.value.detail


# ---- questions --------------------------------------------------------------------------


def test_add_edit_delete_questions(db, user, make_bank):
    bank = make_bank(user)
    first = question_service.create_question(
        db,
        user,
        bank.id,
        QuestionCreate(text="  First?  ", category="culture", tags=["Remote", "remote", " Pay "]),
        max_questions=MAX,
    )
    second = question_service.create_question(
        db, user, bank.id, QuestionCreate(text="Second?"), max_questions=MAX
    )
    assert (first.text, first.tags, first.position) == ("First?", ["remote", "pay"], 0)
    assert (second.category, second.position) == ("other", 1)
    version_before = service.readable_bank(db, user, bank.id).version
    edited = question_service.update_question(
        db,
        user,
        bank.id,
        first.id,
        QuestionUpdate(text="Edited?", why_ask=None, tags=["x"]),
        expected=1,
    )
    assert (edited.text, edited.why_ask, edited.tags, edited.version) == ("Edited?", "", ["x"], 2)
    assert service.readable_bank(db, user, bank.id).version > version_before
    with pytest.raises(PreconditionFailed):
        question_service.update_question(
            db, user, bank.id, first.id, QuestionUpdate(text="x"), expected=1
        )
    for field_name in ("text", "category", "tags"):
        with pytest.raises(Invalid) as caught:
            question_service.update_question(
                db, user, bank.id, first.id, QuestionUpdate(**{field_name: None})
            )
        assert caught.value.errors[0].field == field_name
    question_service.delete_question(db, user, bank.id, first.id)
    assert _texts(db, user, bank.id) == ["Second?"]


def test_question_of_another_bank_is_not_found(db, user, make_bank):
    one = make_bank(user, "One", THREE)
    two = make_bank(user, "Two", THREE)
    foreign = service.readable_questions(db, user, two.id)[0]
    with pytest.raises(NotFound):
        question_service.get_question(db, user, one.id, foreign.id)
    with pytest.raises(NotFound):
        question_service.delete_question(db, user, one.id, foreign.id)


def test_a_full_bank_refuses_another_question(db, user, make_bank):
    bank = make_bank(user, questions=THREE)
    with pytest.raises(Conflict) as caught:
        question_service.create_question(
            db, user, bank.id, QuestionCreate(text="One more?"), max_questions=3
        )
    assert "maximum of 3 questions" in caught.value.detail


def test_filter_by_category_tag_and_text(db, user, make_bank):
    bank = make_bank(user, questions=THREE)
    question_service.create_question(
        db,
        user,
        bank.id,
        QuestionCreate(text="Tagged?", category="culture", tags=["remote"]),
        max_questions=MAX,
    )
    rows = (
        found := question_service.list_questions(db, user, bank.id, category="next_steps")
    ).items
    total = found.total
    assert [r.text for r in rows] == ["Who else should I talk to?"] and total == 1
    rows = (found := question_service.list_questions(db, user, bank.id, tag="remote")).items
    assert [r.text for r in rows] == ["Tagged?"]
    rows = (found := question_service.list_questions(db, user, bank.id, q="INDUSTRY")).items
    assert [r.text for r in rows] == ["Where is the industry heading?"]
    rows = (
        found := question_service.list_questions(db, user, bank.id, sort="-position", limit=2)
    ).items
    total = found.total
    assert [r.text for r in rows] == ["Tagged?", "Who else should I talk to?"] and total == 4
    assert [q.text for q in service.readable_questions(db, user, bank.id, category="culture")] == [
        "Tagged?"
    ]


def test_reorder_takes_the_full_list(db, user, make_bank):
    bank = make_bank(user, questions=THREE)
    ids = question_service.question_ids(db, user, bank.id)
    version = service.readable_bank(db, user, bank.id).version
    reordered = question_service.reorder_questions(db, user, bank.id, ids[::-1], version)
    assert reordered.version == version + 1
    assert question_service.question_ids(db, user, bank.id) == ids[::-1]
    assert _texts(db, user, bank.id) == [t for t, _ in reversed(THREE)]
    with pytest.raises(PreconditionFailed):
        question_service.reorder_questions(db, user, bank.id, ids, version)

    bad_lists = {
        "leaves out": ids[:2],
        "not in this bank": [*ids, 999_999],
        "more than once": [ids[0], ids[0], ids[1], ids[2]],
    }
    for words, bad in bad_lists.items():
        with pytest.raises(Invalid) as caught:
            question_service.reorder_questions(db, user, bank.id, bad, None)
        assert caught.value.errors[0].field == "question_ids"
        assert words in caught.value.errors[0].message
    assert question_service.question_ids(db, user, bank.id) == ids[::-1]


def test_move_up_and_down(db, user, make_bank):
    bank = make_bank(user, questions=THREE)
    a, b, c = question_service.question_ids(db, user, bank.id)
    question_service.move_question(db, user, bank.id, c, "up")
    assert question_service.question_ids(db, user, bank.id) == [a, c, b]
    question_service.move_question(db, user, bank.id, a, "down")
    assert question_service.question_ids(db, user, bank.id) == [c, a, b]
    # At the edges nothing moves.
    question_service.move_question(db, user, bank.id, c, "up")
    question_service.move_question(db, user, bank.id, b, "down")
    assert question_service.question_ids(db, user, bank.id) == [c, a, b]
    # Any other direction is refused (the pages share this rule), and nothing moves.
    for direction in ("sideways", "", "UP"):
        with pytest.raises(Invalid) as caught:
            question_service.move_question(db, user, bank.id, a, direction)
        assert caught.value.errors[0].field == "direction"
    assert question_service.question_ids(db, user, bank.id) == [c, a, b]


def test_readable_functions_used_by_interviews(db, user, other_user, make_bank, starter):
    mine = make_bank(user, "Mine", THREE)
    theirs = make_bank(other_user, "Theirs", THREE)
    shared = make_bank(other_user, "Shared", THREE, shared=True)
    assert service.readable_bank(db, user, mine.id).id == mine.id
    assert service.readable_bank(db, user, starter["closing"]).builtin
    assert service.readable_bank(db, user, shared.id).id == shared.id
    with pytest.raises(NotFound):
        service.readable_bank(db, user, theirs.id)
    culture = service.readable_questions(db, user, mine.id, category="future_of_industry")
    assert [q.text for q in culture] == ["Where is the industry heading?"]
    theirs_q = service.readable_questions(db, other_user, theirs.id)[0]
    with pytest.raises(NotFound):
        service.readable_question(db, user, theirs_q.id)
    shared_q = service.readable_questions(db, other_user, shared.id)[0]
    assert service.readable_question(db, user, shared_q.id).id == shared_q.id
