"""Informational interviews, and the vocabulary of their statuses and modes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field

from app.models import Tracked, fk_field, owner_field, utc_field

# The API's enums (schemas use these Literals), the stored values and their labels: one list.
Status = Literal["planned", "requested", "scheduled", "completed", "cancelled", "no_show"]
Mode = Literal["in_person", "phone", "video"]
INTERVIEW_STATUSES: tuple[str, ...] = get_args(Status)
INTERVIEW_MODES: tuple[str, ...] = get_args(Mode)
# Not held yet: what "upcoming" and "needs preparation" look at.
OPEN_STATUSES: tuple[str, ...] = ("planned", "requested", "scheduled")
STATUS_LABELS = {
    "planned": "Planned",
    "requested": "Requested",
    "scheduled": "Scheduled",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}
MODE_LABELS = {"in_person": "In person", "phone": "Phone", "video": "Video"}
DEFAULT_PURPOSE = "Learn about the career from someone who does the work; not to ask for a job."


class Interview(Tracked, table=True):
    """One informational interview with a contact, optionally about a career."""

    __tablename__ = "interviews"
    __label__ = "interview"
    __table_args__ = (
        Index("ix_interviews_owner_scheduled", "owner_id", "scheduled_at"),
        # Status lists, and the progress figures' held interviews per month with their
        # ratings read from the index alone.
        Index(
            "ix_interviews_owner_status_scheduled",
            "owner_id",
            "status",
            "scheduled_at",
            "confidence",
        ),
        # A career's interviews by status: the progress counts read short ranges of it.
        Index("ix_interviews_career_status", "career_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    contact_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    career_id: int | None = fk_field("careers.id", ondelete="SET NULL", index=False)
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
