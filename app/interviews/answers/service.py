"""The answer matrix: what each interview heard, question by question, across interviews."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact
from app.errors import Invalid
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.answers.schemas import (
    AnswerCell,
    AnswerColumn,
    AnswerMatrix,
    AnswerRow,
    QuestionAnswer,
    QuestionAnswers,
)
from app.interviews.models import Interview
from app.interviews.service import Related, get_interview, related
from app.organizations.models import Organization
from app.ownership import get_owned
from app.questions import service as questions_service

MAX_MATRIX_INTERVIEWS = 100
# A career's matrix leaves out interviews that never happened.
NOT_HELD = ("cancelled", "no_show")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """The key free questions are matched by: case and spacing do not matter."""
    return _SPACES.sub(" ", text).strip().casefold()


def row_key(item: InterviewQuestion) -> str:
    """Bank questions match by their source; free questions by their normalised text."""
    if item.source_question_id is not None:
        return f"q{item.source_question_id}"
    return "t:" + normalise_text(item.text)


def _column(interview: Interview, names: Related) -> AnswerColumn:
    contact = names.contact(interview)
    organization = names.organization(interview)
    assert interview.id is not None
    return AnswerColumn(
        interview_id=interview.id,
        contact_id=interview.contact_id,
        contact_name=contact.full_name if contact else "",
        organization=organization.name if organization else None,
        date=interview.scheduled_at or interview.completed_at,
        status=interview.status,
    )


def build_matrix(
    session: Session, user: User, interviews: list[Interview], category: str | None = None
) -> AnswerMatrix:
    """A row per question (first-seen order), a column per interview, cells the answers."""
    names = related(session, user, interviews)
    columns = [_column(i, names) for i in interviews]
    index = {i.id: n for n, i in enumerate(interviews)}
    items: list[InterviewQuestion] = []
    if interviews:
        items = list(
            session.scalars(
                select(InterviewQuestion)
                .where(InterviewQuestion.interview_id.in_(list(index)))
                .order_by(InterviewQuestion.position, InterviewQuestion.id)
            )
        )
    items.sort(key=lambda it: (index[it.interview_id], it.position, it.id))
    rows: dict[str, AnswerRow] = {}
    for item in items:
        if category and item.category != category:
            continue
        key = row_key(item)
        row = rows.get(key)
        if row is None:
            row = rows[key] = AnswerRow(
                key=key,
                source_question_id=item.source_question_id,
                text=item.text,
                category=item.category,
                cells=[None] * len(interviews),
            )
        column = index[item.interview_id]
        assert item.id is not None
        existing = row.cells[column]
        if existing is None:
            row.cells[column] = AnswerCell(
                item_id=item.id,
                answer_notes=item.answer_notes,
                asked=item.asked,
                skipped=item.skipped,
            )
        elif item.answer_notes:
            # The same question twice on one agenda: keep both answers.
            joined = "\n\n".join(n for n in (existing.answer_notes, item.answer_notes) if n)
            existing.answer_notes = joined
            existing.asked = existing.asked or item.asked
    present = sorted({item.category for item in items})
    return AnswerMatrix(
        columns=columns, rows=list(rows.values()), category=category, categories=present
    )


def career_matrix(
    session: Session, user: User, career_id: int, category: str | None = None
) -> tuple[Career, AnswerMatrix]:
    """The answers heard in the user's interviews about one career, oldest first."""
    career = get_owned(session, Career, user.id, career_id)
    interviews = list(
        session.scalars(
            select(Interview)
            .where(
                Interview.owner_id == user.id,
                Interview.career_id == career_id,
                Interview.status.not_in(NOT_HELD),
            )
            .order_by(Interview.scheduled_at, Interview.id)
            .limit(MAX_MATRIX_INTERVIEWS)
        )
    )
    # NULL times sort differently per database; put unscheduled ones last everywhere.
    interviews.sort(key=lambda i: (i.scheduled_at is None, i.scheduled_at or i.created_at, i.id))
    return career, build_matrix(session, user, interviews, category)


def chosen_matrix(
    session: Session, user: User, interview_ids: list[int], category: str | None = None
) -> AnswerMatrix:
    """The matrix for interviews the user picked, in the order given."""
    unique = list(dict.fromkeys(interview_ids))
    if not unique:
        raise Invalid.one("interview_ids", "Choose at least one interview.")
    if len(unique) > MAX_MATRIX_INTERVIEWS:
        raise Invalid.one(
            "interview_ids", f"Compare at most {MAX_MATRIX_INTERVIEWS} interviews at once."
        )
    interviews = [get_interview(session, user, i) for i in unique]
    return build_matrix(session, user, interviews, category)


def question_answers(session: Session, user: User, question_id: int) -> QuestionAnswers:
    """Every answer the user heard to one bank question, oldest interview first."""
    question = questions_service.readable_question(session, user, question_id)
    rows = session.execute(
        select(InterviewQuestion, Interview)
        .join(Interview, Interview.id == InterviewQuestion.interview_id)
        .where(
            InterviewQuestion.owner_id == user.id,
            InterviewQuestion.source_question_id == question_id,
        )
        .order_by(Interview.id, InterviewQuestion.position)
    ).all()
    pairs = sorted(
        rows,
        key=lambda r: (r[1].scheduled_at is None, r[1].scheduled_at or r[1].created_at, r[1].id),
    )
    names = related(session, user, [interview for _, interview in pairs])
    answers = []
    for item, interview in pairs:
        column = _column(interview, names)
        assert item.id is not None
        answers.append(
            QuestionAnswer(
                **column.model_dump(),
                item_id=item.id,
                answer_notes=item.answer_notes,
                asked=item.asked,
                skipped=item.skipped,
            )
        )
    assert question.id is not None
    return QuestionAnswers(
        question_id=question.id, text=question.text, category=question.category, answers=answers
    )


@dataclass
class InterviewNotes:
    """One interview with what it refers to and its agenda: the notes document's content."""

    interview: Interview
    contact: Contact | None
    career: Career | None
    organization: Organization | None
    items: list[InterviewQuestion]


def interview_notes(session: Session, user: User, interview_id: int) -> InterviewNotes:
    """Everything the interview's notes document shows."""
    interview = get_interview(session, user, interview_id)
    names = related(session, user, [interview])
    items = list(
        session.scalars(
            select(InterviewQuestion)
            .where(InterviewQuestion.interview_id == interview.id)
            .order_by(InterviewQuestion.position, InterviewQuestion.id)
        )
    )
    return InterviewNotes(
        interview=interview,
        contact=names.contact(interview),
        career=names.career(interview),
        organization=names.organization(interview),
        items=items,
    )
