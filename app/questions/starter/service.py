"""Starter banks: shipped as data, loaded at start-up, upgraded in place, never duplicated.

Each shipped bank has a stable ``key`` and a ``version``; each question a stable ``key``.
Start-up creates a missing bank, upgrades a bank whose stored version is older (questions
matched by key: changed ones updated, new ones added, dropped ones removed), and leaves a
current one alone. Two workers starting at once are safe: the unique builtin_key makes the
loser's insert fail, and it then finds the winner's bank; upgrades lock the bank row.
"""

from __future__ import annotations

import json
from pathlib import Path

import structlog
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from app.db import open_session
from app.questions.models import Question, QuestionBank
from app.questions.schemas import BankDescription, BankName, Category, QuestionText, TagList, WhyAsk

# Beside the questions package, where the demo seed also reads it.
STARTER_FILE = Path(__file__).parent.parent / "starter_banks.json"
log = structlog.get_logger("rapport.questions")


class StarterQuestion(BaseModel):
    """One shipped question."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    text: QuestionText
    category: Category
    why_ask: WhyAsk
    tags: TagList = Field(default_factory=list)


class StarterBank(BaseModel):
    """One shipped bank and its content version."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)
    name: BankName
    description: BankDescription
    questions: list[StarterQuestion]


class StarterFile(BaseModel):
    """The shipped data file."""

    model_config = ConfigDict(extra="forbid")

    format: str
    banks: list[StarterBank]


def load_starter_banks(path: Path = STARTER_FILE) -> list[StarterBank]:
    """The banks in the shipped data file, validated."""
    return StarterFile.model_validate(json.loads(path.read_text(encoding="utf-8"))).banks


def ensure_starter_banks(engine: Engine, path: Path = STARTER_FILE) -> dict[str, str]:
    """Create or upgrade the shipped banks; returns what happened to each key."""
    specs = load_starter_banks(path)
    try:
        if not inspect(engine).has_table(QuestionBank.__tablename__):
            log.warning("starter_banks_skipped", reason="no question_banks table; migrate first")
            return {}
        return _ensure_all(engine, specs)
    except OperationalError as exc:
        # An unreachable database must not stop the app from starting (readyz reports it);
        # the banks load at the next start.
        log.error("starter_banks_skipped", reason="database unavailable", error=str(exc)[:200])
        return {}


def _ensure_all(engine: Engine, specs: list[StarterBank]) -> dict[str, str]:
    with open_session(engine) as session:
        stored = dict(
            session.execute(
                select(QuestionBank.builtin_key, QuestionBank.builtin_version).where(
                    QuestionBank.builtin.is_(True)
                )
            ).all()
        )
    outcome: dict[str, str] = {}
    for spec in specs:
        if (stored.get(spec.key) or 0) >= spec.version:
            outcome[spec.key] = "current"
            continue
        outcome[spec.key] = _ensure_bank(engine, spec)
    changed = {k: v for k, v in outcome.items() if v != "current"}
    if changed:
        log.info("starter_banks_loaded", **changed)
    return outcome


def _find_bank(session: Session, key: str) -> QuestionBank | None:
    statement = select(QuestionBank).where(QuestionBank.builtin_key == key).with_for_update()
    return session.scalar(statement)


def _ensure_bank(engine: Engine, spec: StarterBank) -> str:
    # Two attempts: the second runs after another worker's insert won the race.
    for _ in range(2):
        with open_session(engine, write=True) as session:
            try:
                bank = _find_bank(session, spec.key)
                if bank is None:
                    _create(session, spec)
                    outcome = "created"
                elif (bank.builtin_version or 0) < spec.version:
                    _upgrade(session, bank, spec)
                    outcome = "upgraded"
                else:
                    outcome = "current"
                session.commit()
                return outcome
            except IntegrityError:
                session.rollback()
    return "current"


def _create(session: Session, spec: StarterBank) -> None:
    bank = QuestionBank(
        owner_id=None,
        name=spec.name,
        description=spec.description,
        builtin=True,
        builtin_key=spec.key,
        builtin_version=spec.version,
    )
    session.add(bank)
    session.flush()
    for position, item in enumerate(spec.questions):
        session.add(_new_question(bank, item, position))
    session.flush()


def _new_question(bank: QuestionBank, item: StarterQuestion, position: int) -> Question:
    assert bank.id is not None
    return Question(
        bank_id=bank.id,
        owner_id=None,
        text=item.text,
        category=item.category,
        tags=list(item.tags),
        why_ask=item.why_ask,
        position=position,
        builtin_key=item.key,
    )


def _upgrade(session: Session, bank: QuestionBank, spec: StarterBank) -> None:
    existing = {
        q.builtin_key: q
        for q in session.scalars(select(Question).where(Question.bank_id == bank.id))
    }
    wanted = {item.key for item in spec.questions}
    for key, question in existing.items():
        if key not in wanted:
            session.delete(question)
    session.flush()
    for position, item in enumerate(spec.questions):
        question = existing.get(item.key)
        if question is None:
            session.add(_new_question(bank, item, position))
            continue
        fields = {
            "text": item.text,
            "category": item.category,
            "tags": list(item.tags),
            "why_ask": item.why_ask,
            "position": position,
        }
        if any(getattr(question, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(question, name, value)
            question.touch()
    bank.name = spec.name
    bank.description = spec.description
    bank.builtin_version = spec.version
    bank.touch()
    session.flush()
