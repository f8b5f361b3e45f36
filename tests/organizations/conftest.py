"""Fixtures for the organization tests: organizations made through the service, and contacts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.organizations import service
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate


@pytest.fixture
def make_organization(db: Session) -> Callable[..., Organization]:
    def _make(owner: User, name: str = "Acme Health", **fields: Any) -> Organization:
        return service.create_organization(db, owner, OrganizationCreate(name=name, **fields))

    return _make


@pytest.fixture
def add_contact(db: Session) -> Callable[..., Contact]:
    """A contact of the organization's owner who works there."""

    def _add(organization: Organization, full_name: str = "Ada Lovelace") -> Contact:
        contact = Contact(
            owner_id=organization.owner_id,
            full_name=full_name,
            organization_id=organization.id,
            search_text=f"{full_name} {organization.name}".casefold(),
        )
        db.add(contact)
        db.commit()
        return contact

    return _add
