"""Deleting a contact: what depends on it, and the cascade that leaves nothing dangling."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.contacts import tags_service
from app.contacts.models import Contact, ContactCareer, ContactTag, Interaction
from app.contacts.service import get_contact
from app.db import utcnow
from app.errors import Conflict
from app.interviews.models import Interview, InterviewQuestion


def contact_dependents(session: Session, user: User, contact_id: int) -> dict[str, int]:
    """What would be lost or changed by deleting the contact, by kind (only non-zero)."""
    get_contact(session, user, contact_id)
    counts = {
        "interactions": session.scalar(
            select(func.count()).where(Interaction.contact_id == contact_id)
        ),
        "introductions": session.scalar(
            select(func.count()).where(Contact.introduced_by_id == contact_id)
        ),
        "interviews": session.scalar(
            select(func.count()).where(Interview.contact_id == contact_id)
        ),
    }
    return {name: count for name, count in counts.items() if count}


def delete_contact(
    session: Session,
    user: User,
    contact_id: int,
    *,
    cascade: bool = False,
    expected_version: int | None = None,
) -> None:
    """Delete a contact; with dependents only when ``cascade`` (then nothing is left dangling)."""
    contact = get_contact(session, user, contact_id)
    check_version(contact.version, expected_version)
    dependents = contact_dependents(session, user, contact_id)
    if dependents and not cascade:
        listed = ", ".join(f"{count} {name}" for name, count in dependents.items())
        raise Conflict(
            detail=f"This contact has {listed}. Confirm to delete them too "
            "(people they introduced are kept, without an introducer).",
            dependents=dependents,
        )
    interviews = select(Interview.id).where(Interview.contact_id == contact_id)
    session.execute(delete(InterviewQuestion).where(InterviewQuestion.interview_id.in_(interviews)))
    session.execute(delete(Interview).where(Interview.contact_id == contact_id))
    session.execute(delete(Interaction).where(Interaction.contact_id == contact_id))
    session.execute(
        update(Contact)
        .where(Contact.owner_id == user.id, Contact.introduced_by_id == contact_id)
        .values(introduced_by_id=None, version=Contact.version + 1, updated_at=utcnow())
    )
    session.execute(delete(ContactCareer).where(ContactCareer.contact_id == contact_id))
    session.execute(delete(ContactTag).where(ContactTag.contact_id == contact_id))
    session.delete(contact)
    session.flush()
    tags_service.delete_unused_tags(session, user)
    session.commit()
