"""Fixtures for the career tests: careers made through the service, and their dependents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.careers import service
from app.careers.models import Career
from app.careers.schemas import CareerCreate
from app.contacts.models import Contact, ContactCareer
from app.interviews.models import Interview


@pytest.fixture
def make_career(db: Session) -> Callable[..., Career]:
    def _make(owner: User, title: str = "UX research", **fields: Any) -> Career:
        return service.create_career(db, owner, CareerCreate(title=title, **fields))

    return _make


@pytest.fixture
def link_contact(db: Session) -> Callable[..., Contact]:
    """A contact of the career's owner, linked to the career (as the contacts domain does)."""

    def _link(career: Career, full_name: str = "Ada Lovelace") -> Contact:
        contact = Contact(owner_id=career.owner_id, full_name=full_name)
        db.add(contact)
        db.flush()
        db.add(ContactCareer(contact_id=contact.id, career_id=career.id))
        db.commit()
        return contact

    return _link


@pytest.fixture
def add_interview(db: Session) -> Callable[..., Interview]:
    """An interview with a contact about the career."""

    def _add(career: Career, contact: Contact) -> Interview:
        interview = Interview(owner_id=career.owner_id, contact_id=contact.id, career_id=career.id)
        db.add(interview)
        db.commit()
        return interview

    return _add
