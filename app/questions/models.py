"""Question banks and their questions; built-in (starter) banks have no owner."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field

from app.models import Tracked, fk_field

# The API's enum (schemas use this Literal) and the stored values are one list.
Category = Literal[
    "future_of_industry",
    "qualifications",
    "everyday_work",
    "career_path",
    "culture",
    "advice",
    "trends",
    "insights",
    "resources",
    "assignments",
    "next_steps",
    "other",
]
QUESTION_CATEGORIES: tuple[str, ...] = get_args(Category)
# How each category is shown to people (and accepted on import, besides the key itself).
CATEGORY_LABELS = {
    "future_of_industry": "Future of the industry",
    "qualifications": "Qualifications employers look for",
    "everyday_work": "Everyday work",
    "career_path": "Entering and moving within the field",
    "culture": "Culture and working conditions",
    "advice": "Advice",
    "trends": "Trends",
    "insights": "Insights",
    "resources": "Resources",
    "assignments": "Assignments",
    "next_steps": "Next steps",
    "other": "Other",
}


class QuestionBank(Tracked, table=True):
    """A reusable list of questions: the user's own, shared by another user, or built in."""

    __tablename__ = "question_banks"
    __label__ = "question bank"
    __table_args__ = (Index("ix_question_banks_owner_name", "owner_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    # NULL for built-in banks, which every user reads and nobody edits.
    owner_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    name: str = Field(max_length=200, nullable=False)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    shared: bool = Field(default=False, nullable=False, index=True)
    builtin: bool = Field(default=False, nullable=False, index=True)
    # Stable key and content version of a shipped bank, so start-up upgrades it in place.
    builtin_key: str | None = Field(default=None, max_length=64, unique=True)
    builtin_version: int | None = Field(default=None)
    copied_from_id: int | None = fk_field("question_banks.id", ondelete="SET NULL")


class Question(Tracked, table=True):
    """One question of a bank, in order."""

    __tablename__ = "questions"
    __label__ = "question"
    __table_args__ = (
        Index("ix_questions_bank_position", "bank_id", "position"),
        # A shipped question is upgraded in place by its key, so a key appears once per bank.
        UniqueConstraint("bank_id", "builtin_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bank_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("question_banks.id", ondelete="CASCADE"), nullable=False
        )
    )
    owner_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    text: str = Field(max_length=1000, nullable=False)
    category: str = Field(default="other", max_length=64, nullable=False)
    tags: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    why_ask: str = Field(default="", max_length=2000, nullable=False)
    position: int = Field(default=0, nullable=False)
    builtin_key: str | None = Field(default=None, max_length=64)
