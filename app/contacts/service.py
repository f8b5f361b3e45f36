"""Contacts: create, read, list, update, delete; referral chains; the dashboard's share.

Listing lives in list_service.py, interactions in interactions_service.py and tags in
tags_service.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.concurrency import check_version
from app.contacts import search_service, tags_service
from app.contacts.interactions_service import refresh_touch_dates
from app.contacts.list_service import (
    career_ids_by_contact,
    organization_names_by_id,
    to_read,
)
from app.contacts.models import Contact, ContactCareer, ContactCount
from app.contacts.normalise import normalise_linkedin, normalise_phone
from app.contacts.referrals_service import check_introducer
from app.contacts.schemas import (
    ContactCreate,
    ContactRead,
    ContactUpdate,
)
from app.errors import Conflict, Invalid
from app.organizations.models import Organization
from app.ownership import get_owned, owned_reference

_TEXT_FIELDS = ("title", "location", "how_we_met", "notes")


# ---- reading --------------------------------------------------------------------------


def get_contact(session: Session, user: User, contact_id: int) -> Contact:
    """One of the user's contacts (another user's is NotFound)."""
    return get_owned(session, Contact, user.id, contact_id)


def read_contact(session: Session, user: User, contact_id: int) -> ContactRead:
    """A contact as the API shows it, with career ids and tags."""
    contact = get_contact(session, user, contact_id)
    careers = career_ids_by_contact(session, [contact_id])
    tags = tags_service.tag_names_by_contact(session, [contact_id])
    return to_read(contact, careers.get(contact_id, []), tags.get(contact_id, []))


@contextmanager
def bulk_contact_load(connection: Connection, owner_id: int) -> Iterator[None]:
    """Bulk-insert one user's contacts in this transaction; their count is redone once at the end.

    On PostgreSQL the per-row count trigger is skipped meanwhile (SQLite's is cheap).
    """
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.exec_driver_sql("SET LOCAL rapport.bulk_load = 'on'")
    yield
    if postgres:
        connection.exec_driver_sql("SET LOCAL rapport.bulk_load = 'off'")
        total = select(func.count()).select_from(Contact).where(Contact.owner_id == owner_id)
        upsert = pg_insert(ContactCount).values(owner_id=owner_id, contacts=total.scalar_subquery())
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[ContactCount.owner_id],
                set_={"contacts": upsert.excluded.contacts},
            )
        )


# ---- writing --------------------------------------------------------------------------


@dataclass
class _Resolved:
    columns: dict[str, Any] = field(default_factory=dict)
    career_ids: list[int] | None = None
    tags: list[str] | None = None


def _resolve(
    session: Session,
    user: User,
    contact_id: int | None,
    changes: dict[str, Any],
    phone_region: str,
) -> _Resolved:
    """Validate references and normalise values, all before anything is written."""
    resolved = _Resolved()
    for name, value in changes.items():
        if name in _TEXT_FIELDS:
            resolved.columns[name] = value or ""
        elif name == "organization_id" and value is not None:
            owned_reference(session, Organization, user.id, value, name)
            resolved.columns[name] = value
        elif name == "phone" and value is not None:
            resolved.columns[name] = normalise_phone(value, phone_region)
        elif name == "linkedin_url":
            url, key = normalise_linkedin(value) if value is not None else (None, None)
            if key is not None:
                _refuse_duplicate_linkedin(session, user, contact_id, key)
            resolved.columns.update(linkedin_url=url, linkedin_key=key)
        elif name == "introduced_by_id" and value is not None:
            check_introducer(session, user, contact_id, value)
            resolved.columns[name] = value
        elif name == "career_ids":
            resolved.career_ids = _owned_career_ids(session, user, value or [])
        elif name == "tags":
            resolved.tags = list(value or [])
        else:
            resolved.columns[name] = value
    return resolved


def _refuse_duplicate_linkedin(
    session: Session, user: User, contact_id: int | None, key: str
) -> None:
    statement = select(Contact.id).where(Contact.owner_id == user.id, Contact.linkedin_key == key)
    if contact_id is not None:
        statement = statement.where(Contact.id != contact_id)
    existing = session.scalar(statement.order_by(Contact.id).limit(1))
    if existing is not None:
        raise Conflict(
            detail=f"Contact {existing} already has this LinkedIn profile.",
            existing_id=existing,
        )


def _owned_career_ids(session: Session, user: User, career_ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(career_ids))
    if not wanted:
        return []
    owned = set(
        session.scalars(select(Career.id).where(Career.owner_id == user.id, Career.id.in_(wanted)))
    )
    missing = [i for i in wanted if i not in owned]
    if missing:
        raise Invalid.one("career_ids", f"No career with id {missing[0]}.")
    return wanted


def _write(session: Session, user: User, contact: Contact, resolved: _Resolved) -> None:
    for name, value in resolved.columns.items():
        setattr(contact, name, value)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    if resolved.career_ids is not None:
        session.execute(delete(ContactCareer).where(ContactCareer.contact_id == contact.id))
        if resolved.career_ids:
            session.execute(
                insert(ContactCareer),
                [{"contact_id": contact.id, "career_id": i} for i in resolved.career_ids],
            )
    if resolved.tags is not None:
        tags_service.set_contact_tags(session, user, contact.id, resolved.tags)
    _refresh_search_text(session, contact)
    refresh_touch_dates(session, contact, bump=False)


build_search_text = search_service.build_search_text  # the seeder looks it up here


def _refresh_search_text(session: Session, contact: Contact) -> None:
    """The lower-cased text ``q`` matches: name, title, organization, email and tags."""
    _refresh_search_texts(session, [contact])


def _refresh_search_texts(session: Session, contacts: list[Contact]) -> None:
    """Rebuild the search text of many contacts with two queries in all."""
    organization_names = organization_names_by_id(session, (c.organization_id for c in contacts))
    tags: dict[int, list[str]] = {}
    for start in range(0, len(contacts), _CHUNK):
        chunk = [c.id for c in contacts[start : start + _CHUNK]]
        tags.update(tags_service.tag_names_by_contact(session, chunk))  # type: ignore[arg-type]
    for contact in contacts:
        organization = (
            organization_names.get(contact.organization_id)
            if contact.organization_id is not None
            else None
        )
        contact.search_text = build_search_text(
            contact.full_name,
            contact.title,
            organization,
            contact.email,
            tags.get(contact.id, []),  # type: ignore[arg-type]
        )
        session.add(contact)


_CHUNK = 500  # ids per IN list


def create_contact(
    session: Session, user: User, data: ContactCreate, *, phone_region: str = "US"
) -> Contact:
    """A new contact; references must be the user's own (else 422 naming the field)."""
    resolved = _resolve(session, user, None, data.model_dump(exclude_unset=True), phone_region)
    resolved.columns.setdefault("full_name", data.full_name)
    resolved.columns.setdefault("stage", data.stage)
    contact = Contact(owner_id=user.id, full_name=data.full_name)
    _write(session, user, contact, resolved)
    session.commit()
    return contact


def update_contact(
    session: Session,
    user: User,
    contact_id: int,
    data: ContactUpdate,
    *,
    expected_version: int | None = None,
    phone_region: str = "US",
) -> Contact:
    """Change the fields sent; a stale ``expected_version`` is refused (412)."""
    contact = get_contact(session, user, contact_id)
    check_version(contact.version, expected_version)
    resolved = _resolve(
        session, user, contact_id, data.model_dump(exclude_unset=True), phone_region
    )
    contact.touch()
    _write(session, user, contact, resolved)
    session.commit()
    return contact


def reindex_organization(session: Session, user: User, organization_id: int) -> None:
    """Refresh search text of the contacts at an organization (call after a rename)."""
    _refresh_search_texts(session, _at_organization(session, user, organization_id))
    session.commit()


def detach_organization(session: Session, user: User, organization_id: int) -> None:
    """Unlink contacts from an organization being deleted; their search text forgets it.

    Does not commit: the organization's delete owns the transaction.
    """
    contacts = _at_organization(session, user, organization_id)
    for contact in contacts:
        contact.organization_id = None
        contact.touch()
    _refresh_search_texts(session, contacts)
    session.flush()


def _at_organization(session: Session, user: User, organization_id: int) -> list[Contact]:
    """Every one of the user's contacts at an organization (however many)."""
    statement = select(Contact).where(
        Contact.owner_id == user.id, Contact.organization_id == organization_id
    )
    return list(session.scalars(statement.order_by(Contact.id)))
