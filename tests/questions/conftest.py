"""Fixtures for the question bank suites: the starter banks and small banks to work on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from app.auth.models import User
from app.questions import service
from app.questions.items import service as question_service
from app.questions.models import QuestionBank
from app.questions.schemas import BankCreate, QuestionCreate
from app.questions.starter.service import ensure_starter_banks

MAX = 500


@pytest.fixture
def starter(engine: Engine) -> dict[str, int]:
    """The shipped banks, loaded; builtin_key -> id."""
    ensure_starter_banks(engine)
    with Session(engine) as session:
        rows = session.execute(
            select(QuestionBank.builtin_key, QuestionBank.id).where(QuestionBank.builtin.is_(True))
        ).all()
    return {key: bank_id for key, bank_id in rows}


@pytest.fixture
def make_bank(db: Session) -> Callable[..., QuestionBank]:
    """A bank of the given user's own with some questions (text, category) in order."""

    def _make(
        owner: User,
        name: str = "My bank",
        questions: list[tuple[str, str]] | None = None,
        *,
        shared: bool = False,
        description: str = "",
    ) -> QuestionBank:
        bank = service.create_bank(
            db, owner, BankCreate(name=name, description=description, shared=shared)
        )
        assert bank.id is not None
        for text, category in questions or []:
            question_service.create_question(
                db,
                owner,
                bank.id,
                QuestionCreate(text=text, category=category),  # type: ignore[arg-type]
                max_questions=MAX,
            )
        db.refresh(bank)
        return bank

    return _make


THREE = [
    ("What does a normal week look like?", "everyday_work"),
    ("Where is the industry heading?", "future_of_industry"),
    ("Who else should I talk to?", "next_steps"),
]
