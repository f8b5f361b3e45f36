"""Job-search status: the current one is the latest change; changes are never rewritten.

The one home of the status: every write (the API, the job-search page, the account profile)
goes through `record_status`, every read of the current status through `current_status`."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.jobsearch.models import JobSearchChange
from app.jobsearch.schemas import (
    DEFAULT_STATUS,
    STATUS_LABELS,
    JobSearchChangeRead,
    JobSearchRead,
    JobSearchStatus,
    JobSearchUpdate,
)

MAX_HISTORY = 50


def current_change(session: Session, user: User) -> JobSearchChange | None:
    """The latest status change (None before the first)."""
    statement = (
        select(JobSearchChange)
        .where(JobSearchChange.owner_id == user.id)
        .order_by(JobSearchChange.id.desc())  # type: ignore[union-attr]
        .limit(1)
    )
    return session.scalars(statement).first()


class CurrentStatus(NamedTuple):
    """The current status (the default before the first change) and the change it came from."""

    status: JobSearchStatus
    note: str
    since: date | None
    change: JobSearchChange | None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def _current(change: JobSearchChange | None) -> CurrentStatus:
    if change is None:
        return CurrentStatus(DEFAULT_STATUS, "", None, None)
    return CurrentStatus(change.status, change.note, change.since, change)  # type: ignore[arg-type]


def current_status(session: Session, user: User) -> CurrentStatus:
    """The current status, its note and date (exploring, no note, before the first change)."""
    return _current(current_change(session, user))


def history(session: Session, user: User) -> list[JobSearchChange]:
    """The most recent changes, newest first."""
    statement = (
        select(JobSearchChange)
        .where(JobSearchChange.owner_id == user.id)
        .order_by(JobSearchChange.id.desc())  # type: ignore[union-attr]
        .limit(MAX_HISTORY)
    )
    return list(session.scalars(statement))


def status_version(session: Session, user: User) -> int:
    """The status's version for ETag / If-Match: how many changes were recorded."""
    statement = select(func.count()).where(JobSearchChange.owner_id == user.id)
    return session.scalar(statement) or 0


def record_status(
    session: Session, user: User, status: JobSearchStatus, note: str, since: date | None
) -> JobSearchChange | None:
    """Add a change when something differs from the current status (the caller commits);
    None when nothing differs."""
    current = current_status(session, user)
    if (current.status, current.note, current.since) == (status, note, since):
        return None
    change = JobSearchChange(owner_id=user.id, status=status, note=note, since=since)
    session.add(change)
    return change


def set_status(
    session: Session, user: User, data: JobSearchUpdate, *, expected_version: int | None = None
) -> JobSearchChange | None:
    """Set the whole status (PUT, the job-search page): the current change afterwards
    (a repeated PUT records nothing and returns the change already current)."""
    check_version(status_version(session, user), expected_version)
    change = record_status(session, user, data.status, data.note, data.since)
    if change is None:
        return current_change(session, user)
    session.commit()
    return change


def change_from_profile(
    session: Session, user: User, status: JobSearchStatus | None, note: str | None
) -> JobSearchChange | None:
    """The account profile's partial change (the caller commits): what it leaves out keeps
    its current value; a new status starts without the old status's date."""
    current = current_status(session, user)
    new_status = current.status if status is None else status
    since = current.since if new_status == current.status else None
    return record_status(session, user, new_status, current.note if note is None else note, since)


def job_search_state(session: Session, user: User) -> JobSearchRead:
    """The current status (exploring before the first change), its version and history."""
    changes = history(session, user)
    current = _current(changes[0] if changes else None)
    return JobSearchRead(
        status=current.status,
        status_label=current.label,
        note=current.note,
        since=current.since,
        changed_at=current.change.changed_at if current.change else None,
        change_id=current.change.id if current.change else None,
        version=status_version(session, user),
        history=[JobSearchChangeRead.model_validate(c) for c in changes],
    )
