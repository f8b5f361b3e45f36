"""Organizations: the employers and institutions the user researches and meets people at,
and the small indexed look-ups their typed fields need (a few names matching what was typed,
a typed name back to a row): forms and filters offer a text field with suggestions instead
of a <select> of every organization (thousands for a heavy user)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import defer
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.contacts import service as contacts_service
from app.contacts.models import Contact
from app.errors import Conflict
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate, OrganizationFilters, OrganizationUpdate
from app.ownership import get_owned
from app.paging import order_by_clauses, paginate
from app.schemas import Page
from app.textmatch import like_pattern

SORTABLE: dict[str, Any] = {
    "name": func.lower(Organization.name),
    "industry": func.lower(Organization.industry),
    "location": func.lower(Organization.location),
    "created_at": Organization.created_at,
    "updated_at": Organization.updated_at,
}
DEFAULT_SORT = ("name",)


def create_organization(session: Session, user: User, data: OrganizationCreate) -> Organization:
    """Record a new organization for the user."""
    organization = Organization(owner_id=user.id, **data.model_dump())
    session.add(organization)
    session.commit()
    return organization


def add_organization(session: Session, user: User, name: str) -> Organization:
    """A new organization by name alone, inside the caller's transaction (not committed)."""
    organization = Organization(owner_id=user.id, name=name)
    session.add(organization)
    session.flush()
    return organization


def get_organization(session: Session, user: User, organization_id: int) -> Organization:
    """One of the user's organizations (NotFound for anyone else's)."""
    return get_owned(session, Organization, user.id, organization_id)


