"""Interviews: the record, its status transitions, and the dashboard summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.concurrency import check_version
from app.contacts.models import Contact
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.interviews.models import DEFAULT_PURPOSE, Interview
from app.interviews.schemas import ChecklistItem, InterviewCreate, InterviewUpdate, StatusChange
from app.organizations.models import Organization
from app.ownership import get_owned, owned_reference
from app.timezones import user_zone

# Only moves that make sense: a completed interview is history; a cancelled one may be revived.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "planned": ("requested", "scheduled", "cancelled"),
    "requested": ("planned", "scheduled", "cancelled"),
    "scheduled": ("completed", "cancelled", "no_show"),
    "no_show": ("scheduled", "cancelled"),
    "cancelled": ("planned",),
    "completed": (),
}
STATUS_LABELS = {
    "planned": "Planned",
    "requested": "Requested",
    "scheduled": "Scheduled",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}
MODE_LABELS = {"in_person": "In person", "phone": "Phone", "video": "Video"}
# The article's preparation steps, in the order it gives them.
DEFAULT_CHECKLIST = (
    ("profession", "Researched the profession"),
    ("person", "Researched the person"),
    ("website", "Visited the organization's website"),
    ("news", "Read recent news about the field and the organization"),
    ("questions", "Prepared my questions"),
    ("not_seeking_job", "Made clear I am not seeking employment"),
)
# The longest interview allowed; bounds the window searched for overlaps.
MAX_DURATION = timedelta(minutes=600)


# ---- checklist helpers ----------------------------------------------------------------


def default_checklist() -> list[dict[str, Any]]:
    """The article's steps, none done."""
    return [{"key": key, "label": label, "done": False} for key, label in DEFAULT_CHECKLIST]


def normalise_checklist(items: list[ChecklistItem]) -> list[dict[str, Any]]:
    """Stored form of a checklist: every item gets a unique key."""
    used = {i.key for i in items if i.key}
    out: list[dict[str, Any]] = []
    counter = 1
    for item in items:
        key = item.key
        if not key:
            while f"own-{counter}" in used:
                counter += 1
            key = f"own-{counter}"
            used.add(key)
        out.append({"key": key, "label": item.label, "done": item.done})
    return out


def preparation_score(checklist: list[dict[str, Any]]) -> int:
    """Share of the checklist done, 0 to 100."""
    if not checklist:
        return 0
    done = sum(1 for item in checklist if item.get("done"))
    return round(100 * done / len(checklist))


def set_checklist(interview: Interview, checklist: list[dict[str, Any]]) -> None:
    """Replace the checklist and keep the stored score in step with it."""
    interview.checklist = checklist
    interview.preparation_score = preparation_score(checklist)


# ---- lookups --------------------------------------------------------------------------


def get_interview(session: Session, user: User, interview_id: int) -> Interview:
    """One of the user's interviews."""
    return get_owned(session, Interview, user.id, interview_id)


@dataclass
class Related:
    """The contacts, careers and organizations a set of interviews refers to."""

    contacts: dict[int, Contact] = field(default_factory=dict)
    careers: dict[int, Career] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)

    def contact(self, interview: Interview) -> Contact | None:
        """The interviewee."""
        return self.contacts.get(interview.contact_id)

    def career(self, interview: Interview) -> Career | None:
        """The career the interview is about."""
        return self.careers.get(interview.career_id) if interview.career_id else None

    def organization(self, interview: Interview) -> Organization | None:
        """Where the interviewee works."""
        contact = self.contact(interview)
        if contact is None or contact.organization_id is None:
            return None
        return self.organizations.get(contact.organization_id)


