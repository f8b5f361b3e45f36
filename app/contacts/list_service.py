"""Contacts: listing, filtering and sorting in SQL, with the helpers that load a page's extras."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    bindparam,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import load_only
from sqlmodel import Session

from app import rawsql
from app.auth.models import User
from app.contacts import search_service, tags_service
from app.contacts.filters import (
    ContactFilters,
    filter_conditions,
    filter_params,
    sort_order,
)
from app.contacts.models import Contact, ContactCareer, ContactCount, ContactTag
from app.contacts.schemas import ContactRead
from app.db import utcnow
from app.organizations.models import Organization

# What the list page shows; the API list shows every field.
BRIEF_COLUMNS = (
    Contact.id,
    Contact.owner_id,
    Contact.full_name,
    Contact.title,
    Contact.organization_id,
    Contact.email,
    Contact.stage,
    Contact.stay_in_touch_days,
    Contact.last_contacted_at,
    Contact.next_touch_due,
    Contact.version,
)


@dataclass
class ContactPage:
    """A page of contacts plus what is needed to show them, each fetched in one query."""

    rows: list[Contact]
    total: int
    limit: int
    offset: int
    career_ids: dict[int, list[int]] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    organization_names: dict[int, str] = field(default_factory=dict)

    def read_models(self) -> list[ContactRead]:
        """The rows as API read models."""
        return [
            to_read(row, self.career_ids.get(row.id, []), self.tags.get(row.id, []))  # type: ignore[arg-type]
            for row in self.rows
        ]


def to_read(contact: Contact, career_ids: list[int], tags: list[str]) -> ContactRead:
    """A contact row with its careers and tags as the API read model."""
    values = {
        name: getattr(contact, name)
        for name in ContactRead.model_fields
        if name not in ("career_ids", "tags")
    }
    return ContactRead.model_validate({**values, "career_ids": career_ids, "tags": tags})


def career_ids_by_contact(session: Session, contact_ids: Iterable[int]) -> dict[int, list[int]]:
    """contact id -> career ids, for many contacts in one query."""
    ids = list(contact_ids)
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(ContactCareer.contact_id, ContactCareer.career_id)
            .where(ContactCareer.contact_id.in_(ids))
            .order_by(ContactCareer.career_id)
        )
        for contact_id, career_id in rows:
            found[contact_id].append(career_id)
    return found


def organization_names_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """organization id -> name for these ids (None skipped), in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    )
    return dict(rows.tuples().all())


def list_contacts(
    session: Session,
    user: User,
    filters: ContactFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    brief: bool = False,
    now: datetime | None = None,
    with_total: bool = True,
) -> ContactPage:
    """A page of the user's contacts, filtered and sorted in SQL; ``brief`` loads list columns.

    Without ``with_total`` the total is not counted (``offset + len(rows)`` stands in).
    """
    dialect = session.get_bind().dialect.name
    params = filter_params(dialect, user, filters, now or utcnow())
    conditions = filter_conditions(params)
    total: int | None = None
    if not with_total:
        pass
    elif len(conditions) == 1:  # only the owner: the maintained count, not a scan
        total = count_contacts(session, user)
    else:
        total = session.scalar(select(func.count(Contact.id)).where(*conditions), params) or 0
    # A `q` too short for the trigram index is a scan; when it matches few rows, SQLite
    # would rather walk the whole sort index looking for them (100k lookups): scan and
    # sort the few instead.
    few = (
        dialect == "sqlite"
        and total is not None
        and search_service.is_unindexed(filters.q)
        and total < 10 * (offset + limit)
    )
    statement = select(Contact).where(*conditions).order_by(*sort_order(sort, unindexed=few))
    if brief:
        statement = statement.options(load_only(*BRIEF_COLUMNS))
    rows = list(session.scalars(statement.limit(limit).offset(offset), params))
    ids = [row.id for row in rows]
    if total is None:
        total = offset + len(rows)
    page = ContactPage(rows=rows, total=total, limit=limit, offset=offset)
    page.tags = tags_service.tag_names_by_contact(session, ids)  # type: ignore[arg-type]
    if brief:
        page.organization_names = organization_names_by_id(
            session, (r.organization_id for r in rows)
        )
    else:
        page.career_ids = career_ids_by_contact(session, ids)  # type: ignore[arg-type]
    return page


# The API read model's columns, in its order (career_ids and tags come from their tables).
READ_COLUMNS = tuple(
    getattr(Contact, name)
    for name in ContactRead.model_fields
    if name not in ("career_ids", "tags")
)


