"""Every rule that creates or closes a follow-up, including reruns that must create nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session

from app.contacts.models import Contact
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.followups import service
from app.followups.models import FollowUp, FollowUpSettings
from app.followups.schemas import FollowUpCreate, FollowUpDone, FollowUpFilters, FollowUpUpdate
from app.interactions.models import Interaction
from app.messages.models import MessageTemplate
from tests.followups.builders import DONE_AT


def _tasks(db: Session, owner_id: int | None) -> list[FollowUp]:
    db.expire_all()
    return list(
        db.scalars(select(FollowUp).where(FollowUp.owner_id == owner_id).order_by(FollowUp.id))
    )


@pytest.fixture
def interviewed(db, user, make_contact, make_career, make_interview):
    career = make_career(user, "Marine biology")
    contact = make_contact(user, "Rachel Carson", organization="Ocean Institute")
    referral = make_contact(user, "Sylvia Earle", introduced_by=contact)
    interview = make_interview(
        user,
        contact,
        career=career,
        takeaways="- Field work is most of the job\n- Learn statistics",
        promises=[
            {"text": "send my resume", "by": "me", "done": False},
            {"text": "introduce me to a colleague", "by": "them", "done": False},
            {"text": "read The Sea Around Us", "by": "me", "done": False},
        ],
    )
    return interview, contact, referral


def test_completion_creates_thank_you_promises_and_introducer(db, user, interviewed):
    interview, contact, _referral = interviewed
    made = service.on_interview_completed(db, user, interview)
    db.commit()
    kinds = sorted(t.kind for t in made)
    assert kinds == ["keep_promise", "keep_promise", "thank_introducer", "thank_you"]
    thank = next(t for t in made if t.kind == "thank_you")
    assert thank.due_at == DONE_AT + timedelta(hours=24)
    assert thank.contact_id == contact.id and thank.interview_id == interview.id
    assert "Rachel" in thank.message and "Field work is most of the job" in thank.message
    assert "Ocean Institute" in thank.message and "Marine biology" in thank.message
    promises = sorted(t.message for t in made if t.kind == "keep_promise")
    assert "read The Sea Around Us" in promises[0] and "send my resume" in promises[1]
    introducer = next(t for t in made if t.kind == "thank_introducer")
    assert introducer.contact_id == contact.id and "Sylvia Earle" in introducer.message


def test_rerunning_completion_creates_nothing_twice(db, user, interviewed):
    interview, _, _ = interviewed
    service.on_interview_completed(db, user, interview)
    db.commit()
    again = service.on_interview_completed(db, user, interview)
    db.commit()
    assert again == []
    assert len(_tasks(db, user.id)) == 4


def test_thank_you_delay_is_the_users_setting(db, user, interviewed):
    db.add(FollowUpSettings(user_id=user.id, thank_you_delay_hours=48))
    db.commit()
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    assert next(t for t in made if t.kind == "thank_you").due_at == DONE_AT + timedelta(hours=48)


def test_thank_you_uses_the_users_own_template(db, user, interviewed):
    db.add(
        MessageTemplate(
            owner_id=user.id,
            name="Mine",
            kind="thank_you",
            subject="Thanks!",
            body="Hi {{ contact.first_name }}: {{ interview.takeaway }}",
        )
    )
    db.commit()
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    thank = next(t for t in made if t.kind == "thank_you")
    assert thank.subject == "Thanks!"
    assert thank.message == "Hi Rachel: Field work is most of the job"


def test_a_broken_own_template_falls_back_to_the_builtin(db, user, interviewed):
    db.add(MessageTemplate(owner_id=user.id, name="Bad", kind="thank_you", body="{{ nope }}"))
    db.commit()
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    assert "Rachel" in next(t for t in made if t.kind == "thank_you").message


def test_takeaway_falls_back_to_an_answer(db, user, make_contact, make_interview):
    contact = make_contact(user, "Ann Lee")
    interview = make_interview(
        user, contact, answers=[("What surprised you?", "How much writing there is.")]
    )
    made = service.on_interview_completed(db, user, interview)
    assert "How much writing there is." in made[0].message


def test_not_completed_makes_nothing(db, user, make_contact, make_interview):
    interview = make_interview(user, make_contact(user), status="scheduled")
    assert service.on_interview_completed(db, user, interview) == []


def test_cancelling_skips_open_tasks_only(db, user, interviewed):
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    db.commit()
    first = made[0]
    service.complete_follow_up(db, user, first.id, FollowUpDone(log_interaction=False))
    assert service.on_interview_cancelled(db, user, interview) == 3
    db.commit()
    statuses = {t.id: t.status for t in _tasks(db, user.id)}
    assert statuses[first.id] == "done"
    assert sorted(statuses.values()) == ["done", "skipped", "skipped", "skipped"]


def test_deleting_a_contact_deletes_their_tasks(db, user, interviewed):
    interview, contact, _ = interviewed
    service.on_interview_completed(db, user, interview)
    db.commit()
    db.delete(db.get(Contact, contact.id))
    db.commit()
    assert _tasks(db, user.id) == []


def test_done_promise_task_marks_the_promise_kept_and_back(db, user, interviewed):
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    db.commit()
    task = next(t for t in made if "send my resume" in t.message)
    service.complete_follow_up(db, user, task.id, FollowUpDone(log_interaction=False))
    db.refresh(interview)
    assert interview.promises[0]["done"] is True
    assert interview.promises[2]["done"] is False
    service.update_follow_up(db, user, task.id, FollowUpUpdate(status="open"))
    db.refresh(interview)
    assert interview.promises[0]["done"] is False


def test_keeping_the_promise_on_the_interview_closes_the_task(db, user, interviewed):
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    db.commit()
    task = next(t for t in made if "send my resume" in t.message)
    service.on_promise_kept(db, user, interview, "send my resume", True)
    db.commit()
    db.refresh(task)
    assert task.status == "done"
    service.on_promise_kept(db, user, interview, "send my resume", False)
    db.commit()
    db.refresh(task)
    assert task.status == "open"


def test_done_logs_an_interaction_and_resets_the_clock(db, user, make_contact):
    contact = make_contact(user, cadence=30, next_touch_due=utcnow() - timedelta(days=3))
    task = service.create_check_in(db, user, contact.id)
    service.complete_follow_up(db, user, task.id, FollowUpDone())
    db.expire_all()
    logged = db.scalars(select(Interaction).where(Interaction.contact_id == contact.id)).all()
    assert len(logged) == 1 and logged[0].kind == "call"
    assert logged[0].summary.startswith("Check in")
    refreshed = db.get(Contact, contact.id)
    assert refreshed.next_touch_due > utcnow() + timedelta(days=29)


def test_done_without_logging_logs_nothing(db, user, make_contact):
    contact = make_contact(user, cadence=30, next_touch_due=utcnow() - timedelta(days=3))
    task = service.create_check_in(db, user, contact.id)
    service.complete_follow_up(db, user, task.id, FollowUpDone(log_interaction=False))
    assert db.scalar(select(func.count()).select_from(Interaction)) == 0


def test_check_ins_due_and_created_once(db, user, make_contact):
    due = make_contact(user, "Due Person", cadence=30, next_touch_due=utcnow() - timedelta(days=1))
    make_contact(user, "Not due", cadence=30, next_touch_due=utcnow() + timedelta(days=5))
    make_contact(user, "No cadence")
    assert [c.id for c in service.check_ins_due(db, user)] == [due.id]
    first = service.create_check_in(db, user, due.id)
    again = service.create_check_in(db, user, due.id)
    assert first.id == again.id and first.kind == "check_in"
    assert service.check_ins_due(db, user) == []
    assert len(_tasks(db, user.id)) == 1


def test_check_in_needs_a_cadence(db, user, make_contact):
    with pytest.raises(Conflict):
        service.create_check_in(db, user, make_contact(user).id)


def test_bulk_done_and_snooze(db, user, make_contact):
    contact = make_contact(user)
    ids = [
        service.create_check_in(
            db,
            user,
            make_contact(user, f"P{i}", cadence=7, next_touch_due=utcnow() - timedelta(days=1)).id,
        ).id
        for i in range(3)
    ]
    before = {t.id: t.due_at for t in _tasks(db, user.id)}
    assert service.bulk_snooze(db, user, ids[:2]) == 2
    after = {t.id: t.due_at for t in _tasks(db, user.id)}
    assert after[ids[0]] >= before[ids[0]] + timedelta(days=7)
    assert after[ids[2]] == before[ids[2]]
    assert service.bulk_done(db, user, ids, log_interaction=False) == 3
    assert {t.status for t in _tasks(db, user.id)} == {"done"}
    assert contact.id


def test_bulk_with_another_users_id_changes_nothing(db, user, other_user, make_contact):
    mine = service.create_check_in(
        db, user, make_contact(user, cadence=7, next_touch_due=utcnow() - timedelta(days=1)).id
    )
    theirs = service.create_check_in(
        db,
        other_user,
        make_contact(other_user, cadence=7, next_touch_due=utcnow() - timedelta(days=1)).id,
    )
    with pytest.raises(NotFound):
        service.bulk_done(db, user, [mine.id, theirs.id])
    db.rollback()
    assert {t.status for t in _tasks(db, user.id)} == {"open"}
    assert {t.status for t in _tasks(db, other_user.id)} == {"open"}


def test_due_list_sections_in_the_users_timezone(db, make_user, make_contact):
    from app.followups.schemas import FollowUpCreate

    user = make_user("tokyo", timezone="Asia/Tokyo")
    contact = make_contact(user)
    now = utcnow()
    for days in (-2, 0.01, 3, 20):
        service.create_follow_up(
            db,
            user,
            FollowUpCreate(contact_id=contact.id, due_at=now + timedelta(days=days)),
        )
    due = service.due_list(db, user, FollowUpFilters(), now=now)
    assert len(due.overdue) == 1 and len(due.later) == 1
    assert len(due.today) + len(due.week) == 2
    assert service.count_due(db, user, now=now) == 1 + len(due.today)


def test_captured_after_completion_adds_only_the_new_tasks(db, user, interviewed):
    interview, _, _ = interviewed
    made = service.on_interview_completed(db, user, interview)
    db.commit()
    thank = next(t for t in made if t.kind == "thank_you")
    service.delete_follow_up(db, user, thank.id)
    interview.promises = [*interview.promises, {"text": "share the article", "by": "me"}]
    db.add(interview)
    db.commit()
    added = service.on_interview_captured(db, user, interview)
    db.commit()
    assert [t.kind for t in added] == ["keep_promise"]
    assert "share the article" in added[0].message
    assert all(t.kind != "thank_you" for t in _tasks(db, user.id))


def test_due_now_lists_overdue_and_today_with_their_contacts_name_in_one_statement(
    db, engine, user, other_user, make_contact
):
    now = utcnow()
    ada, theirs = make_contact(user, "Ada <Lovelace>"), make_contact(other_user, "Not Yours")
    made = {}
    for name, owner, contact, due in (
        ("overdue", user, ada, now - timedelta(days=2)),
        ("today", user, ada, now + timedelta(hours=1)),
        ("later", user, ada, now + timedelta(days=3)),
        ("theirs", other_user, theirs, now - timedelta(days=1)),
    ):
        made[name] = service.create_follow_up(
            db, owner, FollowUpCreate(contact_id=contact.id, kind="check_in", due_at=due)
        )
    service.create_follow_up(
        db, user, FollowUpCreate(contact_id=ada.id, due_at=now - timedelta(days=5), status="done")
    )
    db.rollback()
    statements: list[str] = []

    def record(*args) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        due = service.due_now(db, user, now=now)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    db.rollback()
    # One read: the rows with their contacts' names (no follow-up or contact objects).
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
    assert [(r.id, r.kind, r.contact_name) for r in due.overdue] == [
        (made["overdue"].id, "check_in", "Ada <Lovelace>")
    ]
    assert [(r.id, r.version, r.due_at) for r in due.today] == [
        (made["today"].id, made["today"].version, made["today"].due_at)
    ]
