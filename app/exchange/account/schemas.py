"""What an account import reads beyond the resources' own schemas, and what it reports."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, EmailStr, Field

from app.followups.schemas import FollowUpSettingsUpdate
from app.interviews.models import Status
from app.jobsearch.schemas import JobSearchStatusOrFormer
from app.schemas import InputModel, Timezone

_IDENTITY_MAX = 254


class AccountPart(InputModel):
    """The document's ``account`` object.

    Username, display name, email and creation time describe the account the document came
    from: they are read but not copied (the account imported into keeps its own identity)."""

    username: Annotated[str, Field(max_length=_IDENTITY_MAX)] | None = None
    display_name: Annotated[str, Field(max_length=_IDENTITY_MAX)] | None = None
    email: Annotated[EmailStr, Field(max_length=_IDENTITY_MAX)] | None = None
    created_at: AwareDatetime | None = None
    timezone: Timezone = "UTC"
    job_search_status: JobSearchStatusOrFormer = "exploring"
    job_search_note: str = Field(default="", max_length=2000)
    follow_up_settings: FollowUpSettingsUpdate | None = None


class InterviewState(InputModel):
    """An interview's status and completion time: set by transitions, never by a create."""

    status: Status = "planned"
    completed_at: AwareDatetime | None = None


class AccountImportReport(BaseModel):
    """What an account import stored: rows per section of the document."""

    version: int = Field(description="The version of the document that was read.")
    created: dict[str, int] = Field(
        description="Rows stored per section: careers, organizations, tags, contacts, "
        "interactions, question_banks, questions, interviews, agenda_items, follow_ups, "
        "message_templates, job_search_changes, resumes, resume_shares."
    )
    unlinked: int = Field(
        description="Links to a bank or question outside the document (another user's shared "
        "bank, or a built-in one this instance does not have) left empty."
    )


class DocumentFingerprint(BaseModel):
    """What an Idempotency-Key is bound to: the uploaded document's bytes."""

    sha256: str
