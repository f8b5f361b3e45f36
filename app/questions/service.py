"""Question banks: starter banks, the user's own, and banks shared by other users."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from app.auth.models import User
from app.errors import NotFound
from app.questions.models import Question, QuestionBank


def _readable(user: User):  # type: ignore[no-untyped-def]
    return or_(
        QuestionBank.owner_id == user.id,
        QuestionBank.builtin.is_(True),
        QuestionBank.shared.is_(True),
    )


def readable_bank(session: Session, user: User, bank_id: int) -> QuestionBank:
    """A bank the user may read: their own, a built-in one, or one shared on this instance."""
    bank = session.scalar(select(QuestionBank).where(QuestionBank.id == bank_id, _readable(user)))
    if bank is None:
        raise NotFound(detail=f"No question bank with id {bank_id}.")
    return bank


def readable_questions(
    session: Session, user: User, bank_id: int, *, category: str | None = None
) -> list[Question]:
    """The questions of a readable bank, in order, optionally of one category."""
    readable_bank(session, user, bank_id)
    statement = select(Question).where(Question.bank_id == bank_id)
    if category:
        statement = statement.where(Question.category == category)
    return list(session.scalars(statement.order_by(Question.position, Question.id)))


def readable_question(session: Session, user: User, question_id: int) -> Question:
    """A single question from a bank the user may read."""
    question = session.scalar(
        select(Question)
        .join(QuestionBank, QuestionBank.id == Question.bank_id)
        .where(Question.id == question_id, _readable(user))
    )
    if question is None:
        raise NotFound(detail=f"No question with id {question_id}.")
    return question
