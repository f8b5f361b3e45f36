"""Follow-ups: things to do for a contact after (or between) conversations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models import Tracked, fk_field, owner_field, utc_field

FOLLOW_UP_KINDS = (
    "thank_you",
    "send_resume",
    "status_update",
    "check_in",
    "thank_introducer",
    "keep_promise",
    "custom",
)
FOLLOW_UP_STATUSES = ("open", "done", "skipped")
DEFAULT_THANK_YOU_DELAY_HOURS = 24


class FollowUp(Tracked, table=True):
    """A task for one contact, optionally tied to the interview that caused it."""

    __tablename__ = "follow_ups"
    __label__ = "follow-up"
    __table_args__ = (
        Index("ix_follow_ups_owner_status_due", "owner_id", "status", "due_at"),
        # What made an event-created task ("interview:7:thank_you"): running the event again
        # finds the key taken and creates nothing. Hand-made tasks have none (NULLs differ).
        UniqueConstraint("owner_id", "source_key", name="uq_follow_ups_owner_source_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    contact_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    interview_id: int | None = fk_field("interviews.id", ondelete="SET NULL")
    kind: str = Field(max_length=20, nullable=False)
    status: str = Field(default="open", max_length=10, nullable=False)
    due_at: datetime = utc_field(nullable=False)
    completed_at: datetime | None = utc_field()
    subject: str = Field(default="", max_length=300, nullable=False)
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source_key: str | None = Field(default=None, max_length=120)


class FollowUpSettings(SQLModel, table=True):
    """A user's follow-up preferences (absent row: the defaults)."""

    __tablename__ = "follow_up_settings"

    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    thank_you_delay_hours: int = Field(default=DEFAULT_THANK_YOU_DELAY_HOURS, nullable=False)
    email_digest: bool = Field(default=False, nullable=False)
