"""Question banks: starter banks, the user's own, and banks shared by other users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.errors import Forbidden, Invalid, NotFound
from app.paging import order_by_clauses, paginate
from app.questions.models import Question, QuestionBank
from app.questions.schemas import (
    BankCopy,
    BankCreate,
    BankScope,
    BankUpdate,
)
from app.schemas import Page
from app.textmatch import like_pattern

BUILTIN_READ_ONLY = "Built-in banks are read-only; copy it to change it."
SHARED_READ_ONLY = (
    "This bank is shared by another user and is read-only for you; copy it to change it."
)


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


# ---- banks ------------------------------------------------------------------------------


@dataclass
class BankSummary:
    """A bank with what lists and pages show next to it."""

    bank: QuestionBank
    question_count: int
    owner_name: str | None
    owned: bool

    @property
    def editable(self) -> bool:
        """Only the owner changes a bank; built-in and others' shared banks are read-only."""
        return self.owned and not self.bank.builtin

    def as_dict(self) -> dict[str, Any]:
        """The fields of BankRead."""
        bank = self.bank
        return {
            "id": bank.id,
            "created_at": bank.created_at,
            "updated_at": bank.updated_at,
            "version": bank.version,
            "name": bank.name,
            "description": bank.description,
            "shared": bank.shared,
            "builtin": bank.builtin,
            "question_count": self.question_count,
            "copied_from_id": bank.copied_from_id,
            "owned": self.owned,
            "editable": self.editable,
            "owner_name": None if self.owned or bank.builtin else self.owner_name,
        }


def _question_count():  # type: ignore[no-untyped-def]
    return (
        select(func.count(Question.id))
        .where(Question.bank_id == QuestionBank.id)
        .correlate(QuestionBank)
        .scalar_subquery()
        .label("question_count")
    )


# What a list of banks may be sorted by (the API declares these names).
BANK_SORTS: dict[str, Any] = {
    "name": func.lower(QuestionBank.name),
    "created_at": QuestionBank.created_at,
    "updated_at": QuestionBank.updated_at,
    "id": QuestionBank.id,
    "question_count": _question_count(),
}


def _summary_statement(user: User) -> Select[Any]:
    owner_name = func.coalesce(func.nullif(User.display_name, ""), User.username)
    return (
        select(QuestionBank, _question_count(), owner_name.label("owner_name"))
        .outerjoin(User, User.id == QuestionBank.owner_id)
        .where(_readable(user))
    )


def _summaries(user: User, rows: Any) -> list[BankSummary]:
    return [
        BankSummary(bank, count or 0, name, owned=bank.owner_id == user.id)
        for bank, count, name in rows
    ]


def _scope_filter(user: User, scope: BankScope):  # type: ignore[no-untyped-def]
    if scope == "mine":
        return QuestionBank.owner_id == user.id
    if scope == "builtin":
        return QuestionBank.builtin.is_(True)
    # "Shared with me": other users' shared banks.
    return (QuestionBank.shared.is_(True)) & (QuestionBank.owner_id != user.id)


