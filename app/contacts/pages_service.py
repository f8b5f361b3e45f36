"""What the contact pages need beyond the API: form choices, the organization a field names,
and the detail page's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts import tags_service
from app.contacts.list_service import ContactPage
from app.contacts.models import Contact, ContactCareer
from app.contacts.referrals_service import referrals
from app.contacts.schemas import ReferralsRead
from app.contacts.service import get_contact
from app.errors import Invalid
from app.organizations import suggest_service
from app.organizations.models import Organization


@dataclass
class FormChoices:
    """Options for the contact form's selects (organizations are typed, with suggestions)."""

    careers: list[tuple[int, str]]
    contacts: list[tuple[int, str]]


def career_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """The user's careers (id, title) by title, for a filter or the form's checkboxes."""
    rows = session.execute(
        select(Career.id, Career.title).where(Career.owner_id == user.id).order_by(Career.title)
    )
    return [(r.id, r.title) for r in rows]


def has_organizations(session: Session, user: User) -> bool:
    """Whether the user has recorded any organization (the form says how to add one if not)."""
    statement = select(Organization.id).where(Organization.owner_id == user.id).limit(1)
    return session.scalar(statement) is not None


def form_choices(
    session: Session,
    user: User,
    *,
    exclude_contact_id: int | None = None,
    with_contacts: bool = True,
) -> FormChoices:
    """The user's careers and (for the form) contacts, by name."""
    choices = FormChoices(careers=career_choices(session, user), contacts=[])
    if with_contacts:
        contacts = select(Contact.id, Contact.full_name).where(Contact.owner_id == user.id)
        if exclude_contact_id is not None:
            contacts = contacts.where(Contact.id != exclude_contact_id)
        rows = session.execute(contacts.order_by(Contact.full_name, Contact.id).limit(2000))
        choices.contacts = [(r.id, r.full_name) for r in rows]
    return choices


@dataclass
class OrganizationChoice:
    """What an organization field holds: the organization's id and the name shown for it."""

    id: int | None = None
    name: str = ""
    unknown: bool = False  # a name was typed that none of the user's organizations has


def organization_choice(
    session: Session, user: User, organization_id: int | None, text: str | None
) -> OrganizationChoice:
    """The organization a field names; ``text`` is the typed name (None: the field was absent).

    The field sends a name and keeps the id it was shown with beside it: the id counts while
    the name still matches it (so same-named organizations stay apart), else the name is
    looked up. Without a text field (links such as ?organization_id=5) the id counts alone."""
    if text is None:
        if organization_id is None:
            return OrganizationChoice()
        name = suggest_service.name_of(session, user, organization_id)
        return OrganizationChoice(organization_id, name or "")
    text = text.strip()
    if not text:
        return OrganizationChoice()
    if organization_id is not None:
        name = suggest_service.name_of(session, user, organization_id)
        if name is not None and name.casefold() == text.casefold():
            return OrganizationChoice(organization_id, name)
    found = suggest_service.find_by_name(session, user, text)
    if found is None:
        return OrganizationChoice(name=text, unknown=True)
    return OrganizationChoice(*found)


def form_organization_id(
    session: Session, user: User, organization_id: str | None, text: str | None
) -> str | None:
    """The contact form's organization as the id the schema reads; an unknown name is Invalid."""
    digits = organization_id and organization_id.isdigit() and len(organization_id) <= 9
    current = int(organization_id) if digits else None  # type: ignore[arg-type]
    if text is None:
        return organization_id  # no text field (quick-add forms): the id as sent
    choice = organization_choice(session, user, current, text)
    if choice.unknown:
        raise Invalid.one(
            "organization",
            f"None of your organizations is named “{choice.name}”: "
            "pick one from the suggestions, or add the organization first.",
        )
    return None if choice.id is None else str(choice.id)


class ContactRow(NamedTuple):
    """One line of the contacts list, its text ready to show (a template needs no lookups)."""

    id: int
    name: str
    title: str
    organization_id: int | None
    organization: str
    stage: str
    tags: list[tuple[str, str]]  # (tag, the tag quoted for its filter link)
    last_contacted: str  # a day in the reader's timezone, or "never"
    next_touch: str  # a day, or "" for no reminder
    overdue: bool


@lru_cache(maxsize=1024)
def _tag_link(tag: str) -> tuple[str, str]:
    return tag, quote(tag, safe="")


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


def contact_rows(
    page: ContactPage, stage_labels: dict[str, str], tz_name: str, now: datetime
) -> list[ContactRow]:
    """The page's contacts as list lines: names looked up, days in the reader's timezone.

    Done here rather than in the template: filters and lookups called per cell cost more
    in Jinja than the rest of a 50-row page."""
    zone = _zone(tz_name)
    names = page.organization_names
    tags = page.tags
    rows = []
    for c in page.rows:
        due = c.next_touch_due
        last = c.last_contacted_at
        rows.append(
            ContactRow(
                c.id,  # type: ignore[arg-type]
                c.full_name,
                c.title,
                c.organization_id,
                names.get(c.organization_id, "") if c.organization_id else "",
                stage_labels.get(c.stage, c.stage),
                [_tag_link(t) for t in tags.get(c.id, ())],  # type: ignore[arg-type]
                last.astimezone(zone).date().isoformat() if last else "never",
                due.astimezone(zone).date().isoformat() if due else "",
                due is not None and due <= now,
            )
        )
    return rows


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
