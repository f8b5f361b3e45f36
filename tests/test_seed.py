"""The demo-data generator: counts, denormalised columns as the services compute them,
acyclic referral chains, owner scoping, determinism, and the seed-demo command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from app.auth import service as auth_service
from app.careers.models import Career
from app.cli import app as cli
from app.contacts import service as contacts_service
from app.contacts.models import Contact, ContactCareer, ContactTag, Tag
from app.interactions.models import Interaction
from app.interactions.service import next_touch_due
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.organizations.models import Organization
from app.questions.models import Question, QuestionBank
from app.seed import SeedPlan, SeedResult, seed_demo
from app.tokens import service as tokens_service
from tests.contacts.tag_names import kept_and_linked

ANCHOR = datetime(2026, 6, 1, tzinfo=UTC)
PLAN = SeedPlan(users=2, contacts=60, interviews=8, answers=40, seed=3, anchor=ANCHOR)


@pytest.fixture
def seeded(engine: Engine) -> SeedResult:
    return seed_demo(engine, PLAN)


def _count(db: Session, model: type, owner_id: int, *where: object) -> int:
    statement = select(func.count()).select_from(model).where(model.owner_id == owner_id, *where)  # type: ignore[attr-defined]
    return db.scalar(statement) or 0


def test_counts_per_user(db: Session, seeded: SeedResult) -> None:
    assert [u.username for u in seeded.users] == ["demo1", "demo2"]
    for user in seeded.users:
        assert _count(db, Contact, user.user_id) == PLAN.contacts
        assert _count(db, Interview, user.user_id) == PLAN.interviews
        answered = _count(db, InterviewQuestion, user.user_id, InterviewQuestion.answer_notes != "")
        assert answered == PLAN.answers
        assert _count(db, Interaction, user.user_id) > 0
        assert _count(db, Career, user.user_id) > 0
        assert _count(db, Organization, user.user_id) > 0
        assert _count(db, QuestionBank, user.user_id) >= 1
        assert len(user.interview_ids) > 0
        assert len(user.contact_ids) == PLAN.contacts
    assert seeded.rows["contacts"] == PLAN.users * PLAN.contacts


def test_answer_notes_are_realistic_and_only_on_completed_interviews(
    db: Session, seeded: SeedResult
) -> None:
    rows = db.execute(
        select(InterviewQuestion.answer_notes, InterviewQuestion.asked, Interview.status).join(
            Interview, Interview.id == InterviewQuestion.interview_id
        )
    ).all()
    notes = [row.answer_notes for row in rows if row.answer_notes]
    assert all(row.status == "completed" and row.asked for row in rows if row.answer_notes)
    assert min(len(n) for n in notes) > 60
    assert len(set(notes)) > len(notes) * 0.9  # varied, not one note repeated


def test_search_text_matches_the_contacts_service(db: Session, seeded: SeedResult) -> None:
    contacts = list(db.scalars(select(Contact)))
    stored = {c.id: c.search_text for c in contacts}
    for contact in contacts:
        contacts_service._refresh_search_text(db, contact)
        assert contact.search_text == stored[contact.id], contact.full_name
    db.rollback()


def test_tag_names_kept_on_each_contact_match_its_links(db: Session, seeded: SeedResult) -> None:
    kept, linked = kept_and_linked(db.connection())
    assert kept == linked
    assert sum(1 for names in kept.values() if names) > PLAN.contacts // 2  # most are tagged


def test_touch_dates_match_the_interactions(db: Session, seeded: SeedResult) -> None:
    latest = dict(
        db.execute(
            select(Interaction.contact_id, func.max(Interaction.occurred_at)).group_by(
                Interaction.contact_id
            )
        )
        .tuples()
        .all()
    )
    contacts = list(db.scalars(select(Contact)))
    for contact in contacts:
        last = latest.get(contact.id)  # type: ignore[arg-type]
        if last is not None:
            last = last.replace(tzinfo=UTC) if last.tzinfo is None else last
        assert contact.last_contacted_at == last
        expected = next_touch_due(last, contact.created_at, contact.stay_in_touch_days)
        assert contact.next_touch_due == expected
    assert any(c.next_touch_due is not None for c in contacts)
    assert any(c.last_contacted_at is None for c in contacts)


def test_referral_chains_are_acyclic_and_stay_with_their_owner(
    db: Session, seeded: SeedResult
) -> None:
    rows = db.execute(select(Contact.id, Contact.owner_id, Contact.introduced_by_id)).all()
    introducer = {row.id: row.introduced_by_id for row in rows}
    owner = {row.id: row.owner_id for row in rows}
    assert any(introducer.values())
    for contact_id in introducer:
        seen = {contact_id}
        current = introducer[contact_id]
        while current is not None:
            assert current not in seen, f"cycle through contact {current}"
            assert owner[current] == owner[contact_id]
            seen.add(current)
            current = introducer[current]


def test_every_link_stays_within_one_user(db: Session, seeded: SeedResult) -> None:
    cross_org = db.scalar(
        select(func.count())
        .select_from(Contact)
        .join(Organization, Organization.id == Contact.organization_id)
        .where(Organization.owner_id != Contact.owner_id)
    )
    cross_tag = db.scalar(
        select(func.count())
        .select_from(ContactTag)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .join(Contact, Contact.id == ContactTag.contact_id)
        .where(Tag.owner_id != Contact.owner_id)
    )
    cross_career = db.scalar(
        select(func.count())
        .select_from(ContactCareer)
        .join(Career, Career.id == ContactCareer.career_id)
        .join(Contact, Contact.id == ContactCareer.contact_id)
        .where(Career.owner_id != Contact.owner_id)
    )
    cross_interview = db.scalar(
        select(func.count())
        .select_from(Interview)
        .join(Contact, Contact.id == Interview.contact_id)
        .where(Contact.owner_id != Interview.owner_id)
    )
    cross_agenda = db.scalar(
        select(func.count())
        .select_from(InterviewQuestion)
        .join(Interview, Interview.id == InterviewQuestion.interview_id)
        .where(Interview.owner_id != InterviewQuestion.owner_id)
    )
    cross_interaction = db.scalar(
        select(func.count())
        .select_from(Interaction)
        .join(Contact, Contact.id == Interaction.contact_id)
        .where(Contact.owner_id != Interaction.owner_id)
    )
    assert (cross_org, cross_tag, cross_career, cross_interview, cross_agenda) == (0, 0, 0, 0, 0)
    assert cross_interaction == 0
    # Every tag is in use, as the tags service keeps it.
    unused = db.scalar(
        select(func.count()).select_from(Tag).where(~Tag.id.in_(select(ContactTag.tag_id)))
    )
    assert unused == 0


def test_banks_are_copies_owned_by_each_user(db: Session, seeded: SeedResult) -> None:
    for user in seeded.users:
        banks = list(db.scalars(select(QuestionBank).where(QuestionBank.owner_id == user.user_id)))
        assert banks and not any(b.builtin for b in banks)
        questions = db.scalar(
            select(func.count())
            .select_from(Question)
            .where(Question.bank_id.in_([b.id for b in banks]))
            .where(Question.owner_id != user.user_id)
        )
        assert questions == 0


def test_tokens_and_passwords_work(db: Session, seeded: SeedResult) -> None:
    for user in seeded.users:
        found = tokens_service.resolve_token(db, user.token)
        assert found is not None and found[0].id == user.user_id
        stored = auth_service.get_user_by_username(db, user.username)
        from app.auth.passwords import verify_password

        assert verify_password(user.password, stored.password_hash)[0]


def test_the_same_seed_gives_the_same_data(db: Session, engine: Engine) -> None:
    plan = SeedPlan(users=1, contacts=30, interviews=4, answers=10, seed=9, anchor=ANCHOR)
    seed_demo(engine, plan)
    seed_demo(engine, SeedPlan(**{**plan.__dict__, "username_prefix": "again"}))

    def content(username: str) -> list[tuple[object, ...]]:
        user = auth_service.get_user_by_username(db, username)
        return [
            tuple(row)
            for row in db.execute(
                select(
                    Contact.full_name,
                    Contact.title,
                    Contact.email,
                    Contact.stage,
                    Contact.search_text,
                    Contact.next_touch_due,
                )
                .where(Contact.owner_id == user.id)
                .order_by(Contact.id)
            )
        ]

    assert content("demo1") == content("again1")


def test_seed_demo_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["seed-demo", "--database-url", url, "--contacts", "20", "--interviews", "3"]
    result = CliRunner().invoke(cli, [*args, "--answers", "6", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "user demo1" in result.output
    assert "token rpt_" in result.output
    assert "contacts 20" in result.output
    again = CliRunner().invoke(cli, [*args, "--answers", "6"])
    assert again.exit_code == 1
    assert "taken" in again.output


@pytest.mark.postgres
def test_a_seeded_postgresql_database_is_vacuumed_and_analyzed(
    engine: Engine, seeded: SeedResult
) -> None:
    from sqlalchemy import text

    with engine.connect() as conn:
        # VACUUM fills the visibility map (index-only reads stop going back to the rows) and
        # ANALYZE the planner's statistics, as autovacuum would on a database in use.
        visible = conn.scalar(text("SELECT relallvisible FROM pg_class WHERE relname = 'contacts'"))
        analysed = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'contacts' AND attname = 'owner_id'"
            )
        )
    assert visible and visible > 0
    assert analysed == 1