@dataclass
class ContactReadPage:
    """A page of contacts as API read dicts, ready to encode."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def contact_read_page(
    session: Session,
    user: User,
    filters: ContactFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
) -> ContactReadPage:
    """What ``list_contacts`` finds, as ContactRead dicts, on the hot read path (app.rawsql)."""
    dialect = session.get_bind().dialect
    # Statements are built only when their shape is first seen (rawsql.prepare); a request
    # computes just the values. An unknown sort raises from the build, so it is never cached.
    params = filter_params(dialect.name, user, filters, utcnow())
    shape = tuple(sorted(params))
    if shape == ("owner_id",):
        total = _fetch_scalar(session, ("contacts.count_kept",), _kept_count, params)
    else:
        total = _fetch_scalar(
            session,
            ("contacts.count", shape),
            lambda: select(func.count(Contact.id)).where(*filter_conditions(params)),
            params,
        )
    few = dialect.name == "sqlite" and search_service.is_unindexed(filters.q)
    few = few and total < 10 * (offset + limit)
    # SQLite computes select-list subqueries only for the rows it returns, so careers and
    # tags ride along in the page query; PostgreSQL computes them for the rows OFFSET skips
    # too (550 subplans for page 11), so there they are two queries on the page's ids.
    folded = dialect.name == "sqlite"

    def page_statement() -> Any:
        extras = (
            [
                _json_list(ContactCareer.career_id, ContactCareer.contact_id).label("career_ids"),
                _json_list(tags_service.Tag.name, ContactTag.contact_id).label("tags"),
            ]
            if folded
            else []
        )
        return (
            select(*READ_COLUMNS, *extras)
            .where(*filter_conditions(params))
            .order_by(*sort_order(sort, unindexed=few))
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
        )

    page_query = rawsql.prepare(("contacts.page", shape, sort, few), dialect, page_statement)
    items = rawsql.fetch_dicts(session, page_query, {**params, "limit": limit, "offset": offset})
    if not folded:
        _attach_careers_and_tags(session, items)
    return ContactReadPage(items=items, total=total, limit=limit, offset=offset)


def _attach_careers_and_tags(session: Session, items: list[dict[str, Any]]) -> None:
    ids = [item["id"] for item in items]
    careers = _grouped(session, "contacts.page_careers", _careers_of_contacts, ids)
    tags = _grouped(session, "contacts.page_tags", _tags_of_contacts, ids)
    for item in items:
        item["career_ids"] = careers.get(item["id"], [])
        item["tags"] = tags.get(item["id"], [])


def _careers_of_contacts() -> Any:
    return (
        select(ContactCareer.contact_id, ContactCareer.career_id)
        .where(ContactCareer.contact_id.in_(bindparam("ids", expanding=True)))
        .order_by(ContactCareer.career_id)
    )


def _tags_of_contacts() -> Any:
    return (
        select(ContactTag.contact_id, tags_service.Tag.name)
        .join(tags_service.Tag, tags_service.Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(bindparam("ids", expanding=True)))
        .order_by(tags_service.Tag.name)
    )


def _grouped(session: Session, key: str, build: Any, ids: list[int]) -> dict[Any, list[Any]]:
    if not ids:
        return {}
    prepared = rawsql.prepare(key, session.get_bind().dialect, build)
    return rawsql.group_pairs(rawsql.fetch(session, prepared, {"ids": ids}))


def _json_list(value: Any, contact_id: Any) -> Any:
    """A contact's careers (by id) or tag names (A-Z) as a JSON array, per page row (SQLite).

    SQLite (3.40) has no ORDER BY inside an aggregate, so it aggregates an ordered subquery.
    rawsql decodes the text by the JSON column type.
    """
    source = select(value).where(contact_id == Contact.id).correlate(Contact)
    if value.key == "name":  # tags: the link table joined to the names
        source = source.join_from(
            ContactTag, tags_service.Tag, tags_service.Tag.id == ContactTag.tag_id
        )
    ordered = source.order_by(value).subquery()
    return type_coerce(select(func.json_group_array(ordered.c[value.key])).scalar_subquery(), JSON)


def _kept_count() -> Any:
    return select(ContactCount.contacts).where(ContactCount.owner_id == bindparam("owner_id"))


def _fetch_scalar(session: Session, key: Any, build: Any, params: dict[str, Any]) -> int:
    prepared = rawsql.prepare(key, session.get_bind().dialect, build)
    rows = rawsql.fetch(session, prepared, params)
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def count_contacts(session: Session, user: User) -> int:
    """How many contacts the user has (kept by triggers: one row read, not a count)."""
    statement = select(ContactCount.contacts).where(ContactCount.owner_id == user.id)
    return session.scalar(statement) or 0


def contacts_for(
    session: Session,
    user: User,
    *,
    career_id: int | None = None,
    organization_id: int | None = None,
    limit: int = 50,
) -> list[Contact]:
    """The user's contacts linked to a career or working at an organization, by name."""
    statement = select(Contact).where(Contact.owner_id == user.id)
    if career_id is not None:
        statement = statement.join(ContactCareer, ContactCareer.contact_id == Contact.id).where(
            ContactCareer.career_id == career_id
        )
    if organization_id is not None:
        statement = statement.where(Contact.organization_id == organization_id)
    order = (func.lower(Contact.full_name), Contact.id)
    return list(session.scalars(statement.order_by(*order).limit(limit)))
