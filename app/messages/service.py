"""Message templates: the built-ins, the user's own, and drafts rendered from either."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.concurrency import check_version
from app.contacts.models import Contact, ContactCareer
from app.errors import Forbidden, NotFound
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.jobsearch import service as jobsearch_service
from app.messages.builtins import BUILTIN_TEMPLATES
from app.messages.drafts import Draft, clip, render_draft
from app.messages.models import MessageTemplate
from app.messages.schemas import (
    MessageTemplateCreate,
    MessageTemplateFilters,
    MessageTemplateUpdate,
)
from app.organizations.models import Organization
from app.ownership import owned_reference
from app.paging import order_by_clauses, paginate
from app.schemas import Page
from app.textmatch import like_pattern
from app.timezones import user_zone

SORTABLE: dict[str, Any] = {
    "name": func.lower(MessageTemplate.name),
    "kind": MessageTemplate.kind,
    "created_at": MessageTemplate.created_at,
    "updated_at": MessageTemplate.updated_at,
}
DEFAULT_SORT = ("kind", "name")
_BUILTIN_FIELDS = ("name", "kind", "subject", "body")


# ---- built-ins ------------------------------------------------------------------------


def ensure_builtins(session: Session) -> bool:
    """Create or upgrade the shipped templates in place; True when something was written.

    Run lazily by the reads, so a fresh database (or one a test emptied) gets them on first
    use; the caller commits."""
    rows = {
        row.builtin_key: row
        for row in session.scalars(
            select(MessageTemplate).where(MessageTemplate.owner_id.is_(None))  # type: ignore[union-attr]
        )
    }
    wrote = False
    for spec in BUILTIN_TEMPLATES:
        row = rows.get(spec["builtin_key"])
        if row is None:
            try:
                # Two first requests at once may both insert: the loser's savepoint goes.
                with session.begin_nested():
                    session.add(MessageTemplate(**spec))
                wrote = True
            except IntegrityError:
                pass
        elif any(getattr(row, f) != spec[f] for f in _BUILTIN_FIELDS):
            for field in _BUILTIN_FIELDS:
                setattr(row, field, spec[field])
            row.touch()
            wrote = True
    return wrote


def builtin_template(session: Session, kind: str) -> MessageTemplate:
    """The shipped template of a kind (the fallback when the user has none of their own)."""
    ensure_builtins(session)
    statement = select(MessageTemplate).where(
        MessageTemplate.owner_id.is_(None),  # type: ignore[union-attr]
        MessageTemplate.builtin_key == kind,
    )
    found = session.scalars(statement).first()
    if found is None:
        found = session.scalars(
            select(MessageTemplate).where(MessageTemplate.builtin_key == "check_in")
        ).one()
    return found


def template_for(session: Session, user: User, kind: str) -> MessageTemplate:
    """The user's most recently edited template of a kind, else the built-in one."""
    statement = (
        select(MessageTemplate)
        .where(MessageTemplate.owner_id == user.id, MessageTemplate.kind == kind)
        .order_by(MessageTemplate.updated_at.desc(), MessageTemplate.id.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return session.scalars(statement).first() or builtin_template(session, kind)


# ---- CRUD ------------------------------------------------------------------------------


def _visible(user: User) -> ColumnElement[bool]:
    return or_(
        MessageTemplate.owner_id == user.id,
        MessageTemplate.owner_id.is_(None),  # type: ignore[union-attr]
    )


def _commit_if(session: Session, wrote: bool) -> None:
    if wrote:
        session.commit()


def get_template(session: Session, user: User, template_id: int) -> MessageTemplate:
    """A built-in or one of the user's own (NotFound for anyone else's)."""
    _commit_if(session, ensure_builtins(session))
    row = session.get(MessageTemplate, template_id)
    if row is None or row.owner_id not in (None, user.id):
        raise NotFound(detail=f"No message template with id {template_id}.")
    return row


def _own(session: Session, user: User, template_id: int) -> MessageTemplate:
    row = get_template(session, user, template_id)
    if row.builtin:
        raise Forbidden(detail="Built-in templates are read-only; make a copy to edit it.")
    return row


def list_templates(
    session: Session,
    user: User,
    filters: MessageTemplateFilters,
    *,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[MessageTemplate]:
    """The built-ins and the user's own, filtered and sorted (unknown sort: 400)."""
    order = order_by_clauses(sort, SORTABLE, DEFAULT_SORT)
    _commit_if(session, ensure_builtins(session))
    conditions: list[ColumnElement[bool]] = [_visible(user)]
    if filters.kind is not None:
        conditions.append(MessageTemplate.kind == filters.kind)
    if filters.builtin is not None:
        owner = MessageTemplate.owner_id
        conditions.append(owner.is_(None) if filters.builtin else owner.is_not(None))  # type: ignore[union-attr]
    if filters.q:
        pattern = like_pattern(filters.q)
        conditions.append(
            or_(
                func.lower(MessageTemplate.name).like(pattern, escape="\\"),
                func.lower(MessageTemplate.subject).like(pattern, escape="\\"),
            )
        )
    statement = select(MessageTemplate).where(*conditions).order_by(*order, MessageTemplate.id)
    return paginate(session, statement, limit=limit, offset=offset)


def create_template(session: Session, user: User, data: MessageTemplateCreate) -> MessageTemplate:
    """Save a template of the user's own (its schema has checked that it renders)."""
    row = MessageTemplate(owner_id=user.id, **data.model_dump())
    session.add(row)
    session.commit()
    return row


def copy_template(session: Session, user: User, template_id: int) -> MessageTemplate:
    """A copy of a built-in (or of one's own) to edit."""
    source = get_template(session, user, template_id)
    row = MessageTemplate(
        owner_id=user.id,
        name=f"{source.name} (my copy)"[:200],
        kind=source.kind,
        subject=source.subject,
        body=source.body,
    )
    session.add(row)
    session.commit()
    return row


def update_template(
    session: Session,
    user: User,
    template_id: int,
    data: MessageTemplateUpdate,
    *,
    expected_version: int | None = None,
) -> MessageTemplate:
    """Change one of the user's templates (built-ins: 403; stale version: 412)."""
    row = _own(session, user, template_id)
    check_version(row.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(row, field, value)
    row.touch()
    session.commit()
    return row


def delete_template(
    session: Session, user: User, template_id: int, *, expected_version: int | None = None
) -> None:
    """Delete one of the user's templates (built-ins: 403)."""
    row = _own(session, user, template_id)
    check_version(row.version, expected_version)
    session.delete(row)
    session.commit()


# ---- drafts ----------------------------------------------------------------------------


def _person(contact: Contact | None) -> dict[str, str]:
    name = contact.full_name if contact else ""
    return {"full_name": name, "first_name": name.split()[0] if name.split() else ""}


def _takeaway(takeaways: str, answers: list[dict[str, str]]) -> str:
    for line in takeaways.splitlines():
        text = line.strip().lstrip("-*•").strip()
        if text:
            return clip(text)
    for answer in answers:
        first = answer["answer"].strip().splitlines()
        if first:
            return clip(first[0].strip())
    return ""


def _interview_values(session: Session, user: User, interview: Interview | None) -> dict[str, Any]:
    if interview is None:
        return {"date": "", "summary": "", "takeaways": "", "takeaway": "", "answers": []}
    rows = session.scalars(
        select(InterviewQuestion)
        .where(InterviewQuestion.interview_id == interview.id, InterviewQuestion.answer_notes != "")
        .order_by(InterviewQuestion.position, InterviewQuestion.id)
        .limit(50)
    )
    answers = [{"question": clip(q.text), "answer": clip(q.answer_notes)} for q in rows]
    when = interview.completed_at or interview.scheduled_at
    day = when.astimezone(user_zone(user.timezone)).strftime("%-d %B %Y") if when else ""
    return {
        "date": day,
        "summary": clip(interview.summary),
        "takeaways": clip(interview.takeaways),
        "takeaway": _takeaway(interview.takeaways, answers),
        "answers": answers,
    }


def draft_variables(
    session: Session,
    user: User,
    *,
    contact: Contact | None = None,
    interview: Interview | None = None,
    referral: Contact | None = None,
    promise: str = "",
) -> dict[str, Any]:
    """The documented variables (plain dicts of strings: the sandbox reaches nothing else)."""
    if contact is None and interview is not None:
        contact = session.get(Contact, interview.contact_id)
    organization = (
        session.get(Organization, contact.organization_id)
        if contact and contact.organization_id
        else None
    )
    career_id = interview.career_id if interview else None
    if career_id is None and contact is not None:
        career_id = session.scalar(
            select(ContactCareer.career_id)
            .where(ContactCareer.contact_id == contact.id)
            .order_by(ContactCareer.career_id)
            .limit(1)
        )
    career = session.get(Career, career_id) if career_id else None
    introducer = (
        session.get(Contact, contact.introduced_by_id)
        if contact and contact.introduced_by_id
        else None
    )
    job_search = jobsearch_service.current_status(session, user)
    return {
        "me": {"name": user.display_name or user.username, "email": user.email or ""},
        "contact": {
            **_person(contact),
            "title": contact.title if contact else "",
            "email": (contact.email or "") if contact else "",
            "organization": organization.name if organization else "",
        },
        "organization": {
            "name": organization.name if organization else "",
            "website": (organization.website or "") if organization else "",
        },
        "career": {
            "title": career.title if career else "",
            "industry": career.industry if career else "",
        },
        "interview": _interview_values(session, user, interview),
        "introducer": _person(introducer),
        "referral": _person(referral),
        "job_search": {
            "status": job_search.label,
            "note": clip(job_search.note),
        },
        "promise": {"text": clip(promise)},
    }


def _owned_or_none(
    session: Session, model: type[Any], user: User, row_id: int | None, field: str
) -> Any:
    return owned_reference(session, model, user.id, row_id, field) if row_id is not None else None


def render_template(
    session: Session,
    user: User,
    template_id: int,
    *,
    contact_id: int | None = None,
    interview_id: int | None = None,
) -> Draft:
    """A saved template rendered for a contact and/or interview (their ids 404 if not owned)."""
    template = get_template(session, user, template_id)
    interview = _owned_or_none(session, Interview, user, interview_id, "interview_id")
    contact = _owned_or_none(session, Contact, user, contact_id, "contact_id")
    return draft_for(session, user, template, contact=contact, interview=interview)


def render_source(
    session: Session,
    user: User,
    *,
    kind: str,
    subject: str,
    body: str,
    contact_id: int | None = None,
) -> Draft:
    """Unsaved text rendered (the editor's preview), with the user's contact if named."""
    contact = _owned_or_none(session, Contact, user, contact_id, "contact_id")
    variables = draft_variables(session, user, contact=contact)
    email = contact.email if contact else None
    return render_draft(kind, subject, body, variables, email)


def draft_for(
    session: Session,
    user: User,
    template: MessageTemplate,
    *,
    contact: Contact | None = None,
    interview: Interview | None = None,
    referral: Contact | None = None,
    promise: str = "",
) -> Draft:
    """A template rendered over the variables of a contact, interview, referral or promise."""
    variables = draft_variables(
        session, user, contact=contact, interview=interview, referral=referral, promise=promise
    )
    email = variables["contact"]["email"] or None
    return render_draft(template.kind, template.subject, template.body, variables, email)
