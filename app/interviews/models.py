"""Informational interviews and their agendas (snapshots of questions, with answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field

from app.modelkit import Tracked, fk_field, owner_field, utc_field

INTERVIEW_STATUSES = ("planned", "requested", "scheduled", "completed", "cancelled", "no_show")
INTERVIEW_MODES = ("in_person", "phone", "video")
DEFAULT_PURPOSE = "Learn about the career from someone who does the work; not to ask for a job."


class Interview(Tracked, table=True):
    """One informational interview with a contact, optionally about a career."""

    __tablename__ = "interviews"
    __label__ = "interview"
    __table_args__ = (
        Index("ix_interviews_owner_scheduled", "owner_id", "scheduled_at"),
        Index("ix_interviews_owner_status", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    contact_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    career_id: int | None = fk_field("careers.id", ondelete="SET NULL")
    status: str = Field(default="planned", max_length=20, nullable=False)
    requested_at: datetime | None = utc_field()
    scheduled_at: datetime | None = utc_field()
    completed_at: datetime | None = utc_field()
    duration_minutes: int = Field(default=30, nullable=False)
    mode: str | None = Field(default=None, max_length=20)
    location: str = Field(default="", max_length=2000, nullable=False)
    purpose: str = Field(default=DEFAULT_PURPOSE, max_length=2000, nullable=False)
    # Denormalised from the checklist so lists can filter and sort on it in SQL.
    preparation_score: int = Field(default=0, nullable=False)
    # [{key, label, done}]: the article's steps plus the user's own.
    checklist: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    # [{url, title, read_on}]: read_on is an ISO date (or null).
    research_links: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    # [{text, by: "me" | "them", done}]: promises made either way, for follow-ups.
    promises: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    takeaways: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    usefulness: int | None = Field(default=None)
    confidence: int | None = Field(default=None)


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
