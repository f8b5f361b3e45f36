"""Job-search status: the current one is the latest change; changes are never rewritten."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.jobsearch.models import JobSearchChange
from app.jobsearch.schemas import (
    STATUS_LABELS,
    JobSearchChangeRead,
    JobSearchRead,
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


def set_status(
    session: Session, user: User, data: JobSearchUpdate, *, expected_version: int | None = None
) -> JobSearchChange | None:
    """Record a change when something differs (a repeated PUT records nothing)."""
    check_version(status_version(session, user), expected_version)
    current = current_change(session, user)
    same = current is not None and (current.status, current.note, current.since) == (
        data.status,
        data.note,
        data.since,
    )
    if same:
        return current
    change = JobSearchChange(owner_id=user.id, status=data.status, note=data.note, since=data.since)
    session.add(change)
    session.commit()
    return change


def job_search_state(session: Session, user: User) -> JobSearchRead:
    """The current status (exploring before the first change), its version and history."""
    changes = history(session, user)
    current = changes[0] if changes else None
    status = current.status if current else "exploring"
    return JobSearchRead(
        status=status,  # type: ignore[arg-type]
        status_label=STATUS_LABELS[status],
        note=current.note if current else "",
        since=current.since if current else None,
        changed_at=current.changed_at if current else None,
        change_id=current.id if current else None,
        version=status_version(session, user),
        history=[JobSearchChangeRead.model_validate(c) for c in changes],
    )
