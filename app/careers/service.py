"""Careers: create, read, list, change and delete the fields a user explores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, or_, select, update
from sqlalchemy.orm import defer
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import CAREER_STATUSES, Career
from app.careers.schemas import CareerCreate, CareerFilters, CareerUpdate
from app.concurrency import check_version
from app.contacts.models import Contact, ContactCareer
from app.db import utcnow
from app.errors import Conflict
from app.interviews.models import Interview
from app.ownership import get_owned
from app.paging import order_by_clauses, paginate
from app.schemas import Page
from app.textmatch import like_pattern

# Pipeline order, so "sort=status" reads interested → ruled out rather than alphabetically.
_STATUS_ORDER = case(
    {status: rank for rank, status in enumerate(CAREER_STATUSES)},
    value=Career.status,
    else_=len(CAREER_STATUSES),
)
SORTABLE: dict[str, Any] = {
    "title": func.lower(Career.title),
    "industry": func.lower(Career.industry),
    "interest": Career.interest,
    "status": _STATUS_ORDER,
    "created_at": Career.created_at,
    "updated_at": Career.updated_at,
}
DEFAULT_SORT = ("-updated_at",)


def create_career(session: Session, user: User, data: CareerCreate) -> Career:
    """Record a new career for the user."""
    career = Career(owner_id=user.id, **data.model_dump())
    session.add(career)
    session.commit()
    return career


def get_career(session: Session, user: User, career_id: int) -> Career:
    """One of the user's careers (NotFound for anyone else's)."""
    return get_owned(session, Career, user.id, career_id)


def _matches(filters: CareerFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(Career.status == filters.status)
    if filters.industry:
        conditions.append(func.lower(Career.industry) == filters.industry.casefold())
    if filters.interest_min is not None:
        conditions.append(Career.interest >= filters.interest_min)
    if filters.q:
        pattern = like_pattern(filters.q)
        conditions.append(
            or_(
                func.lower(Career.title).like(pattern, escape="\\"),
                func.lower(Career.industry).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_careers(
    session: Session,
    user: User,
    filters: CareerFilters,
    *,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
    with_notes: bool = True,
) -> Page[Career]:
    """One page of the user's careers, filtered and sorted in SQL (unknown sort: 400)."""
    order = order_by_clauses(sort, SORTABLE, DEFAULT_SORT)
    statement = (
        select(Career)
        .where(Career.owner_id == user.id, *_matches(filters))
        .order_by(*order, Career.id)
    )
    if not with_notes:
        # List pages never show the notes; raiseload turns an accidental use into an error
        # instead of one extra query per row.
        statement = statement.options(defer(Career.research_notes, raiseload=True))
    return paginate(session, statement, limit=limit, offset=offset)


def industries(session: Session, user: User) -> list[str]:
    """The distinct industries of the user's careers, for filter choices."""
    statement = (
        select(Career.industry)
        .where(Career.owner_id == user.id, Career.industry != "")
        .distinct()
        .order_by(Career.industry)
    )
    return list(session.scalars(statement))


def update_career(
    session: Session,
    user: User,
    career_id: int,
    data: CareerUpdate,
    *,
    expected_version: int | None = None,
) -> Career:
    """Change the fields sent, unless the caller's version is stale (412)."""
    career = get_career(session, user, career_id)
    check_version(career.version, expected_version)
    # PATCH semantics: only the fields sent, but each one whole (resources get their defaults).
    for field, value in data.model_dump(include=data.model_fields_set).items():
        setattr(career, field, value)
    career.touch()
    session.commit()
    return career


def career_dependents(session: Session, user: User, career_id: int) -> dict[str, int]:
    """What refers to a career: linked contacts and interviews about it."""
    get_career(session, user, career_id)
    contacts = session.scalar(
        select(func.count()).select_from(ContactCareer).where(ContactCareer.career_id == career_id)
    )
    interviews = session.scalar(
        select(func.count()).select_from(Interview).where(Interview.career_id == career_id)
    )
    return {"contacts": contacts or 0, "interviews": interviews or 0}


def delete_career(
    session: Session,
    user: User,
    career_id: int,
    *,
    expected_version: int | None = None,
    cascade: bool = False,
) -> None:
    """Delete a career; with dependents only when cascade (links go, people stay)."""
    career = get_career(session, user, career_id)
    check_version(career.version, expected_version)
    dependents = career_dependents(session, user, career_id)
    if any(dependents.values()) and not cascade:
        raise Conflict(
            detail="Contacts or interviews refer to this career; confirm to unlink them.",
            title="Career has dependents",
            dependents=dependents,
        )
    now = utcnow()
    linked = select(ContactCareer.contact_id).where(ContactCareer.career_id == career_id)
    # The contacts and interviews themselves stay; their representation changes, so they get
    # a new version (and ETag) like any other edit.
    session.execute(
        update(Contact)
        .where(Contact.id.in_(linked))  # type: ignore[union-attr]
        .values(version=Contact.version + 1, updated_at=now)
    )
    session.execute(delete(ContactCareer).where(ContactCareer.career_id == career_id))
    session.execute(
        update(Interview)
        .where(Interview.career_id == career_id)
        .values(career_id=None, version=Interview.version + 1, updated_at=now)
    )
    session.delete(career)
    session.commit()


def count_careers(session: Session, user: User) -> int:
    """How many careers the user has recorded."""
    statement = select(func.count()).select_from(Career).where(Career.owner_id == user.id)
    return session.scalar(statement) or 0
