"""Contacts, their careers and tags, interactions and the stay-in-touch rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact, ContactCareer


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
    return list(session.scalars(statement.order_by(Contact.full_name, Contact.id).limit(limit)))
