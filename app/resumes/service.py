"""Resume versions: upload (checked by content), list, read, relabel, download, delete."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.db import utcnow
from app.errors import Conflict
from app.ownership import get_owned
from app.paging import order_by_clauses, paginate
from app.resumes.files import check_upload
from app.resumes.models import Resume, ResumeFile
from app.resumes.schemas import ResumeCreate, ResumeUpdate
from app.resumes.shares.models import ResumeShare
from app.schemas import Page
from app.textmatch import like_pattern

SORTABLE: dict[str, Any] = {
    "label": func.lower(Resume.label),
    "file_name": func.lower(Resume.file_name),
    "size_bytes": Resume.size_bytes,
    "created_at": Resume.created_at,
    "updated_at": Resume.updated_at,
}
DEFAULT_SORT = ("-created_at",)


def create_resume(
    session: Session, user: User, data: ResumeCreate, content: bytes, file_name: str
) -> Resume:
    """Store a new version; its type is judged by content, and nothing is kept on refusal."""
    checked = check_upload(content, file_name)
    resume = Resume(
        owner_id=user.id,
        label=data.label,
        notes=data.notes,
        file_name=checked.file_name,
        content_type=checked.content_type,
        size_bytes=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
    )
    session.add(resume)
    session.flush()
    session.add(ResumeFile(resume_id=resume.id, content=checked.content))
    session.commit()
    return resume


def get_resume(session: Session, user: User, resume_id: int) -> Resume:
    """One of the user's resume versions (NotFound for anyone else's)."""
    return get_owned(session, Resume, user.id, resume_id)


def _matches(q: str | None) -> list[ColumnElement[bool]]:
    if not q:
        return []
    pattern = like_pattern(q)
    return [
        or_(
            func.lower(Resume.label).like(pattern, escape="\\"),
            func.lower(Resume.file_name).like(pattern, escape="\\"),
        )
    ]


def list_resumes(
    session: Session,
    user: User,
    *,
    q: str | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Resume]:
    """One page of the user's versions (never their bytes); unknown sort: 400."""
    order = order_by_clauses(sort, SORTABLE, DEFAULT_SORT)
    statement = (
        select(Resume).where(Resume.owner_id == user.id, *_matches(q)).order_by(*order, Resume.id)
    )
    return paginate(session, statement, limit=limit, offset=offset)


def update_resume(
    session: Session,
    user: User,
    resume_id: int,
    data: ResumeUpdate,
    *,
    expected_version: int | None = None,
) -> Resume:
    """Change the label or notes, unless the caller's version is stale (412)."""
    resume = get_resume(session, user, resume_id)
    check_version(resume.version, expected_version)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(resume, field, value)
    resume.touch()
    session.commit()
    return resume


def resume_content(session: Session, user: User, resume_id: int) -> tuple[Resume, bytes]:
    """A version and its stored bytes, for a download."""
    resume = get_resume(session, user, resume_id)
    content = session.scalar(select(ResumeFile.content).where(ResumeFile.resume_id == resume_id))
    return resume, content or b""


def share_count(session: Session, user: User, resume_id: int) -> int:
    """How many times the version was recorded as sent to someone."""
    get_resume(session, user, resume_id)
    statement = (
        select(func.count()).select_from(ResumeShare).where(ResumeShare.resume_id == resume_id)
    )
    return session.scalar(statement) or 0


def delete_resume(
    session: Session,
    user: User,
    resume_id: int,
    *,
    expected_version: int | None = None,
    confirm: bool = False,
) -> None:
    """Delete a version and its bytes; a shared one only when confirmed, keeping its shares."""
    resume = get_resume(session, user, resume_id)
    check_version(resume.version, expected_version)
    shares = share_count(session, user, resume_id)
    if shares and not confirm:
        raise Conflict(
            detail=(
                "This version was sent to someone. Confirm to delete its file; "
                "the record of who received it is kept."
            ),
            title="Resume was shared",
            dependents={"shares": shares},
        )
    # The shares keep their copied label and file name; they now point at no version, and
    # their representation changes, so they get a new version (and ETag) like any edit.
    session.execute(
        update(ResumeShare)
        .where(ResumeShare.resume_id == resume_id)
        .values(resume_id=None, version=ResumeShare.version + 1, updated_at=utcnow())
    )
    session.execute(delete(ResumeFile).where(ResumeFile.resume_id == resume_id))
    session.delete(resume)
    session.commit()
