"""Resume shares: record which version went to which contact, and their feedback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.contacts.models import Contact
from app.contacts.references import service as references
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.ownership import get_owned, owned_reference
from app.paging import order_by_clauses, paginate
from app.resumes.models import Resume
from app.resumes.shares.models import ResumeShare
from app.resumes.shares.schemas import ShareCreate, ShareUpdate
from app.schemas import Page

SORTABLE: dict[str, Any] = {
    "shared_at": ResumeShare.shared_at,
    "created_at": ResumeShare.created_at,
    "updated_at": ResumeShare.updated_at,
}
DEFAULT_SORT = ("-shared_at",)


@dataclass(frozen=True)
class ShareRow:
    """A share with the name of the contact and whether the version still exists."""

    share: ResumeShare
    contact_name: str


def _add_share(session: Session, user: User, resume: Resume, data: ShareCreate) -> ResumeShare:
    # The label and file name are copied so the record outlives the version.
    share = ResumeShare(
        owner_id=user.id,
        resume_id=resume.id,
        contact_id=data.contact_id,
        shared_at=data.shared_at or utcnow(),
        feedback=data.feedback,
        resume_label=resume.label,
        resume_file_name=resume.file_name,
    )
    session.add(share)
    return share


def create_share(session: Session, user: User, resume_id: int, data: ShareCreate) -> ResumeShare:
    """Record that a version went to a contact (another user's contact is a 422)."""
    resume = get_owned(session, Resume, user.id, resume_id)
    owned_reference(session, Contact, user.id, data.contact_id, "contact_id")
    share = _add_share(session, user, resume, data)
    session.commit()
    return share


def on_resume_sent(session: Session, user: User, resume_id: int, contact_id: int) -> ResumeShare:
    """A "send resume" follow-up was done with this version: record the share, now.

    Called inside the follow-ups service's transaction: it adds and flushes, the caller
    commits. The contact is the task's own; a version not the user's is Invalid on resume_id."""
    resume = owned_reference(session, Resume, user.id, resume_id, "resume_id")
    share = _add_share(session, user, resume, ShareCreate(contact_id=contact_id))
    session.flush()
    return share


def resume_choices(session: Session, user: User, *, limit: int = 100) -> list[tuple[int, str]]:
    """(id, "label (file name)") of the user's newest versions, for a "which one went" choice."""
    statement = (
        select(Resume.id, Resume.label, Resume.file_name)
        .where(Resume.owner_id == user.id)
        .order_by(Resume.created_at.desc(), Resume.id.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return [(rid, f"{label} ({name})") for rid, label, name in session.execute(statement)]


def get_share(session: Session, user: User, resume_id: int, share_id: int) -> ResumeShare:
    """One share of one of the user's versions (NotFound for anyone else's)."""
    get_owned(session, Resume, user.id, resume_id)
    share = get_owned(session, ResumeShare, user.id, share_id)
    if share.resume_id != resume_id:
        raise NotFound(detail=f"No resume share with id {share_id}.")
    return share


def list_shares(
    session: Session,
    user: User,
    resume_id: int,
    *,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[ResumeShare]:
    """One page of a version's shares; unknown sort: 400."""
    get_owned(session, Resume, user.id, resume_id)
    order = order_by_clauses(sort, SORTABLE, DEFAULT_SORT)
    statement = (
        select(ResumeShare)
        .where(ResumeShare.owner_id == user.id, ResumeShare.resume_id == resume_id)
        .order_by(*order, ResumeShare.id)
    )
    return paginate(session, statement, limit=limit, offset=offset)


def update_share(
    session: Session,
    user: User,
    resume_id: int,
    share_id: int,
    data: ShareUpdate,
    *,
    expected_version: int | None = None,
) -> ResumeShare:
    """Change the feedback or date, unless the caller's version is stale (412)."""
    share = get_share(session, user, resume_id, share_id)
    check_version(share.version, expected_version)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(share, field, value)
    share.touch()
    session.commit()
    return share


def delete_share(
    session: Session,
    user: User,
    resume_id: int,
    share_id: int,
    *,
    expected_version: int | None = None,
) -> None:
    """Forget that a version went to someone (a mistaken record)."""
    share = get_share(session, user, resume_id, share_id)
    check_version(share.version, expected_version)
    session.delete(share)
    session.commit()


def shares_of_resume(session: Session, user: User, resume_id: int) -> list[ShareRow]:
    """Who received a version, newest first, with their names (the resume page)."""
    statement = (
        select(ResumeShare, Contact.full_name)
        .join(Contact, Contact.id == ResumeShare.contact_id)
        .where(ResumeShare.owner_id == user.id, ResumeShare.resume_id == resume_id)
        .order_by(ResumeShare.shared_at.desc(), ResumeShare.id.desc())  # type: ignore[attr-defined]
        .limit(500)
    )
    return [ShareRow(share, name) for share, name in session.execute(statement)]


def shared_with_contact(session: Session, user: User, contact_id: int) -> list[ResumeShare]:
    """What a contact has received, deleted versions included, newest first."""
    statement = (
        select(ResumeShare)
        .where(ResumeShare.owner_id == user.id, ResumeShare.contact_id == contact_id)
        .order_by(ResumeShare.shared_at.desc(), ResumeShare.id.desc())  # type: ignore[attr-defined]
        .limit(200)
    )
    return list(session.scalars(statement))


def typed_contact_id(session: Session, user: User, text: str) -> int:
    """The contact a share form names (the contacts' one reading of a typed contact field);
    create_share checks it is the user's."""
    found = references.typed_contact_id(session, user, text, "contact")
    if found is None:
        raise Invalid.one("contact", "Name the contact who received it.")
    return found
