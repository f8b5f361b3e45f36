"""Preparation and capture: the checklist, research links, promises and referrals."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.errors import Invalid, NotFound
from app.interviews.models import Interview
from app.interviews.schemas import (
    MAX_CHECKLIST,
    MAX_LINKS,
    MAX_PROMISES,
    ChecklistItem,
    PromiseCreate,
    ReferralCreate,
    ResearchLink,
)
from app.interviews.service import get_interview, normalise_checklist, set_checklist


def set_checklist_done(
    session: Session, user: User, interview_id: int, done_keys: set[str]
) -> Interview:
    """Tick exactly the checklist items whose keys are given (the form sends all boxes)."""
    interview = get_interview(session, user, interview_id)
    items = [{**item, "done": item.get("key") in done_keys} for item in interview.checklist]
    set_checklist(interview, items)
    interview.touch()
    session.commit()
    return interview


def add_checklist_item(session: Session, user: User, interview_id: int, label: str) -> Interview:
    """Append a step of the user's own."""
    interview = get_interview(session, user, interview_id)
    if len(interview.checklist) >= MAX_CHECKLIST:
        raise Invalid.one("label", f"A checklist holds at most {MAX_CHECKLIST} items.")
    current = [ChecklistItem.model_validate(item) for item in interview.checklist]
    try:
        new = ChecklistItem.model_validate({"label": label})
    except ValidationError:
        raise Invalid.one("label", "Write the step on one line, 200 characters at most.") from None
    set_checklist(interview, normalise_checklist([*current, new]))
    interview.touch()
    session.commit()
    return interview


def remove_checklist_item(session: Session, user: User, interview_id: int, key: str) -> Interview:
    """Drop one checklist item by key."""
    interview = get_interview(session, user, interview_id)
    kept = [item for item in interview.checklist if item.get("key") != key]
    if len(kept) == len(interview.checklist):
        raise NotFound(detail=f"No checklist item {key!r} on this interview.")
    set_checklist(interview, kept)
    interview.touch()
    session.commit()
    return interview


def add_research_link(
    session: Session, user: User, interview_id: int, link: ResearchLink
) -> Interview:
    """Remember something read while preparing, and when."""
    interview = get_interview(session, user, interview_id)
    if len(interview.research_links) >= MAX_LINKS:
        raise Invalid.one("url", f"An interview keeps at most {MAX_LINKS} research links.")
    interview.research_links = [*interview.research_links, link.model_dump(mode="json")]
    interview.touch()
    session.commit()
    return interview


def _without(items: list[dict[str, Any]], index: int, label: str) -> list[dict[str, Any]]:
    if not 0 <= index < len(items):
        raise NotFound(detail=f"No {label} number {index + 1} on this interview.")
    return [item for i, item in enumerate(items) if i != index]


def remove_research_link(session: Session, user: User, interview_id: int, index: int) -> Interview:
    """Forget one research link (by its position in the list)."""
    interview = get_interview(session, user, interview_id)
    interview.research_links = _without(interview.research_links, index, "research link")
    interview.touch()
    session.commit()
    return interview


def add_promise(session: Session, user: User, interview_id: int, data: PromiseCreate) -> Interview:
    """Keep something promised by either side; follow-ups turn these into tasks."""
    interview = get_interview(session, user, interview_id)
    if len(interview.promises) >= MAX_PROMISES:
        raise Invalid.one("text", f"An interview keeps at most {MAX_PROMISES} promises.")
    interview.promises = [*interview.promises, data.model_dump(mode="json")]
    interview.touch()
    session.commit()
    return interview


def set_promise_done(
    session: Session, user: User, interview_id: int, index: int, done: bool
) -> Interview:
    """Mark a promise kept (or not)."""
    interview = get_interview(session, user, interview_id)
    if not 0 <= index < len(interview.promises):
        raise NotFound(detail=f"No promise number {index + 1} on this interview.")
    interview.promises = [
        {**p, "done": done} if i == index else p for i, p in enumerate(interview.promises)
    ]
    interview.touch()
    session.commit()
    return interview


def remove_promise(session: Session, user: User, interview_id: int, index: int) -> Interview:
    """Drop a promise (by its position in the list)."""
    interview = get_interview(session, user, interview_id)
    interview.promises = _without(interview.promises, index, "promise")
    interview.touch()
    session.commit()
    return interview


def capture_referral(
    session: Session, user: User, interview_id: int, data: ReferralCreate
) -> Contact:
    """Someone the interviewee offered to introduce: a new contact introduced by them."""
    # The contacts service owns contacts (search text, stage, duplicates).
    from app.contacts import service as contacts_service
    from app.contacts.schemas import ContactCreate

    interview = get_interview(session, user, interview_id)
    interviewee = session.get(Contact, interview.contact_id)
    how = f"Referred by {interviewee.full_name if interviewee else 'a contact'}"
    if data.note:
        how = f"{how}: {data.note}"
    created = contacts_service.create_contact(
        session,
        user,
        ContactCreate(
            full_name=data.full_name,
            introduced_by_id=interview.contact_id,
            how_we_met=how[:2000],
            career_ids=[interview.career_id] if interview.career_id else None,
        ),
    )
    return created


def referrals_of(session: Session, user: User, interview: Interview) -> list[Contact]:
    """The contacts the interviewee has introduced the user to."""
    statement = (
        select(Contact)
        .where(Contact.owner_id == user.id, Contact.introduced_by_id == interview.contact_id)
        .order_by(Contact.created_at, Contact.id)
    )
    return list(session.scalars(statement))
