"""Follow-up schemas: the API contract, also used to parse the HTML forms and filters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.interactions.models import InteractionKind
from app.schemas import (
    BoundedDateTime,
    DbId,
    InputModel,
    LongText,
    ReadModel,
    TrackedRead,
    not_null,
)

FollowUpKind = Literal[
    "thank_you",
    "send_resume",
    "status_update",
    "check_in",
    "thank_introducer",
    "keep_promise",
    "custom",
]
FollowUpStatus = Literal["open", "done", "skipped"]
Due = Annotated[
    BoundedDateTime,
    Field(description="ISO 8601 with a UTC offset, e.g. 2026-12-01T09:00:00+01:00."),
]
Subject = Annotated[str, Field(max_length=300)]


class FollowUpCreate(InputModel):
    """A task made by hand for one of the user's contacts."""

    contact_id: DbId
    interview_id: DbId | None = None
    kind: FollowUpKind = "custom"
    due_at: Due
    status: FollowUpStatus = "open"
    subject: Subject = ""
    message: LongText = ""
    notes: LongText = ""


class FollowUpUpdate(InputModel):
    """PATCH: only the fields sent change; ``interview_id`` may be cleared with null."""

    contact_id: DbId | None = None
    interview_id: DbId | None = None
    kind: FollowUpKind | None = None
    due_at: Due | None = None
    status: FollowUpStatus | None = None
    subject: Subject | None = None
    message: LongText | None = None
    notes: LongText | None = None

    _not_null = not_null("contact_id", "kind", "due_at", "status", "subject", "message", "notes")


class FollowUpDone(InputModel):
    """Mark a follow-up done; by default also log the touch on the contact's timeline."""

    log_interaction: bool = True
    interaction_kind: InteractionKind | None = Field(
        default=None, description="Default: from the task (a call for check-ins, else email)."
    )
    summary: str | None = Field(default=None, max_length=10_000)
    resume_id: DbId | None = Field(
        default=None,
        description="For a send-resume task: the version that went; recorded as shared "
        "with the task's contact.",
    )


class FollowUpFilters(InputModel):
    """What a follow-up list can be narrowed by."""

    status: FollowUpStatus | None = None
    kind: FollowUpKind | None = None
    contact_id: DbId | None = None
    interview_id: DbId | None = None
    career_id: DbId | None = None
    due_before: BoundedDateTime | None = None
    due_after: BoundedDateTime | None = None
    q: str | None = Field(default=None, max_length=200)


class FollowUpRead(TrackedRead):
    """A follow-up as clients see it."""

    contact_id: int
    interview_id: int | None
    kind: FollowUpKind
    status: FollowUpStatus
    due_at: datetime
    completed_at: datetime | None
    subject: str
    message: str
    notes: str
    mailto: str = Field(description="mailto: link with the subject and message encoded.")


class FollowUpSettingsUpdate(InputModel):
    """The user's follow-up preferences."""

    thank_you_delay_hours: int = Field(default=24, ge=1, le=24 * 30)
    email_digest: bool = False


class DueSection(ReadModel):
    """A named slice of the follow-ups page (overdue, today, this week, later)."""

    key: Literal["overdue", "today", "week", "later", "closed"]
    label: str