def list_banks(
    session: Session,
    user: User,
    *,
    scope: BankScope | None = None,
    q: str | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[BankSummary]:
    """The banks the user may read (own, shared with them, built in), one page of them."""
    statement = select(QuestionBank).where(_readable(user))
    if scope:
        statement = statement.where(_scope_filter(user, scope))
    if q:
        pattern = like_pattern(q)
        statement = statement.where(
            or_(
                func.lower(QuestionBank.name).like(pattern, escape="\\"),
                func.lower(QuestionBank.description).like(pattern, escape="\\"),
            )
        )
    order = order_by_clauses(sort, BANK_SORTS, ["name"])
    page = paginate(
        session, statement.order_by(*order, QuestionBank.id), limit=limit, offset=offset
    )
    page.items = _summaries_of(session, user, page.items)
    return page


def _summaries_of(session: Session, user: User, banks: list[QuestionBank]) -> list[BankSummary]:
    """The banks' summaries (question count, owner's name), in the banks' order."""
    if not banks:
        return []
    ids = [bank.id for bank in banks]
    rows = session.execute(
        _summary_statement(user).where(QuestionBank.id.in_(ids))  # type: ignore[union-attr]
    )
    by_id = {summary.bank.id: summary for summary in _summaries(user, rows)}
    return [by_id[bank_id] for bank_id in ids]


def bank_summary(session: Session, user: User, bank_id: int) -> BankSummary:
    """One readable bank with its question count and who shares it."""
    row = session.execute(_summary_statement(user).where(QuestionBank.id == bank_id)).first()
    if row is None:
        raise NotFound(detail=f"No question bank with id {bank_id}.")
    return _summaries(user, [row])[0]


def summarise(session: Session, user: User, bank: QuestionBank) -> BankSummary:
    """The summary of a bank just written by the user."""
    assert bank.id is not None
    return bank_summary(session, user, bank.id)


def writable_bank(session: Session, user: User, bank_id: int) -> QuestionBank:
    """One of the user's own banks, locked for the write; built-in and shared ones are 403."""
    bank = readable_bank(session, user, bank_id)
    if bank.builtin:
        raise Forbidden(detail=BUILTIN_READ_ONLY, title="Read-only bank")
    if bank.owner_id != user.id:
        raise Forbidden(detail=SHARED_READ_ONLY, title="Read-only bank")
    # Re-read under a row lock so writers of one bank go one at a time on PostgreSQL
    # (positions, the size limit, If-Match); SQLite's write transaction already serialises.
    session.refresh(bank, with_for_update=True)
    return bank


def count_questions(session: Session, bank_id: int) -> int:
    """How many questions a bank holds."""
    statement = select(func.count(Question.id)).where(Question.bank_id == bank_id)
    return session.scalar(statement) or 0


def create_bank(session: Session, user: User, data: BankCreate) -> QuestionBank:
    """A new, empty bank of the user's own."""
    bank = QuestionBank(
        owner_id=user.id, name=data.name, description=data.description, shared=data.shared
    )
    session.add(bank)
    session.commit()
    return bank


def update_bank(
    session: Session, user: User, bank_id: int, data: BankUpdate, expected: int | None = None
) -> QuestionBank:
    """Rename, describe, share or unshare one of the user's banks."""
    bank = writable_bank(session, user, bank_id)
    check_version(bank.version, expected)
    changes = data.model_dump(exclude_unset=True)
    for field_name, value in changes.items():
        if value is None and field_name != "description":
            raise Invalid.one(field_name, "must not be null")
        setattr(bank, field_name, "" if value is None else value)
    bank.touch()
    session.commit()
    return bank


def delete_bank(session: Session, user: User, bank_id: int, expected: int | None = None) -> None:
    """Delete one of the user's banks and its questions (interview agendas keep snapshots)."""
    bank = writable_bank(session, user, bank_id)
    check_version(bank.version, expected)
    session.delete(bank)
    session.commit()


def copy_name(name: str) -> str:
    """A copied bank's default name: "TIARA" becomes "TIARA (my copy)"."""
    return f"{name[:190]} (my copy)"


def copy_bank(
    session: Session, user: User, bank_id: int, data: BankCopy, *, max_questions: int
) -> QuestionBank:
    """Copy a readable bank (starter, shared or own) into a new bank of the user's own."""
    source = readable_bank(session, user, bank_id)
    questions = readable_questions(session, user, bank_id)
    check_capacity(len(questions), max_questions)
    copy = QuestionBank(
        owner_id=user.id,
        name=data.name or copy_name(source.name),
        description=source.description,
        copied_from_id=source.id,
    )
    session.add(copy)
    session.flush()
    add_questions(session, user, copy, questions)
    session.commit()
    return copy


def add_questions(
    session: Session, user: User, bank: QuestionBank, questions: Sequence[Any]
) -> None:
    """Add copies of questions (rows or parsed import rows) to a new bank, in their order."""
    for position, question in enumerate(questions):
        session.add(
            Question(
                bank_id=bank.id,
                owner_id=user.id,
                text=question.text,
                category=question.category,
                tags=list(question.tags),
                why_ask=question.why_ask,
                position=position,
            )
        )


def check_capacity(count: int, max_questions: int) -> None:
    """Invalid when a bank would hold more than ``max_questions``."""
    if count > max_questions:
        raise Invalid.one(
            "questions",
            f"A bank may hold at most {max_questions} questions; this one would hold {count}.",
        )