def related(session: Session, user: User, interviews: list[Interview]) -> Related:
    """Fetch what the interviews refer to in three queries, whatever their number."""
    out = Related()
    contact_ids = {i.contact_id for i in interviews}
    career_ids = {i.career_id for i in interviews if i.career_id}
    if contact_ids:
        rows = session.scalars(
            select(Contact).where(Contact.owner_id == user.id, Contact.id.in_(contact_ids))
        )
        out.contacts = {c.id: c for c in rows if c.id is not None}
    if career_ids:
        rows_c = session.scalars(
            select(Career).where(Career.owner_id == user.id, Career.id.in_(career_ids))
        )
        out.careers = {c.id: c for c in rows_c if c.id is not None}
    org_ids = {c.organization_id for c in out.contacts.values() if c.organization_id}
    if org_ids:
        rows_o = session.scalars(
            select(Organization).where(
                Organization.owner_id == user.id, Organization.id.in_(org_ids)
            )
        )
        out.organizations = {o.id: o for o in rows_o if o.id is not None}
    return out


FORM_CONTACTS = 1000  # the picker lists this many by name (a heavy user has 100,000)


def form_choices(
    session: Session, user: User, selected_contact_id: int | None = None
) -> tuple[list[Contact], list[Career]]:
    """The user's contacts and careers, by name, for the interview form's pickers.

    The selected contact is always among them: a picker without it would show another
    contact as chosen, and saving would silently move the interview to that person.
    """
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.owner_id == user.id)
            .order_by(Contact.full_name, Contact.id)
            .limit(FORM_CONTACTS)
        )
    )
    if selected_contact_id is not None and all(c.id != selected_contact_id for c in contacts):
        selected = session.scalar(
            select(Contact).where(Contact.owner_id == user.id, Contact.id == selected_contact_id)
        )
        if selected is not None:
            contacts.insert(0, selected)
    careers = list(
        session.scalars(
            select(Career).where(Career.owner_id == user.id).order_by(Career.title, Career.id)
        )
    )
    return contacts, careers


# ---- create, update, delete -----------------------------------------------------------


def _check_schedule(status: str, scheduled_at: datetime | None) -> None:
    if status == "scheduled" and scheduled_at is None:
        raise Invalid.one("scheduled_at", "A scheduled interview needs a date and time.")


def create_interview(session: Session, user: User, data: InterviewCreate) -> Interview:
    """Record a new interview with one of the user's contacts."""
    owned_reference(session, Contact, user.id, data.contact_id, "contact_id")
    if data.career_id is not None:
        owned_reference(session, Career, user.id, data.career_id, "career_id")
    _check_schedule(data.status, data.scheduled_at)
    interview = Interview(
        owner_id=user.id,
        contact_id=data.contact_id,
        career_id=data.career_id,
        status=data.status,
        requested_at=data.requested_at or (utcnow() if data.status == "requested" else None),
        scheduled_at=data.scheduled_at,
        duration_minutes=data.duration_minutes,
        mode=data.mode,
        location=data.location,
        purpose=data.purpose or DEFAULT_PURPOSE,
        research_links=[link.model_dump(mode="json") for link in data.research_links],
        summary=data.summary,
        takeaways=data.takeaways,
        usefulness=data.usefulness,
        confidence=data.confidence,
    )
    checklist = (
        normalise_checklist(data.checklist) if data.checklist is not None else default_checklist()
    )
    set_checklist(interview, checklist)
    session.add(interview)
    session.commit()
    return interview


def update_interview(
    session: Session,
    user: User,
    interview_id: int,
    data: InterviewUpdate,
    expected_version: int | None = None,
) -> Interview:
    """Change an interview's fields (not its status)."""
    interview = get_interview(session, user, interview_id)
    check_version(interview.version, expected_version)
    changes = data.model_dump(exclude_unset=True, mode="python")
    if "contact_id" in changes:
        owned_reference(session, Contact, user.id, changes["contact_id"], "contact_id")
    if changes.get("career_id") is not None:
        owned_reference(session, Career, user.id, changes["career_id"], "career_id")
    if "scheduled_at" in changes:
        _check_schedule(interview.status, changes["scheduled_at"])
    if "checklist" in changes:
        set_checklist(interview, normalise_checklist(data.checklist or []))
        changes.pop("checklist")
    if "research_links" in changes:
        changes["research_links"] = [
            link.model_dump(mode="json") for link in data.research_links or []
        ]
    if "promises" in changes:
        changes["promises"] = [p.model_dump(mode="json") for p in data.promises or []]
    for name, value in changes.items():
        setattr(interview, name, value)
    interview.touch()
    session.commit()
    return interview


