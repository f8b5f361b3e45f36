"""What the contact pages need beyond the API: form choices and the detail page's data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts import tags_service
from app.contacts.models import Contact, ContactCareer
from app.contacts.referrals_service import referrals
from app.contacts.schemas import ReferralsRead
from app.contacts.service import get_contact
from app.organizations.models import Organization


@dataclass
class FormChoices:
    """Options for the contact form's selects."""

    careers: list[tuple[int, str]]
    organizations: list[tuple[int, str]]
    contacts: list[tuple[int, str]]


def form_choices(
    session: Session,
    user: User,
    *,
    exclude_contact_id: int | None = None,
    with_contacts: bool = True,
) -> FormChoices:
    """The user's careers, organizations and (for the form) contacts, by name."""
    careers = session.execute(
        select(Career.id, Career.title).where(Career.owner_id == user.id).order_by(Career.title)
    )
    organizations = session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.owner_id == user.id)
        .order_by(Organization.name)
    )
    choices = FormChoices(
        careers=[(r.id, r.title) for r in careers],
        organizations=[(r.id, r.name) for r in organizations],
        contacts=[],
    )
    if with_contacts:
        contacts = select(Contact.id, Contact.full_name).where(Contact.owner_id == user.id)
        if exclude_contact_id is not None:
            contacts = contacts.where(Contact.id != exclude_contact_id)
        rows = session.execute(contacts.order_by(Contact.full_name, Contact.id).limit(2000))
        choices.contacts = [(r.id, r.full_name) for r in rows]
    return choices


@dataclass
class ContactDetail:
    """Everything the contact page shows."""

    contact: Contact
    organization: Organization | None
    careers: list[tuple[int, str]]
    tags: list[str]
    referrals: ReferralsRead


def contact_detail(session: Session, user: User, contact_id: int) -> ContactDetail:
    """The contact with its organization, careers, tags and referral chain."""
    contact = get_contact(session, user, contact_id)
    organization = None
    if contact.organization_id is not None:
        organization = session.get(Organization, contact.organization_id)
    careers = session.execute(
        select(Career.id, Career.title)
        .join(ContactCareer, ContactCareer.career_id == Career.id)
        .where(ContactCareer.contact_id == contact_id, Career.owner_id == user.id)
        .order_by(Career.title)
    )
    tags = tags_service.tag_names_by_contact(session, [contact_id]).get(contact_id, [])
    return ContactDetail(
        contact=contact,
        organization=organization,
        careers=[(r.id, r.title) for r in careers],
        tags=tags,
        referrals=referrals(session, user, contact_id),
    )
