"""Records of every searchable kind, written straight to the tables (the triggers index them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact
from app.followups.models import FollowUp
from app.interactions.models import Interaction
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.messages.models import MessageTemplate
from app.organizations.models import Organization
from app.questions.models import Question, QuestionBank

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class Corpus:
    """Adds rows for one user and commits each, returning the row (with its id)."""

    def __init__(self, db: Session, user: User) -> None:
        self.db, self.user = db, user

    def add(self, row: SQLModel) -> Any:
        """Insert or update ``row``; the write lock is released before the app runs."""
        self.db.add(row)
        self.db.commit()
        self.db.refresh(row)
        self.db.commit()  # the refresh began a (write-locking) transaction: end it
        return row

    def contact(self, full_name: str = "Dana Reyes", **fields: Any) -> Contact:
        return self.add(Contact(owner_id=self.user.id, full_name=full_name, **fields))

    def organization(self, name: str = "Acme", **fields: Any) -> Organization:
        return self.add(Organization(owner_id=self.user.id, name=name, **fields))

    def career(self, title: str = "Archivist", **fields: Any) -> Career:
        return self.add(Career(owner_id=self.user.id, title=title, **fields))

    def interview(self, contact: Contact | None = None, **fields: Any) -> Interview:
        contact = contact or self.contact()
        return self.add(Interview(owner_id=self.user.id, contact_id=contact.id, **fields))

    def answer(self, interview: Interview, text: str, answer_notes: str) -> InterviewQuestion:
        return self.add(
            InterviewQuestion(
                owner_id=self.user.id,
                interview_id=interview.id,
                text=text,
                answer_notes=answer_notes,
            )
        )

    def question(self, text: str, **fields: Any) -> Question:
        bank = self.add(QuestionBank(owner_id=self.user.id, name="Mine"))
        return self.add(Question(bank_id=bank.id, owner_id=self.user.id, text=text, **fields))

    def interaction(self, contact: Contact, summary: str) -> Interaction:
        return self.add(
            Interaction(
                owner_id=self.user.id,
                contact_id=contact.id,
                kind="call",
                occurred_at=NOW,
                summary=summary,
            )
        )

    def follow_up(self, contact: Contact, subject: str, **fields: Any) -> FollowUp:
        return self.add(
            FollowUp(
                owner_id=self.user.id,
                contact_id=contact.id,
                kind="thank_you",
                due_at=NOW,
                subject=subject,
                **fields,
            )
        )

    def template(self, name: str, **fields: Any) -> MessageTemplate:
        return self.add(MessageTemplate(owner_id=self.user.id, name=name, kind="custom", **fields))


@pytest.fixture
def corpus_for(db: Session) -> Callable[[User], Corpus]:
    return lambda user: Corpus(db, user)


@pytest.fixture
def corpus(corpus_for: Callable[[User], Corpus], user: User) -> Corpus:
    return corpus_for(user)
