"""Builders for interview tests: contacts, careers, organizations and banks as rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact
from app.interviews import service
from app.interviews.models import Interview
from app.interviews.schemas import InterviewCreate
from app.organizations.models import Organization
from app.questions.models import Question, QuestionBank


@pytest.fixture
def make_contact(db: Session) -> Callable[..., Contact]:
    def _make(
        owner: User, full_name: str = "Dana Reyes", organization: str | None = None
    ) -> Contact:
        org_id = None
        if organization:
            org = Organization(owner_id=owner.id, name=organization, research_notes="**Big** firm")
            db.add(org)
            db.flush()
            org_id = org.id
        contact = Contact(
            owner_id=owner.id, full_name=full_name, organization_id=org_id, notes="Knows *Rust*"
        )
        db.add(contact)
        db.commit()
        return contact

    return _make


@pytest.fixture
def make_career(db: Session) -> Callable[..., Career]:
    def _make(owner: User, title: str = "Data engineering") -> Career:
        career = Career(owner_id=owner.id, title=title, research_notes="Pipelines")
        db.add(career)
        db.commit()
        return career

    return _make


@pytest.fixture
def make_bank(db: Session) -> Callable[..., QuestionBank]:
    def _make(
        owner: User | None,
        questions: list[tuple[str, str]] | None = None,
        *,
        name: str = "TIARA",
        shared: bool = False,
    ) -> QuestionBank:
        bank = QuestionBank(
            owner_id=owner.id if owner else None,
            name=name,
            shared=shared,
            builtin=owner is None,
        )
        db.add(bank)
        db.flush()
        pairs = questions or [
            ("What trends do you see?", "trends"),
            ("What surprised you most?", "insights"),
            ("What advice would you give?", "advice"),
        ]
        for position, (text, category) in enumerate(pairs):
            db.add(
                Question(
                    bank_id=bank.id,
                    owner_id=bank.owner_id,
                    text=text,
                    category=category,
                    position=position,
                )
            )
        db.commit()
        return bank

    return _make


@pytest.fixture
def make_interview(db: Session, make_contact: Callable[..., Contact]) -> Callable[..., Interview]:
    def _make(owner: User, contact: Contact | None = None, **fields: Any) -> Interview:
        contact = contact or make_contact(owner)
        data = InterviewCreate.model_validate({"contact_id": contact.id, **fields})
        return service.create_interview(db, owner, data)

    return _make
