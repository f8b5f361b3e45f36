"""Helpers for the contacts suites: careers and organizations to link, contacts to find."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts import service
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.interactions import service as interactions_service
from app.interactions.models import Interaction
from app.interactions.schemas import InteractionCreate
from app.organizations.models import Organization

# The browser harness (live server, Chromium, pages) for test_browser.py.
from tests.e2e.conftest import browser, live_server, open_page, start_server  # noqa: F401


@pytest.fixture
def make_career(db: Session) -> Callable[..., Career]:
    def _make(user: User, title: str = "UX research") -> Career:
        career = Career(owner_id=user.id, title=title)
        db.add(career)
        db.commit()
        return career

    return _make


@pytest.fixture
def make_org(db: Session) -> Callable[..., Organization]:
    def _make(user: User, name: str = "Acme Health") -> Organization:
        organization = Organization(owner_id=user.id, name=name)
        db.add(organization)
        db.commit()
        return organization

    return _make


@pytest.fixture
def make_contact(db: Session) -> Callable[..., Contact]:
    def _make(user: User, full_name: str = "Jane Doe", **fields: Any) -> Contact:
        return service.create_contact(db, user, ContactCreate(full_name=full_name, **fields))

    return _make


@pytest.fixture
def make_interaction(db: Session) -> Callable[..., Interaction]:
    def _make(
        user: User,
        contact: Contact,
        when: datetime | None = None,
        kind: str = "email",
        summary: str = "",
    ) -> Interaction:
        data = InteractionCreate(
            contact_id=contact.id,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            occurred_at=when or datetime(2026, 1, 10, 12, 0, tzinfo=UTC),
            summary=summary,
        )
        return interactions_service.create_interaction(db, user, data)

    return _make
