"""A small world with hand-counted progress: two careers of the user's, one of someone else's.

Counted by hand (user in America/New_York, "now" 2026-11-20 12:00 UTC):
- Data science (career A): contacts Ana, Ben, Cy (3). Interviews: held 2026-11-01 03:00Z
  (Oct 31 in New York) with Ana, confidence 2; held 2026-11-10 with Ben, confidence 4; held
  2026-11-12 with Ana, unrated; held 2025-11-15 with Ben, confidence 1 (before the window);
  held 2026-06-05 with Cy, confidence 5; one requested, one scheduled, one planned.
  Requested 7 (all but planned), held 5, talked to 3, confidence 1 -> 4.
  Answers in held interviews: future of the industry, qualifications (a blank answer on
  everyday work and an answer in the requested interview do not count).
  Open follow-ups: one for Ana, one tied to the Nov 10 interview (but for Dee): 2.
- Design (career B): contact Dee. Held 2026-03-01 02:00Z (Feb 28 in New York), confidence 3.
  Open follow-ups: the one for Dee (her contact is in the career): 1.
- Another user: a career and held interviews in November, confidence 5: never counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact, ContactCareer
from app.followups.models import FollowUp
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class World:
    """The ids the tests look for."""

    data: Career
    design: Career
    theirs: Career
    contacts: dict[str, Contact]
    interviews: dict[str, Interview]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def build_world(db: Session, user: User, other: User) -> World:
    """Make the hand-counted rows directly (no other domain's forms involved)."""
    data = Career(owner_id=user.id, title="Data science", interest=5, research_notes="Numbers.")
    design = Career(owner_id=user.id, title="Design", interest=3)
    theirs = Career(owner_id=other.id, title="Their career")
    db.add_all([data, design, theirs])
    db.flush()
    contacts: dict[str, Contact] = {}
    for name, owner, career in (
        ("Ana", user, data),
        ("Ben", user, data),
        ("Cy", user, data),
        ("Dee", user, design),
        ("Zed", other, theirs),
    ):
        contact = Contact(owner_id=owner.id, full_name=name)
        db.add(contact)
        db.flush()
        db.add(ContactCareer(contact_id=contact.id, career_id=career.id))
        contacts[name] = contact
    interviews: dict[str, Interview] = {}

    def interview(key: str, owner: User, who: str, career: Career, status: str, **kw: Any) -> None:
        row = Interview(
            owner_id=owner.id,
            contact_id=contacts[who].id,
            career_id=career.id,
            status=status,
            **kw,
        )
        db.add(row)
        db.flush()
        interviews[key] = row

    held = "completed"
    interview("oct31", user, "Ana", data, held, scheduled_at=_at("2026-11-01T03:00"), confidence=2)
    interview("nov10", user, "Ben", data, held, scheduled_at=_at("2026-11-10T15:00"), confidence=4)
    interview("nov12", user, "Ana", data, held, scheduled_at=_at("2026-11-12T15:00"))
    interview("old", user, "Ben", data, held, scheduled_at=_at("2025-11-15T12:00"), confidence=1)
    interview("jun", user, "Cy", data, held, scheduled_at=_at("2026-06-05T12:00"), confidence=5)
    interview("asked", user, "Cy", data, "requested", requested_at=_at("2026-11-15T12:00"))
    interview("next", user, "Ben", data, "scheduled", scheduled_at=_at("2026-12-02T12:00"))
    interview("plan", user, "Ana", data, "planned")
    interview(
        "feb28", user, "Dee", design, held, scheduled_at=_at("2026-03-01T02:00"), confidence=3
    )
    for i in range(3):
        interview(
            f"theirs{i}",
            other,
            "Zed",
            theirs,
            held,
            scheduled_at=_at("2026-11-05T12:00"),
            confidence=5,
        )
    for key, category, answer in (
        ("oct31", "future_of_industry", "Shrinking teams, more tooling."),
        ("nov10", "qualifications", "A portfolio beats a degree."),
        ("nov10", "everyday_work", "   "),
        ("nov10", "other", "Coffee."),
        ("asked", "culture", "Not held yet, so not covered."),
        ("theirs0", "career_path", "Someone else's answer."),
    ):
        row = interviews[key]
        db.add(
            InterviewQuestion(
                owner_id=row.owner_id,
                interview_id=row.id,
                text=f"About {category}?",
                category=category,
                answer_notes=answer,
                asked=True,
            )
        )
    for owner, who, interview_key, status in (
        (user, "Ana", None, "open"),
        (user, "Dee", "nov10", "open"),
        (user, "Ben", None, "done"),
        (other, "Zed", None, "open"),
    ):
        db.add(
            FollowUp(
                owner_id=owner.id,
                contact_id=contacts[who].id,
                interview_id=interviews[interview_key].id if interview_key else None,
                kind="check_in",
                status=status,
                due_at=NOW,
            )
        )
    db.commit()
    return World(data, design, theirs, contacts, interviews)


@pytest.fixture
def world(db: Session, user: User, other_user: User) -> World:
    user.timezone = "America/New_York"
    db.add(user)
    db.commit()
    return build_world(db, user, other_user)
