"""Service-level rules: transitions, scheduling, preparation, agenda snapshots, referrals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.contacts.models import Contact
from app.errors import Conflict, Invalid, NotFound, PreconditionFailed
from app.interactions.models import Interaction
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import (
    AgendaFromBank,
    AgendaItemCreate,
    AgendaItemUpdate,
    AgendaMove,
)
from app.interviews.models import DEFAULT_PURPOSE, STATUS_LABELS
from app.interviews.schemas import (
    MAX_LINKS,
    InterviewCreate,
    InterviewUpdate,
    PromiseCreate,
    ReferralCreate,
    ResearchLink,
    StatusChange,
)
from app.questions.models import Question, QuestionBank

WHEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _move(db, user, interview, status, **extra):
    return service.change_status(db, user, interview.id, StatusChange(status=status, **extra))


def test_create_defaults(db, user, make_interview):
    interview = make_interview(user)
    assert interview.status == "planned"
    assert interview.duration_minutes == 30
    assert interview.purpose == DEFAULT_PURPOSE
    assert [i["key"] for i in interview.checklist] == [k for k, _ in service.DEFAULT_CHECKLIST]
    assert interview.preparation_score == 0


ALLOWED = [
    ("planned", "requested"),
    ("planned", "scheduled"),
    ("planned", "cancelled"),
    ("requested", "planned"),
    ("requested", "scheduled"),
    ("requested", "cancelled"),
    ("scheduled", "completed"),
    ("scheduled", "cancelled"),
    ("scheduled", "no_show"),
    ("no_show", "scheduled"),
    ("no_show", "cancelled"),
    ("cancelled", "planned"),
]
# How to reach each starting status from planned.
PATHS = {
    "planned": [],
    "requested": ["requested"],
    "scheduled": ["scheduled"],
    "no_show": ["scheduled", "no_show"],
    "cancelled": ["cancelled"],
    "completed": ["scheduled", "completed"],
}


def _at(db, user, make_interview, status):
    interview = make_interview(user, scheduled_at=WHEN)
    for step in PATHS[status]:
        interview = _move(db, user, interview, step)
    assert interview.status == status
    return interview


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_every_allowed_transition(db, user, make_interview, start, target):
    interview = _at(db, user, make_interview, start)
    moved = _move(db, user, interview, target)
    assert moved.status == target
    assert target in service.TRANSITIONS[start]


REFUSED = [
    ("planned", "completed"),
    ("planned", "no_show"),
    ("requested", "completed"),
    ("scheduled", "planned"),
    ("completed", "scheduled"),
    ("completed", "cancelled"),
    ("cancelled", "completed"),
    ("no_show", "completed"),
    ("planned", "planned"),
]


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_refused_transitions_are_conflicts(db, user, make_interview, start, target):
    interview = _at(db, user, make_interview, start)
    version = interview.version
    with pytest.raises(Conflict) as caught:
        _move(db, user, interview, target)
    assert "cannot become" in caught.value.detail
    db.expire_all()
    again = service.get_interview(db, user, interview.id)
    assert (again.status, again.version) == (start, version)


def test_every_status_is_covered_by_the_transition_table():
    assert set(service.TRANSITIONS) == set(STATUS_LABELS)
    allowed = {(s, t) for s, targets in service.TRANSITIONS.items() for t in targets}
    assert allowed == set(ALLOWED)


def test_scheduling_needs_a_time(db, user, make_interview):
    interview = make_interview(user)
    with pytest.raises(Invalid) as caught:
        _move(db, user, interview, "scheduled")
    assert caught.value.errors[0].field == "scheduled_at"
    moved = _move(db, user, interview, "scheduled", scheduled_at=WHEN)
    assert moved.scheduled_at == WHEN


def test_requesting_stamps_requested_at(db, user, make_interview):
    interview = _move(db, user, make_interview(user), "requested")
    assert interview.requested_at is not None


PAST = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_completing_records_a_meeting(db, user, make_interview):
    interview = make_interview(user, status="scheduled", scheduled_at=PAST, summary="Great chat")
    done = _move(db, user, interview, "completed")
    assert done.completed_at is not None
    interactions = db.scalars(
        select(Interaction).where(Interaction.contact_id == interview.contact_id)
    ).all()
    assert len(interactions) == 1
    assert interactions[0].kind == "meeting"
    assert interactions[0].occurred_at == PAST
    assert "Great chat" in interactions[0].summary


def test_completing_early_never_dates_anything_in_the_future(db, user, make_interview):
    """Issue 11: completing an interview scheduled next week records it as held now."""
    ahead = datetime.now(UTC) + timedelta(days=7)
    interview = make_interview(user, status="scheduled", scheduled_at=ahead)
    before = datetime.now(UTC)
    done = _move(db, user, interview, "completed")
    after = datetime.now(UTC)
    contact = db.get(Contact, interview.contact_id)
    meeting = db.scalars(select(Interaction).where(Interaction.contact_id == contact.id)).one()
    assert before <= meeting.occurred_at <= after
    assert before <= contact.last_contacted_at <= after
    assert done.scheduled_at <= after
    if contact.next_touch_due is not None:
        assert contact.next_touch_due - contact.last_contacted_at <= timedelta(
            days=contact.stay_in_touch_days
        )


def test_completing_takes_when_it_happened_but_not_a_future_time(db, user, make_interview):
    interview = make_interview(user, status="scheduled", scheduled_at=WHEN)
    with pytest.raises(Invalid) as caught:
        _move(db, user, interview, "completed", held_at=datetime.now(UTC) + timedelta(hours=2))
    assert caught.value.errors[0].field == "held_at"
    db.rollback()
    done = _move(db, user, interview, "completed", held_at=PAST)
    assert done.scheduled_at == PAST
    assert db.get(Contact, interview.contact_id).last_contacted_at == PAST


@pytest.mark.parametrize(
    ("before", "after"),
    [("prospect", "met"), ("contacted", "met"), ("met", "met"), ("in_network", "in_network")],
)
def test_completing_moves_the_contact_to_met_never_back(db, user, make_interview, before, after):
    interview = make_interview(user, status="scheduled", scheduled_at=PAST)
    contact = db.get(Contact, interview.contact_id)
    contact.stage = before
    db.add(contact)
    db.commit()
    _move(db, user, interview, "completed")
    assert db.get(Contact, interview.contact_id).stage == after


def test_stale_version_refused(db, user, make_interview):
    interview = make_interview(user)
    with pytest.raises(PreconditionFailed):
        service.update_interview(
            db, user, interview.id, InterviewUpdate(location="Cafe"), interview.version + 1
        )


def test_foreign_contact_and_career_are_field_errors(
    db, user, other_user, make_contact, make_career
):
    theirs = make_contact(other_user)
    their_career = make_career(other_user)
    with pytest.raises(Invalid) as caught:
        service.create_interview(db, user, InterviewCreate(contact_id=theirs.id))
    assert caught.value.errors[0].field == "contact_id"
    mine = make_contact(user)
    with pytest.raises(Invalid) as caught:
        service.create_interview(
            db, user, InterviewCreate(contact_id=mine.id, career_id=their_career.id)
        )
    assert caught.value.errors[0].field == "career_id"


def test_other_users_interview_is_not_found(db, user, other_user, make_interview):
    interview = make_interview(other_user)
    with pytest.raises(NotFound):
        service.get_interview(db, user, interview.id)
    with pytest.raises(NotFound):
        _move(db, user, interview, "requested")


def test_overlap_warns_but_does_not_refuse(db, user, make_interview, make_contact):
    first = make_interview(user, status="scheduled", scheduled_at=WHEN, duration_minutes=60)
    other = make_contact(user, "Sam Lee")
    second = make_interview(
        user, other, status="scheduled", scheduled_at=WHEN + timedelta(minutes=30)
    )
    warnings = service.overlap_warnings(db, user, second)
    assert len(warnings) == 1 and "Dana Reyes" in warnings[0]
    assert service.overlap_warnings(db, user, first)
    later = make_interview(
        user, other, status="scheduled", scheduled_at=WHEN + timedelta(minutes=60)
    )
    assert service.overlap_warnings(db, user, later) == []
    planned = make_interview(user, other, scheduled_at=WHEN)
    assert service.overlap_warnings(db, user, planned) == []


def test_checklist_score_and_own_items(db, user, make_interview):
    interview = make_interview(user)
    interview = service.set_checklist_done(db, user, interview.id, {"profession", "person"})
    assert interview.preparation_score == 33
    interview = service.add_checklist_item(db, user, interview.id, "Practised my intro")
    assert interview.checklist[-1]["key"] == "own-1"
    assert interview.preparation_score == 29
    keys = {i["key"] for i in interview.checklist}
    interview = service.set_checklist_done(db, user, interview.id, keys)
    assert interview.preparation_score == 100
    interview = service.remove_checklist_item(db, user, interview.id, "own-1")
    assert len(interview.checklist) == 6
    with pytest.raises(Invalid):
        service.add_checklist_item(db, user, interview.id, "two\nlines")
    with pytest.raises(NotFound):
        service.remove_checklist_item(db, user, interview.id, "nope")


def test_promises_are_kept_on_the_interview(db, user, make_interview):
    interview = make_interview(user)
    service.add_item(db, user, interview.id, "promises", PromiseCreate(text="Send resume", by="me"))
    interview = service.add_item(
        db, user, interview.id, "promises", PromiseCreate(text="Intro to Kim", by="them")
    )
    assert [p["by"] for p in interview.promises] == ["me", "them"]
    interview = service.set_promise_done(db, user, interview.id, 0, True)
    assert interview.promises[0]["done"] is True
    interview = service.remove_item(db, user, interview.id, "promises", 1)
    assert len(interview.promises) == 1
    with pytest.raises(NotFound):
        service.remove_item(db, user, interview.id, "promises", 5)


def test_list_edits_keep_their_limits_and_names(db, user, make_interview):
    interview = make_interview(user)
    link = ResearchLink(url="https://a.example")
    for _ in range(MAX_LINKS):
        service.add_item(db, user, interview.id, "research_links", link)
    with pytest.raises(Invalid) as full:
        service.add_item(db, user, interview.id, "research_links", link)
    assert full.value.errors[0].field == "url"
    assert full.value.errors[0].message == (
        f"An interview keeps at most {MAX_LINKS} research links."
    )
    with pytest.raises(NotFound, match="No promise number 1 on this interview"):
        service.remove_item(db, user, interview.id, "promises", 0)
    kept = service.remove_item(db, user, interview.id, "research_links", 0)
    assert len(kept.research_links) == MAX_LINKS - 1


def test_referral_creates_contact_introduced_by_interviewee(db, user, make_interview):
    interview = make_interview(user)
    created = service.capture_referral(
        db, user, interview.id, ReferralCreate(full_name="Kim Park", note="runs the data team")
    )
    assert created.introduced_by_id == interview.contact_id
    assert created.owner_id == user.id
    assert "runs the data team" in created.how_we_met
    assert [c.full_name for c in service.referrals_of(db, user, interview)] == ["Kim Park"]


# ---- agenda ---------------------------------------------------------------------------


def test_snapshot_survives_bank_edits_and_deletion(db, user, make_interview, make_bank):
    bank = make_bank(user)
    interview = make_interview(user)
    added, skipped = agenda_service.add_from_bank(
        db, user, interview.id, AgendaFromBank(bank_id=bank.id)
    )
    assert (len(added), skipped) == (3, 0)
    first = added[0]
    source = db.get(Question, first.source_question_id)
    source.text = "Rewritten in the bank"
    source.category = "culture"
    db.commit()
    db.expire_all()
    item = agenda_service.get_agenda_item(db, user, interview.id, first.id)
    assert (item.text, item.category) == ("What trends do you see?", "trends")
    db.delete(db.get(QuestionBank, bank.id))
    db.commit()
    db.expire_all()
    items = agenda_service.list_agenda(db, user, interview.id)
    assert [i.text for i in items] == [
        "What trends do you see?",
        "What surprised you most?",
        "What advice would you give?",
    ]
    assert all(i.source_question_id is None for i in items)


def test_bulk_add_by_category_chosen_and_duplicates(db, user, make_interview, make_bank):
    bank = make_bank(None)
    interview = make_interview(user)
    added, _ = agenda_service.add_from_bank(
        db, user, interview.id, AgendaFromBank(bank_id=bank.id, category="advice")
    )
    assert [i.category for i in added] == ["advice"]
    questions = agenda_service.picker_questions(db, user, bank.id, None)
    added, skipped = agenda_service.add_from_bank(
        db,
        user,
        interview.id,
        AgendaFromBank(bank_id=bank.id, question_ids=[questions[0].id, questions[2].id]),
    )
    assert [i.text for i in added] == ["What trends do you see?"]
    assert skipped == 1
    with pytest.raises(Invalid) as caught:
        agenda_service.add_from_bank(
            db, user, interview.id, AgendaFromBank(bank_id=bank.id, question_ids=[999999])
        )
    assert caught.value.errors[0].field == "question_ids"


def test_other_users_private_bank_is_refused(db, user, other_user, make_interview, make_bank):
    private = make_bank(other_user)
    shared = make_bank(other_user, name="Shared", shared=True)
    interview = make_interview(user)
    with pytest.raises(Invalid) as caught:
        agenda_service.add_from_bank(db, user, interview.id, AgendaFromBank(bank_id=private.id))
    assert caught.value.errors[0].field == "bank_id"
    question = db.scalars(select(Question).where(Question.bank_id == private.id)).first()
    with pytest.raises(Invalid) as caught:
        agenda_service.add_agenda_item(
            db, user, interview.id, AgendaItemCreate(source_question_id=question.id)
        )
    assert caught.value.errors[0].field == "source_question_id"
    assert agenda_service.list_agenda(db, user, interview.id) == []
    added, _ = agenda_service.add_from_bank(
        db, user, interview.id, AgendaFromBank(bank_id=shared.id)
    )
    assert len(added) == 3


def test_free_questions_and_reorder(db, user, make_interview):
    interview = make_interview(user)
    ids = [
        agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text=f"Q{n}")).id
        for n in range(3)
    ]
    version = service.get_interview(db, user, interview.id).version
    items = agenda_service.reorder_agenda(db, user, interview.id, ids[::-1], version)
    assert [i.text for i in items] == ["Q2", "Q1", "Q0"]
    assert [i.position for i in items] == [0, 1, 2]
    for bad in (ids[:2], [*ids, ids[0]], [*ids[:2], 999999]):
        with pytest.raises(Invalid) as caught:
            agenda_service.reorder_agenda(db, user, interview.id, bad)
        assert caught.value.errors[0].field == "item_ids"
    with pytest.raises(PreconditionFailed):
        agenda_service.reorder_agenda(db, user, interview.id, ids, version)
    up = AgendaMove(direction="up")
    with pytest.raises(PreconditionFailed):
        agenda_service.move_agenda_item(db, user, interview.id, ids[0], up, version)
    moved = agenda_service.move_agenda_item(db, user, interview.id, ids[0], up)
    assert [i.text for i in moved] == ["Q2", "Q0", "Q1"]


def test_notes_conflict_is_refused_not_merged(db, user, make_interview):
    interview = make_interview(user)
    item = agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Q"))
    seen = item.version
    agenda_service.update_agenda_item(
        db, user, interview.id, item.id, AgendaItemUpdate(answer_notes="tab one"), seen
    )
    with pytest.raises(PreconditionFailed) as caught:
        agenda_service.update_agenda_item(
            db, user, interview.id, item.id, AgendaItemUpdate(answer_notes="tab two"), seen
        )
    assert caught.value.current_version == seen + 1
    db.expire_all()
    stored = db.get(InterviewQuestion, item.id)
    assert stored.answer_notes == "tab one"


def test_asked_and_skipped_exclude_each_other(db, user, make_interview):
    interview = make_interview(user)
    item = agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Q"))
    item = agenda_service.update_agenda_item(
        db, user, interview.id, item.id, AgendaItemUpdate(asked=True)
    )
    item = agenda_service.update_agenda_item(
        db, user, interview.id, item.id, AgendaItemUpdate(skipped=True)
    )
    assert (item.asked, item.skipped) == (False, True)


def test_agenda_item_of_another_interview_is_not_found(db, user, make_interview):
    one = make_interview(user)
    two = make_interview(user)
    item = agenda_service.add_agenda_item(db, user, one.id, AgendaItemCreate(text="Q"))
    with pytest.raises(NotFound):
        agenda_service.get_agenda_item(db, user, two.id, item.id)


# ---- lists and summaries ---------------------------------------------------------------


def test_list_filters_and_interviews_for(db, user, other_user, make_interview, make_career):
    career = make_career(user)
    a = make_interview(user, career_id=career.id, status="scheduled", scheduled_at=WHEN)
    b = make_interview(user, scheduled_at=WHEN + timedelta(days=2))
    make_interview(other_user)
    rows = (
        found := service.list_interviews(db, user, service.InterviewFilters(statuses=["scheduled"]))
    ).items
    total = found.total
    assert ([r.id for r in rows], total) == ([a.id], 1)
    rows = service.list_interviews(
        db,
        user,
        service.InterviewFilters(scheduled_from=WHEN + timedelta(days=1)),
    ).items
    assert [r.id for r in rows] == [b.id]
    rows = (
        found := service.list_interviews(db, user, service.InterviewFilters(), sort="scheduled_at")
    ).items
    assert [r.id for r in rows] == [a.id, b.id]
    rows = (found := service.list_interviews(db, user, service.InterviewFilters(), q="dana")).items
    assert len(rows) == 2
    assert [i.id for i in service.interviews_for(db, user, career_id=career.id)] == [a.id]
    assert {i.id for i in service.interviews_for(db, user, contact_id=b.contact_id)} == {b.id}
    prep = (
        found := service.list_interviews(db, user, service.InterviewFilters(needs_preparation=True))
    ).items
    assert len(prep) == 2


def test_deleting_an_interview_removes_its_agenda(db, user, make_interview):
    interview = make_interview(user)
    agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Q"))
    service.delete_interview(db, user, interview.id)
    assert db.scalars(select(InterviewQuestion)).all() == []
    assert db.get(Contact, interview.contact_id) is not None