def delete_interview(
    session: Session, user: User, interview_id: int, expected_version: int | None = None
) -> None:
    """Delete an interview and its agenda."""
    interview = get_interview(session, user, interview_id)
    check_version(interview.version, expected_version)
    session.delete(interview)
    session.commit()


# ---- status ---------------------------------------------------------------------------


def allowed_transitions(interview: Interview) -> list[str]:
    """The statuses this interview may move to next."""
    return list(TRANSITIONS.get(interview.status, ()))


def change_status(
    session: Session,
    user: User,
    interview_id: int,
    data: StatusChange,
    expected_version: int | None = None,
) -> Interview:
    """Move an interview along; completing it records a meeting on the contact's timeline."""
    interview = get_interview(session, user, interview_id)
    check_version(interview.version, expected_version)
    target = data.status
    if target not in TRANSITIONS.get(interview.status, ()):
        allowed = ", ".join(TRANSITIONS.get(interview.status, ())) or "none (it is final)"
        raise Conflict(
            detail=(
                f"An interview that is {interview.status} cannot become {target}. "
                f"Allowed next: {allowed}."
            ),
            title="Status change not allowed",
        )
    if data.scheduled_at is not None:
        interview.scheduled_at = data.scheduled_at
    _check_schedule(target, interview.scheduled_at)
    now = utcnow()
    if target == "requested" and interview.requested_at is None:
        interview.requested_at = now
    interview.status = target
    interview.touch()
    if target == "completed":
        interview.completed_at = now
        _record_meeting(session, user, interview)
    session.commit()
    return interview


def _record_meeting(session: Session, user: User, interview: Interview) -> None:
    # The contacts service owns interactions (and the stay-in-touch rules they drive).
    from app.contacts import interactions_service
    from app.contacts.schemas import InteractionCreate

    occurred = interview.scheduled_at or interview.completed_at or utcnow()
    summary = "Informational interview"
    if interview.summary:
        summary += f": {interview.summary[:9000]}"
    interactions_service.create_interaction(
        session,
        user,
        InteractionCreate(
            contact_id=interview.contact_id, kind="meeting", occurred_at=occurred, summary=summary
        ),
    )


def overlap_warnings(session: Session, user: User, interview: Interview) -> list[str]:
    """Warnings (not refusals) when a scheduled interview overlaps another scheduled one."""
    if interview.status != "scheduled" or interview.scheduled_at is None:
        return []
    start = interview.scheduled_at
    end = start + timedelta(minutes=interview.duration_minutes)
    candidates = session.scalars(
        select(Interview).where(
            Interview.owner_id == user.id,
            Interview.id != interview.id,
            Interview.status == "scheduled",
            Interview.scheduled_at < end,
            Interview.scheduled_at > start - MAX_DURATION,
        )
    ).all()
    clashes = [
        other
        for other in candidates
        if other.scheduled_at is not None
        and other.scheduled_at + timedelta(minutes=other.duration_minutes) > start
    ]
    if not clashes:
        return []
    names = related(session, user, clashes)
    zone = user_zone(user.timezone)
    warnings = []
    for other in sorted(clashes, key=lambda i: (i.scheduled_at, i.id)):
        contact = names.contact(other)
        when = (
            other.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if other.scheduled_at
            else ""
        )
        warnings.append(
            f"This overlaps your interview with {contact.full_name if contact else 'a contact'} "
            f"at {when} ({other.duration_minutes} min, interview {other.id})."
        )
    return warnings
