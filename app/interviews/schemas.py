"""Interview schemas: the API contract, also used to parse the HTML forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from app.interviews.agenda.schemas import AgendaItemRead
from app.interviews.models import Mode, Status
from app.schemas import (
    BoundedDate,
    BoundedTime,
    DbId,
    HttpUrl,
    InputModel,
    LongText,
    Rating,
    ReadModel,
    TrackedRead,
    not_null,
    single_line,
)

CreateStatus = Literal["planned", "requested", "scheduled"]
PromiseBy = Literal["me", "them"]
# The list page's views of the interviews (the service knows what each one shows).
Tab = Literal["upcoming", "prep", "completed", "all"]
Duration = Annotated[int, Field(ge=5, le=600, description="Planned length in minutes.")]
MAX_CHECKLIST = 40
MAX_LINKS = 50
MAX_PROMISES = 50


When = Annotated[
    BoundedTime,
    Field(description="ISO 8601 with a UTC offset, e.g. 2026-12-01T09:30:00+01:00."),
]
Day = BoundedDate
Label = single_line(200, required=True)
ItemKey = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]
Location = Annotated[str, Field(max_length=2000)]
Purpose = Annotated[str, Field(max_length=2000)]


class ChecklistItem(InputModel):
    """One preparation step; built-in steps have fixed keys, the user's own get one."""

    key: ItemKey | None = None
    label: Label
    done: bool = False


class ResearchLink(InputModel):
    """Something read about the person, the organization or the field."""

    url: HttpUrl
    title: str = Field(default="", max_length=200)
    read_on: Day | None = None


class PromiseCreate(InputModel):
    """Something promised during the interview, by me or by them."""

    text: Annotated[str, Field(min_length=1, max_length=1000)]
    by: PromiseBy = "me"
    done: bool = False


def _unique_keys(items: list[ChecklistItem]) -> list[ChecklistItem]:
    keys = [i.key for i in items if i.key]
    if len(keys) != len(set(keys)):
        raise ValueError("each checklist key may appear only once")
    return items


Checklist = Annotated[
    list[ChecklistItem], Field(max_length=MAX_CHECKLIST), AfterValidator(_unique_keys)
]
Links = Annotated[list[ResearchLink], Field(max_length=MAX_LINKS)]
Promises = Annotated[list[PromiseCreate], Field(max_length=MAX_PROMISES)]


class InterviewCreate(InputModel):
    """A new interview with one of the user's contacts."""

    contact_id: DbId
    career_id: DbId | None = None
    status: CreateStatus = "planned"
    requested_at: When | None = None
    scheduled_at: When | None = None
    duration_minutes: Duration = 30
    mode: Mode | None = None
    location: Location = ""
    purpose: Purpose | None = Field(
        default=None, description="Defaults to learning about the career, not asking for a job."
    )
    checklist: Checklist | None = Field(
        default=None, description="Defaults to the article's preparation steps."
    )
    research_links: Links = Field(default_factory=list)
    summary: LongText = ""
    takeaways: LongText = ""
    usefulness: Rating | None = None
    confidence: Rating | None = None


_NOT_NULL = (
    "contact_id",
    "duration_minutes",
    "location",
    "purpose",
    "checklist",
    "research_links",
    "promises",
    "summary",
    "takeaways",
)


class InterviewUpdate(InputModel):
    """PATCH: only the fields sent change; null clears an optional field. Status has its own
    operation (POST /interviews/{id}/status)."""

    contact_id: DbId | None = None
    career_id: DbId | None = None
    requested_at: When | None = None
    scheduled_at: When | None = None
    duration_minutes: Duration | None = None
    mode: Mode | None = None
    location: Location | None = None
    purpose: Purpose | None = None
    checklist: Checklist | None = None
    research_links: Links | None = None
    promises: Promises | None = None
    summary: LongText | None = None
    takeaways: LongText | None = None
    usefulness: Rating | None = None
    confidence: Rating | None = None

    _not_null = not_null(*_NOT_NULL)


class StatusChange(InputModel):
    """Move an interview to another status; scheduling may set the time in the same step."""

    status: Status
    scheduled_at: When | None = None
    # Completing: when the conversation took place (default: the scheduled time, or now when
    # that is still ahead). Never in the future.
    held_at: When | None = None


class InterviewRead(TrackedRead):
    """An interview as clients see it."""

    contact_id: int
    career_id: int | None
    status: str
    requested_at: datetime | None
    scheduled_at: datetime | None
    completed_at: datetime | None
    duration_minutes: int
    mode: str | None
    location: str
    purpose: str
    checklist: list[dict[str, Any]]
    research_links: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    preparation_score: int = Field(description="Share of checklist steps done, 0 to 100.")
    summary: str
    takeaways: str
    usefulness: int | None
    confidence: int | None


class ReferralCreate(InputModel):
    """Someone the interviewee offered to introduce: becomes a contact introduced by them."""

    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    note: str = Field(default="", max_length=2000)


class ReferralRead(ReadModel):
    """The contact created for a referral."""

    contact_id: int
    full_name: str
    introduced_by_id: int


class InterviewDetail(InterviewRead):
    """One interview with its agenda (answers included), and warnings (an overlapping
    schedule) the client should show."""

    warnings: list[str] = Field(default_factory=list)
    allowed_transitions: list[str] = Field(default_factory=list)
    agenda: list[AgendaItemRead] = Field(
        default_factory=list, description="The agenda in order, with the answer notes."
    )


class InterviewTab(InputModel):
    """The interviews page's filters: a tab, and optionally one status, contact or career."""

    tab: Tab = "upcoming"
    status: Status | None = None
    contact_id: DbId | None = None
    career_id: DbId | None = None