def _matches(filters: OrganizationFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.industry:
        conditions.append(func.lower(Organization.industry) == filters.industry.casefold())
    if filters.location:
        conditions.append(func.lower(Organization.location) == filters.location.casefold())
    if filters.q:
        pattern = like_pattern(filters.q)
        conditions.append(
            or_(
                func.lower(Organization.name).like(pattern, escape="\\"),
                func.lower(Organization.industry).like(pattern, escape="\\"),
                func.lower(Organization.location).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_organizations(
    session: Session,
    user: User,
    filters: OrganizationFilters,
    *,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
    with_notes: bool = True,
) -> Page[Organization]:
    """One page of the user's organizations, filtered and sorted in SQL (unknown sort: 400)."""
    order = order_by_clauses(sort, SORTABLE, DEFAULT_SORT)
    statement = (
        select(Organization)
        .where(Organization.owner_id == user.id, *_matches(filters))
        .order_by(*order, Organization.id)
    )
    if not with_notes:
        # List pages never show the notes; raiseload makes an accidental use fail loudly.
        statement = statement.options(defer(Organization.research_notes, raiseload=True))
    return paginate(session, statement, limit=limit, offset=offset)


def distinct_values(session: Session, user: User, field: str) -> list[str]:
    """The user's distinct non-empty industries or locations, for filter choices."""
    column = {"industry": Organization.industry, "location": Organization.location}[field]
    statement = (
        select(column)
        .where(Organization.owner_id == user.id, column != "")
        .distinct()
        .order_by(column)
    )
    return list(session.scalars(statement))


def update_organization(
    session: Session,
    user: User,
    organization_id: int,
    data: OrganizationUpdate,
    *,
    expected_version: int | None = None,
) -> Organization:
    """Change the fields sent, unless the caller's version is stale (412)."""
    organization = get_organization(session, user, organization_id)
    check_version(organization.version, expected_version)
    renamed = data.name is not None and data.name != organization.name
    for field, value in data.model_dump(include=data.model_fields_set).items():
        setattr(organization, field, value)
    organization.touch()
    session.flush()
    if renamed:
        # Contacts are found by their organization's name, so their search text follows it,
        # in the same transaction.
        contacts_service.reindex_organization(session, user, organization_id)
    session.commit()
    return organization


def organization_dependents(session: Session, user: User, organization_id: int) -> dict[str, int]:
    """What refers to an organization: the contacts working there."""
    get_organization(session, user, organization_id)
    contacts = session.scalar(
        select(func.count()).select_from(Contact).where(Contact.organization_id == organization_id)
    )
    return {"contacts": contacts or 0}


def delete_organization(
    session: Session,
    user: User,
    organization_id: int,
    *,
    expected_version: int | None = None,
    cascade: bool = False,
) -> None:
    """Delete an organization; with contacts only when cascade (they stay, detached)."""
    organization = get_organization(session, user, organization_id)
    check_version(organization.version, expected_version)
    dependents = organization_dependents(session, user, organization_id)
    if any(dependents.values()) and not cascade:
        raise Conflict(
            detail="Contacts work at this organization; confirm to detach them.",
            title="Organization has dependents",
            dependents=dependents,
        )
    # People are never deleted with their employer: they lose the link (and the employer's
    # name from their search text) and get a new version.
    contacts_service.detach_organization(session, user, organization_id)
    session.delete(organization)
    session.commit()


def count_organizations(session: Session, user: User) -> int:
    """How many organizations the user has recorded."""
    statement = (
        select(func.count()).select_from(Organization).where(Organization.owner_id == user.id)
    )
    return session.scalar(statement) or 0


def has_organizations(session: Session, user: User) -> bool:
    """Whether the user has recorded any organization (the form says how to add one if not)."""
    statement = select(Organization.id).where(Organization.owner_id == user.id).limit(1)
    return session.scalar(statement) is not None


SUGGESTION_LIMIT = 20


def suggest_names(
    session: Session, user: User, text: str, *, limit: int = SUGGESTION_LIMIT
) -> list[str]:
    """Up to ``limit`` of the user's organization names containing ``text``, prefixes first."""
    text = text.replace("\x00", "").strip()
    owned = Organization.owner_id == user.id
    name = func.lower(Organization.name)
    if not text:
        statement = select(Organization.name).where(owned).order_by(Organization.name)
    else:
        # Matched as the list's `q` is: the text case-folded, against the lower-cased name.
        pattern = like_pattern(text)
        prefix = pattern.removeprefix("%")
        statement = (
            select(Organization.name)
            .where(owned, name.like(pattern, escape="\\"))
            .order_by(case((name.like(prefix, escape="\\"), 0), else_=1), name)
        )
    # Twice the limit leaves room for duplicate names, dropped below.
    names = session.scalars(statement.order_by(Organization.id).limit(limit * 2))
    return list(dict.fromkeys(names))[:limit]


def find_by_name(session: Session, user: User, text: str) -> tuple[int, str] | None:
    """The user's organization named ``text`` (any case; the oldest if several are)."""
    text = text.replace("\x00", "").strip()
    if not text:
        return None
    statement = (
        select(Organization.id, Organization.name)
        .where(
            Organization.owner_id == user.id,
            func.lower(Organization.name) == func.lower(literal(text)),
        )
        .order_by(Organization.id)
        .limit(1)
    )
    row = session.execute(statement).first()
    return (row.id, row.name) if row else None


def name_of(session: Session, user: User, organization_id: int) -> str | None:
    """The name of one of the user's organizations; None for a missing or foreign id."""
    return names_of(session, user.id, [organization_id]).get(organization_id)


# A list page asks on every view: one prebuilt statement per dialect, the ids in a single
# bind. An expanding IN re-renders the SQL for each list length, which cost more than the
# indexed read itself.
_OWNED_NAMES = select(Organization.id, Organization.name).where(
    Organization.owner_id == bindparam("owner_id")
)
_NAMES_OF = {
    # The ids as a JSON array, unpacked by json_each.
    "sqlite": _OWNED_NAMES.where(
        Organization.id.in_(
            select(func.json_each(bindparam("ids", type_=String)).table_valued("value").c.value)
        )
    ),
    "postgresql": _OWNED_NAMES.where(
        Organization.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer)))
    ),
}


def names_of(session: Session, owner_id: int | None, ids: Iterable[int | None]) -> dict[int, str]:
    """id -> name for those of ``ids`` that are the owner's organizations, in one query."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    connection = session.connection()
    dialect = connection.dialect.name
    rows = connection.execute(
        _NAMES_OF[dialect],
        {"owner_id": owner_id, "ids": json.dumps(wanted) if dialect == "sqlite" else wanted},
    )
    return {row[0]: row[1] for row in rows}
