"""Interviews: listing and filtering the user's interviews, and their counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, nulls_last, or_, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.interviews.models import Interview
from app.paging import order_by_clauses, paginate
from app.schemakit import Page
from app.textmatch import like_pattern

OPEN_STATUSES = ("planned", "requested", "scheduled")
SORTABLE = {
    "scheduled_at": Interview.scheduled_at,
    "requested_at": Interview.requested_at,
    "created_at": Interview.created_at,
    "updated_at": Interview.updated_at,
    "status": Interview.status,
    "preparation_score": Interview.preparation_score,
    "duration_minutes": Interview.duration_minutes,
    "id": Interview.id,
}


@dataclass
class InterviewFilters:
    """What a list of interviews can be narrowed by."""

    statuses: list[str] = field(default_factory=list)
    contact_id: int | None = None
    career_id: int | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None
    needs_preparation: bool | None = None


def _conditions(user: User, filters: InterviewFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Interview.owner_id == user.id]
    if filters.statuses:
        conditions.append(Interview.status.in_(filters.statuses))
    if filters.contact_id is not None:
        conditions.append(Interview.contact_id == filters.contact_id)
    if filters.career_id is not None:
        conditions.append(Interview.career_id == filters.career_id)
    if filters.scheduled_from is not None:
        conditions.append(Interview.scheduled_at >= filters.scheduled_from)
    if filters.scheduled_to is not None:
        conditions.append(Interview.scheduled_at < filters.scheduled_to)
    if filters.needs_preparation is True:
        conditions.append(Interview.status.in_(OPEN_STATUSES))
        conditions.append(Interview.preparation_score < 100)
    elif filters.needs_preparation is False:
        conditions.append(
            or_(Interview.status.not_in(OPEN_STATUSES), Interview.preparation_score >= 100)
        )
    return conditions


def list_interviews(
    session: Session,
    user: User,
    filters: InterviewFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    q: str | None = None,
) -> Page[Interview]:
    """A page of the user's interviews matching the filters, and the total."""
    statement = select(Interview).where(*_conditions(user, filters))
    if q:
        pattern = like_pattern(q)
        statement = statement.join(Contact, Contact.id == Interview.contact_id).where(
            or_(
                func.lower(Contact.full_name).like(pattern, escape="\\"),
                func.lower(Interview.purpose).like(pattern, escape="\\"),
                func.lower(Interview.location).like(pattern, escape="\\"),
                func.lower(Interview.summary).like(pattern, escape="\\"),
                func.lower(Interview.takeaways).like(pattern, escape="\\"),
            )
        )
    # NULLS LAST on both databases, so SQLite and PostgreSQL list in the same order.
    clauses = [nulls_last(c) for c in order_by_clauses(sort, SORTABLE, ["-updated_at"])]
    statement = statement.order_by(*clauses, Interview.id.desc())
    return paginate(session, statement, limit=limit, offset=offset)


def interviews_for(
    session: Session, user: User, *, career_id: int | None = None, contact_id: int | None = None
) -> list[Interview]:
    """The user's interviews about a career and/or with a contact, soonest first."""
    filters = InterviewFilters(career_id=career_id, contact_id=contact_id)
    statement = (
        select(Interview)
        .where(*_conditions(user, filters))
        .order_by(nulls_last(Interview.scheduled_at.desc()), Interview.id.desc())
        .limit(500)
    )
    return list(session.scalars(statement))


def count_interviews(session: Session, user: User) -> int:
    """How many interviews the user has recorded."""
    return (
        session.scalar(
            select(func.count()).select_from(Interview).where(Interview.owner_id == user.id)
        )
        or 0
    )
