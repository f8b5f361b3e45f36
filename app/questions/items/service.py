"""Questions of a bank: add, edit, delete, reorder (the bank rules live in app.questions)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.errors import Conflict, FieldError, Invalid, NotFound
from app.paging import order_by_clauses, paginate
from app.questions import service
from app.questions.models import Question, QuestionBank
from app.questions.schemas import QuestionCreate, QuestionUpdate
from app.schemas import Page
from app.textmatch import like_pattern

MOVE_DIRECTIONS = ("up", "down")
# What a bank's questions may be sorted by (the API declares these names).
QUESTION_SORTS: dict[str, Any] = {
    "position": Question.position,
    "text": func.lower(Question.text),
    "category": Question.category,
    "created_at": Question.created_at,
    "updated_at": Question.updated_at,
    "id": Question.id,
}


def list_questions(
    session: Session,
    user: User,
    bank_id: int,
    *,
    category: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Question]:
    """One page of a readable bank's questions, in order unless sorted otherwise."""
    service.readable_bank(session, user, bank_id)
    statement = select(Question).where(Question.bank_id == bank_id)
    if category:
        statement = statement.where(Question.category == category)
    if q:
        statement = statement.where(func.lower(Question.text).like(like_pattern(q), escape="\\"))
    if tag:
        # Tags are a short JSON list per question and a bank is small: matching them in Python
        # keeps SQLite and PostgreSQL alike.
        tagged = [row.id for row in session.scalars(statement) if tag in (row.tags or [])]
        statement = statement.where(Question.id.in_(tagged))  # type: ignore[union-attr]
    order = order_by_clauses(sort, QUESTION_SORTS, ["position"])
    return paginate(session, statement.order_by(*order, Question.id), limit=limit, offset=offset)


def get_question(session: Session, user: User, bank_id: int, question_id: int) -> Question:
    """A question of a readable bank; a question of another bank is not found."""
    question = service.readable_question(session, user, question_id)
    if question.bank_id != bank_id:
        raise NotFound(detail=f"No question with id {question_id} in bank {bank_id}.")
    return question


def _writable_question(
    session: Session, user: User, bank_id: int, question_id: int
) -> tuple[QuestionBank, Question]:
    bank = service.writable_bank(session, user, bank_id)
    return bank, get_question(session, user, bank_id, question_id)


def _next_position(session: Session, bank_id: int) -> int:
    last = session.scalar(select(func.max(Question.position)).where(Question.bank_id == bank_id))
    return 0 if last is None else last + 1


def create_question(
    session: Session, user: User, bank_id: int, data: QuestionCreate, *, max_questions: int
) -> Question:
    """Append a question to one of the user's banks."""
    bank = service.writable_bank(session, user, bank_id)
    if service.count_questions(session, bank_id) >= max_questions:
        raise Conflict(
            detail=f"This bank already holds the maximum of {max_questions} questions; "
            "delete some or start another bank.",
            title="Bank is full",
        )
    question = Question(
        bank_id=bank_id,
        owner_id=user.id,
        text=data.text,
        category=data.category,
        tags=list(data.tags),
        why_ask=data.why_ask,
        position=_next_position(session, bank_id),
    )
    session.add(question)
    bank.touch()
    session.commit()
    return question


def update_question(
    session: Session,
    user: User,
    bank_id: int,
    question_id: int,
    data: QuestionUpdate,
    expected: int | None = None,
) -> Question:
    """Edit a question of one of the user's banks."""
    bank, question = _writable_question(session, user, bank_id, question_id)
    check_version(question.version, expected)
    changes = data.model_dump(exclude_unset=True)
    for field_name, value in changes.items():
        if value is None:
            if field_name in ("text", "category", "tags"):
                raise Invalid.one(field_name, "must not be null")
            value = ""
        setattr(question, field_name, list(value) if field_name == "tags" else value)
    question.touch()
    bank.touch()
    session.commit()
    return question


def delete_question(
    session: Session, user: User, bank_id: int, question_id: int, expected: int | None = None
) -> None:
    """Remove a question from one of the user's banks."""
    bank, question = _writable_question(session, user, bank_id, question_id)
    check_version(question.version, expected)
    session.delete(question)
    bank.touch()
    session.commit()


def _ordered_ids(session: Session, bank_id: int) -> list[int]:
    statement = (
        select(Question.id)
        .where(Question.bank_id == bank_id)
        .order_by(Question.position, Question.id)
    )
    return [row for row in session.scalars(statement) if row is not None]


def _apply_order(session: Session, bank_id: int, ordered: list[int]) -> None:
    positions = {question_id: index for index, question_id in enumerate(ordered)}
    for question in session.scalars(select(Question).where(Question.bank_id == bank_id)):
        if question.position != positions[question.id]:  # type: ignore[index]
            question.position = positions[question.id]  # type: ignore[index]


def reorder_questions(
    session: Session, user: User, bank_id: int, question_ids: list[int], expected: int | None
) -> QuestionBank:
    """Put the bank's questions in the given order; the list names every question once."""
    bank = service.writable_bank(session, user, bank_id)
    check_version(bank.version, expected)
    current = _ordered_ids(session, bank_id)
    _check_same_ids(current, question_ids)
    _apply_order(session, bank_id, question_ids)
    bank.touch()
    session.commit()
    return bank


def _check_same_ids(current: list[int], given: list[int]) -> None:
    errors: list[str] = []
    counts = Counter(given)
    repeated = sorted(i for i, n in counts.items() if n > 1)
    if repeated:
        errors.append(f"lists {_ids(repeated)} more than once")
    unknown = sorted(set(given) - set(current))
    if unknown:
        errors.append(f"names {_ids(unknown)}, not in this bank")
    missing = [i for i in current if i not in counts]
    if missing:
        errors.append(f"leaves out {_ids(missing)}")
    if errors:
        message = (
            "question_ids "
            + "; ".join(errors)
            + (". Send every question id of the bank exactly once.")
        )
        raise Invalid(detail=message, errors=[FieldError("question_ids", message)])


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:10])
    more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
    return f"question{'s' if len(ids) > 1 else ''} {shown}{more}"


def move_question(
    session: Session,
    user: User,
    bank_id: int,
    question_id: int,
    direction: str,
) -> QuestionBank:
    """Move a question one place "up" or "down" (any other direction is Invalid)."""
    if direction not in MOVE_DIRECTIONS:
        raise Invalid.one("direction", "Move a question 'up' or 'down'.")
    bank, _ = _writable_question(session, user, bank_id, question_id)
    ordered = _ordered_ids(session, bank_id)
    index = ordered.index(question_id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        _apply_order(session, bank_id, ordered)
        bank.touch()
    session.commit()
    return bank


def question_ids(session: Session, user: User, bank_id: int) -> list[int]:
    """The ids of a readable bank's questions, in order."""
    service.readable_bank(session, user, bank_id)
    return _ordered_ids(session, bank_id)
