"""Agenda items: snapshots of questions on an interview, and the answers heard."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field

from app.models import Tracked, fk_field, owner_field


class InterviewQuestion(Tracked, table=True):
    """An agenda item: a snapshot of a question's text and category, and the answer heard."""

    __tablename__ = "interview_questions"
    __label__ = "agenda item"
    __table_args__ = (
        Index("ix_interview_questions_interview_position", "interview_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    interview_id: int = Field(
        sa_column=Column(Integer, ForeignKey("interviews.id", ondelete="CASCADE"), nullable=False)
    )
    position: int = Field(default=0, nullable=False)
    text: str = Field(max_length=1000, nullable=False)
    category: str = Field(default="other", max_length=64, nullable=False)
    # Editing or deleting the bank never rewrites this snapshot; the link may go NULL.
    source_question_id: int | None = fk_field("questions.id", ondelete="SET NULL")
    asked: bool = Field(default=False, nullable=False)
    skipped: bool = Field(default=False, nullable=False)
    answer_notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
