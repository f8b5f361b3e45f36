"""Job-search status schemas (the API contract and the status form)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from app.followups.schemas import FollowUpRead
from app.schemas import BoundedDate, DbId, InputModel, ReadModel

# The one vocabulary of job-search statuses (every form, API field and row uses it).
JobSearchStatus = Literal["exploring", "preparing", "searching", "interviewing", "accepted_offer"]
DEFAULT_STATUS: JobSearchStatus = "exploring"
STATUS_LABELS: dict[str, str] = {
    "exploring": "Exploring careers",
    "preparing": "Preparing a job search",
    "searching": "Actively searching",
    "interviewing": "Interviewing",
    "accepted_offer": "Accepted an offer",
}
# Values the account profile (PATCH /api/v1/me, exports) once used, still accepted as input.
FORMER_STATUSES: dict[str, JobSearchStatus] = {"employed": "accepted_offer", "paused": "exploring"}


def _from_former(value: object) -> object:
    return FORMER_STATUSES.get(value, value) if isinstance(value, str) else value


# A status as the profile and account imports accept it: the vocabulary, or a former value
# mapped onto it.
JobSearchStatusOrFormer = Annotated[
    JobSearchStatus,
    BeforeValidator(_from_former),
    Field(
        description="One of the job-search statuses; `employed` and `paused` (former values) "
        "are accepted and stored as `accepted_offer` and `exploring`."
    ),
]


class JobSearchUpdate(InputModel):
    """The whole status (PUT): a new status, note or date records a change."""

    status: JobSearchStatus
    note: str = Field(default="", max_length=2000)
    since: BoundedDate | None = None


class JobSearchChangeRead(ReadModel):
    """One past change."""

    id: int
    status: JobSearchStatus
    note: str
    since: date | None
    changed_at: datetime


class JobSearchRead(ReadModel):
    """The current status (``change_id`` null until the first change) and its history."""

    status: JobSearchStatus
    status_label: str
    note: str
    since: date | None
    changed_at: datetime | None
    change_id: int | None
    version: int
    history: list[JobSearchChangeRead]


class NetworkUpdateCreate(InputModel):
    """Tell contacts about the current status; no ``contact_ids``: everyone interviewed."""

    contact_ids: Annotated[list[DbId], Field(max_length=1000)] | None = None
    template_id: DbId | None = Field(
        default=None, description="A status-update template; default: yours, else the built-in."
    )


class NetworkUpdateRead(ReadModel):
    """What one network update made: new follow-ups, and who had already been told."""

    change_id: int
    created: list[FollowUpRead]
    already_told_contact_ids: list[int]
