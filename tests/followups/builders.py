"""Rows for the follow-up, message, job-search and reminder suites (made directly, so these
suites do not depend on other domains' forms)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact, ContactCareer
from app.db import utcnow
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.organizations.models import Organization

DONE_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def make_contact(db: Session) -> Callable[..., Contact]:
    def _make(
        owner: User,
        full_name: str = "Dana Reyes",
        *,
        email: str | None = "dana@example.org",
        organization: str | None = None,
        introduced_by: Contact | None = None,
        cadence: int | None = None,
        next_touch_due: datetime | None = None,
        career: Career | None = None,
    ) -> Contact:
        org_id = None
        if organization:
            org = Organization(owner_id=owner.id, name=organization)
            db.add(org)
            db.flush()
            org_id = org.id
        contact = Contact(
            owner_id=owner.id,
            full_name=full_name,
            email=email,
            organization_id=org_id,
            introduced_by_id=introduced_by.id if introduced_by else None,
            stay_in_touch_days=cadence,
            next_touch_due=next_touch_due,
        )
        db.add(contact)
        db.flush()
        if career is not None:
            db.add(ContactCareer(contact_id=contact.id, career_id=career.id))
        db.commit()
        return contact

    return _make


@pytest.fixture
def make_career(db: Session) -> Callable[..., Career]:
    def _make(owner: User, title: str = "Data engineering") -> Career:
        career = Career(owner_id=owner.id, title=title)
        db.add(career)
        db.commit()
        return career

    return _make


@pytest.fixture
def make_interview(db: Session) -> Callable[..., Interview]:
    def _make(
        owner: User,
        contact: Contact,
        *,
        status: str = "completed",
        career: Career | None = None,
        takeaways: str = "",
        promises: list[dict[str, Any]] | None = None,
        answers: list[tuple[str, str]] | None = None,
        completed_at: datetime | None = DONE_AT,
    ) -> Interview:
        interview = Interview(
            owner_id=owner.id,
            contact_id=contact.id,
            career_id=career.id if career else None,
            status=status,
            scheduled_at=(completed_at or utcnow()) - timedelta(hours=1),
            completed_at=completed_at if status == "completed" else None,
            takeaways=takeaways,
            promises=promises or [],
        )
        db.add(interview)
        db.flush()
        for position, (question, answer) in enumerate(answers or []):
            db.add(
                InterviewQuestion(
                    owner_id=owner.id,
                    interview_id=interview.id,
                    position=position,
                    text=question,
                    answer_notes=answer,
                    asked=True,
                )
            )
        db.commit()
        return interview

    return _make
