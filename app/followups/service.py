"""Follow-ups: tasks by hand and from events (idempotently), the due list, and closing them.

Event hooks (``on_interview_completed`` and friends) are called by other domains' services
inside their transaction: they add rows and flush, and the caller commits. Every task an
event makes carries a ``source_key``, unique per user, so running an event again finds the
key taken and makes nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.concurrency import check_version
from app.contacts.models import Contact, ContactCareer
from app.db import UTCDateTime, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.followups.models import FollowUp, FollowUpSettings
from app.followups.schemas import (
    FollowUpCreate,
    FollowUpDone,
    FollowUpFilters,
    FollowUpSettingsUpdate,
    FollowUpUpdate,
)
from app.interactions.schemas import InteractionCreate
from app.interactions.service import create_interaction
from app.interviews.models import Interview
from app.jobsearch import service as jobsearch_service
from app.messages import service as messages_service
from app.messages.drafts import mailto_link
from app.messages.models import MessageTemplate
from app.ownership import get_owned, owned_reference
from app.paging import order_by_clauses, paginate
from app.resumes.shares import service as shares_service
from app.schemas import Page
from app.textmatch import like_pattern
from app.timezones import user_zone

SORTABLE: dict[str, Any] = {
    "due_at": FollowUp.due_at,
    "created_at": FollowUp.created_at,
    "updated_at": FollowUp.updated_at,
    "kind": FollowUp.kind,
    "status": FollowUp.status,
}
DEFAULT_SORT = ("due_at",)
KIND_LABELS = {
    "thank_you": "Thank you",
    "send_resume": "Send resume",
    "status_update": "Status update",
    "check_in": "Check in",
    "thank_introducer": "Thank the introducer",
    "keep_promise": "Keep a promise",
    "custom": "Custom",
}
SNOOZE = timedelta(days=7)
MAX_BULK = 200
MAX_DUE_LIST = 200


# ---- settings --------------------------------------------------------------------------


def get_settings(session: Session, user: User) -> FollowUpSettings:
    """The user's follow-up preferences (defaults until saved)."""
    return session.get(FollowUpSettings, user.id) or FollowUpSettings(user_id=user.id)


def save_settings(session: Session, user: User, data: FollowUpSettingsUpdate) -> FollowUpSettings:
    """Store the thank-you delay and the email digest choice."""
    row = session.get(FollowUpSettings, user.id) or FollowUpSettings(user_id=user.id)
    row.thank_you_delay_hours = data.thank_you_delay_hours
    row.email_digest = data.email_digest
    session.add(row)
    session.commit()
    return row


# ---- CRUD ------------------------------------------------------------------------------


def get_follow_up(session: Session, user: User, follow_up_id: int) -> FollowUp:
    """One of the user's follow-ups (NotFound for anyone else's)."""
    return get_owned(session, FollowUp, user.id, follow_up_id)


def _check_refs(
    session: Session, user: User, contact_id: int | None, interview_id: int | None
) -> None:
    if contact_id is not None:
        owned_reference(session, Contact, user.id, contact_id, "contact_id")
    if interview_id is not None:
        owned_reference(session, Interview, user.id, interview_id, "interview_id")


def create_follow_up(session: Session, user: User, data: FollowUpCreate) -> FollowUp:
    """A task made by hand (its contact and interview must be the user's: 422 otherwise)."""
    _check_refs(session, user, data.contact_id, data.interview_id)
    row = FollowUp(owner_id=user.id, **data.model_dump())
    if row.status != "open":
        row.completed_at = utcnow()
    session.add(row)
    session.commit()
    return row


def _set_status(session: Session, user: User, row: FollowUp, status: str) -> None:
    if status == row.status:
        return
    row.status = status
    row.completed_at = utcnow() if status != "open" else None
    _sync_promise(session, user, row)


def update_follow_up(
    session: Session,
    user: User,
    follow_up_id: int,
    data: FollowUpUpdate,
    *,
    expected_version: int | None = None,
) -> FollowUp:
    """Change the fields sent; a status change keeps a linked promise in step."""
    row = get_follow_up(session, user, follow_up_id)
    check_version(row.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    _check_refs(session, user, changes.get("contact_id"), changes.get("interview_id"))
    status = changes.pop("status", None)
    for name, value in changes.items():
        setattr(row, name, value)
    if status is not None:
        _set_status(session, user, row, status)
    row.touch()
    session.commit()
    return row


def delete_follow_up(
    session: Session, user: User, follow_up_id: int, *, expected_version: int | None = None
) -> None:
    """Delete a follow-up."""
    row = get_follow_up(session, user, follow_up_id)
    check_version(row.version, expected_version)
    session.delete(row)
    session.commit()


# The one rule of a follow-up's career: its interview is about the career, or its contact
# is linked to the career. Two shapes of it, kept together: a condition for one career (the
# list's filter: two small id lists, read once) and (career, task) pairs for every career
# at once (the progress figures: a UNION, each task counted once per career).


def in_career(career_id: int) -> ColumnElement[bool]:
    """A follow-up belongs to the career ``career_id``."""
    about = select(Interview.id).where(Interview.career_id == career_id)
    linked = select(ContactCareer.contact_id).where(ContactCareer.career_id == career_id)
    return or_(
        FollowUp.interview_id.in_(about),  # type: ignore[union-attr]
        FollowUp.contact_id.in_(linked),  # type: ignore[attr-defined]
    )


def career_tasks(*conditions: ColumnElement[bool]) -> CompoundSelect:
    """(career_id, task_id) of the follow-ups meeting ``conditions``, once per career each
    belongs to."""
    return union(
        select(Interview.career_id.label("career_id"), FollowUp.id.label("task_id"))  # type: ignore[union-attr]
        .join(Interview, Interview.id == FollowUp.interview_id)
        .where(*conditions, Interview.career_id.is_not(None)),  # type: ignore[union-attr]
        select(ContactCareer.career_id, FollowUp.id)
        .join(ContactCareer, ContactCareer.contact_id == FollowUp.contact_id)
        .where(*conditions),
    )


def _matches(filters: FollowUpFilters, user: User) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [FollowUp.owner_id == user.id]
    if filters.status is not None:
        conditions.append(FollowUp.status == filters.status)
    if filters.kind is not None:
        conditions.append(FollowUp.kind == filters.kind)
    if filters.contact_id is not None:
        conditions.append(FollowUp.contact_id == filters.contact_id)
    if filters.interview_id is not None:
        conditions.append(FollowUp.interview_id == filters.interview_id)
    if filters.career_id is not None:
        conditions.append(in_career(filters.career_id))
    if filters.due_before is not None:
        conditions.append(FollowUp.due_at < filters.due_before)
    if filters.due_after is not None:
        conditions.append(FollowUp.due_at >= filters.due_after)
    if filters.q:
        pattern = like_pattern(filters.q)
        conditions.append(
            or_(
                func.lower(FollowUp.subject).like(pattern, escape="\\"),
                func.lower(FollowUp.message).like(pattern, escape="\\"),
                func.lower(FollowUp.notes).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_follow_ups(
    session: Session,
    user: User,
    filters: FollowUpFilters,
    *,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[FollowUp]:
    """One page of the user's follow-ups, filtered and sorted in SQL (unknown sort: 400)."""
    order = order_by_clauses(sort, SORTABLE, DEFAULT_SORT)
    statement = select(FollowUp).where(*_matches(filters, user)).order_by(*order, FollowUp.id)
    return paginate(session, statement, limit=limit, offset=offset)


def contacts_of(session: Session, user: User, rows: Iterable[FollowUp]) -> dict[int, Contact]:
    """The contacts the follow-ups are for, by id (one query)."""
    ids = {row.contact_id for row in rows}
    if not ids:
        return {}
    statement = select(Contact).where(
        Contact.owner_id == user.id,
        Contact.id.in_(ids),  # type: ignore[union-attr]
    )
    return {c.id: c for c in session.scalars(statement) if c.id is not None}


def mailto_of(row: FollowUp, contact: Contact | None) -> str:
    """The follow-up's draft as a mailto: link to its contact."""
    return mailto_link(contact.email if contact else None, row.subject, row.message)


# ---- closing ---------------------------------------------------------------------------


def _interaction_for(row: FollowUp, data: FollowUpDone) -> InteractionCreate:
    kind = data.interaction_kind or ("call" if row.kind == "check_in" else "email")
    summary = data.summary
    if summary is None:
        label = KIND_LABELS.get(row.kind, row.kind)
        detail = row.subject or (row.message.strip().splitlines() or [""])[0]
        summary = f"{label}: {detail}" if detail else label
    return InteractionCreate(
        contact_id=row.contact_id, kind=kind, occurred_at=utcnow(), summary=summary[:10_000]
    )


def complete_follow_up(
    session: Session,
    user: User,
    follow_up_id: int,
    data: FollowUpDone,
    *,
    expected_version: int | None = None,
) -> FollowUp:
    """Mark done; by default log the touch, which resets the contact's stay-in-touch clock."""
    row = get_follow_up(session, user, follow_up_id)
    check_version(row.version, expected_version)
    _close(session, user, row, data)
    session.commit()
    return row


def _close(session: Session, user: User, row: FollowUp, data: FollowUpDone) -> None:
    was_open = row.status == "open"
    _set_status(session, user, row, "done")
    row.touch()
    if was_open and data.log_interaction:
        # The contacts service owns interactions and the dates they drive; it commits.
        create_interaction(session, user, _interaction_for(row, data))


def _owned_rows(session: Session, user: User, ids: Sequence[int]) -> list[FollowUp]:
    if not ids:
        raise Invalid.one("ids", "Choose at least one follow-up.")
    if len(ids) > MAX_BULK:
        raise Invalid.one("ids", f"At most {MAX_BULK} follow-ups at once.")
    rows = list(
        session.scalars(
            select(FollowUp).where(
                FollowUp.owner_id == user.id,
                FollowUp.id.in_(set(ids)),  # type: ignore[union-attr]
            )
        )
    )
    missing = set(ids) - {r.id for r in rows}
    if missing:
        raise NotFound(detail=f"No follow-up with id {min(missing)}.")
    return rows


def bulk_done(
    session: Session, user: User, ids: Sequence[int], *, log_interaction: bool = True
) -> int:
    """Mark several done at once (all or none: another user's id is NotFound)."""
    rows = _owned_rows(session, user, ids)
    changed = 0
    for row in rows:
        if row.status == "open":
            _close(session, user, row, FollowUpDone(log_interaction=log_interaction))
            changed += 1
    session.commit()
    return changed


def bulk_snooze(session: Session, user: User, ids: Sequence[int]) -> int:
    """Push several open tasks a week past the later of now and their due time."""
    rows = _owned_rows(session, user, ids)
    now = utcnow()
    changed = 0
    for row in rows:
        if row.status == "open":
            row.due_at = max(row.due_at, now) + SNOOZE
            row.touch()
            changed += 1
    session.commit()
    return changed


# ---- the due list ----------------------------------------------------------------------


@dataclass
class DueList:
    """Open follow-ups by when they are due, in the user's timezone."""

    overdue: list[FollowUp] = field(default_factory=list)
    today: list[FollowUp] = field(default_factory=list)
    week: list[FollowUp] = field(default_factory=list)
    later: list[FollowUp] = field(default_factory=list)
    contacts: dict[int, Contact] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many are listed."""
        return len(self.overdue) + len(self.today) + len(self.week) + len(self.later)


def _horizons(user: User, now: datetime) -> tuple[datetime, datetime]:
    """Where "today" and "this week" end for the user.

    "Today" runs to local midnight but never less than a day ahead, so a thank-you due
    24 hours after an interview counts as today's task the moment the interview ends."""
    local = now.astimezone(user_zone(user.timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    today_end = max(midnight, now + timedelta(days=1))
    return today_end, midnight + timedelta(days=6)


def _sorted_by_when(session: Session, user: User, rows: list[FollowUp], now: datetime) -> DueList:
    """Rows in due order put under overdue, today, this week and later."""
    tomorrow, week_end = _horizons(user, now)
    out = DueList(contacts=contacts_of(session, user, rows))
    for row in rows:
        if row.due_at < now:
            out.overdue.append(row)
        elif row.due_at < tomorrow:
            out.today.append(row)
        elif row.due_at < week_end:
            out.week.append(row)
        else:
            out.later.append(row)
    return out


def due_list(
    session: Session, user: User, filters: FollowUpFilters, *, now: datetime | None = None
) -> DueList:
    """The follow-ups page: overdue, today, this week and later (open ones unless filtered)."""
    now = now or utcnow()
    if filters.status is None:
        filters = filters.model_copy(update={"status": "open"})
    statement = (
        select(FollowUp)
        .where(*_matches(filters, user))
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(MAX_DUE_LIST)
    )
    return _sorted_by_when(session, user, list(session.scalars(statement)), now)


class DueFollowUp(NamedTuple):
    """An open follow-up due now, with what the dashboard and the digest show of it."""

    id: int
    kind: str
    due_at: datetime
    version: int
    # None when the task has no contact of the user's (the join found none).
    contact_name: str | None


@dataclass
class DueNow:
    """Open follow-ups overdue or due today (the dashboard's list and the email digest)."""

    overdue: list[DueFollowUp] = field(default_factory=list)
    today: list[DueFollowUp] = field(default_factory=list)


# The dashboard and the navigation badge ask on every page view, so their statements are
# built once with named binds: building a filtered select per call cost more than running it.
_OWNER = bindparam("owner_id", type_=Integer)
_BEFORE = bindparam("before", type_=UTCDateTime)
_OPEN_BEFORE = (FollowUp.owner_id == _OWNER, FollowUp.status == "open", FollowUp.due_at < _BEFORE)
# Rows, not objects: the list shows four columns and its contact's name, and loading whole
# follow-ups and contacts for them cost more than the query. Binds: owner_id, before (see
# due_before); columns as DueFollowUp. The dashboard runs it inside its own visit statement,
# so it is built on the tables: the ORM's annotations would make its cache key, hashed on
# every execution, 1.6 times the size.
_FOLLOW_UPS: Table = FollowUp.__table__  # type: ignore[attr-defined]
_CONTACTS: Table = Contact.__table__  # type: ignore[attr-defined]
DUE_NOW = (
    select(
        _FOLLOW_UPS.c.id,
        _FOLLOW_UPS.c.kind,
        _FOLLOW_UPS.c.due_at,
        _FOLLOW_UPS.c.version,
        _CONTACTS.c.full_name.label("contact_name"),
    )
    .outerjoin(
        _CONTACTS,
        and_(_CONTACTS.c.id == _FOLLOW_UPS.c.contact_id, _CONTACTS.c.owner_id == _OWNER),
    )
    .where(
        _FOLLOW_UPS.c.owner_id == _OWNER,
        _FOLLOW_UPS.c.status == "open",
        _FOLLOW_UPS.c.due_at < _BEFORE,
    )
    .order_by(_FOLLOW_UPS.c.due_at, _FOLLOW_UPS.c.id)
    .limit(MAX_DUE_LIST)
)
_COUNT_DUE = select(func.count()).where(*_OPEN_BEFORE)


def due_before(user: User, now: datetime) -> datetime:
    """The end of the user's "today": what is due before it is due now."""
    return _horizons(user, now)[0]


def split_due(rows: Iterable[DueFollowUp], now: datetime) -> DueNow:
    """DUE_NOW's rows (in due order) put under overdue and today."""
    out = DueNow()
    for row in rows:
        (out.overdue if row.due_at < now else out.today).append(row)
    return out


def due_now(session: Session, user: User, *, now: datetime | None = None) -> DueNow:
    """Open follow-ups overdue or due today, i.e. within a day (the email digest; the
    dashboard reads the same rows inside its one statement per visit)."""
    now = now or utcnow()
    params = {"owner_id": user.id, "before": due_before(user, now)}
    rows = session.connection().execute(DUE_NOW, params)
    return split_due(map(DueFollowUp._make, rows), now)


def count_due(session: Session, user: User, *, now: datetime | None = None) -> int:
    """How many open follow-ups are overdue or due today (the navigation badge)."""
    tomorrow, _week = _horizons(user, now or utcnow())
    return session.scalar(_COUNT_DUE, {"owner_id": user.id, "before": tomorrow}) or 0


# ---- creating from events --------------------------------------------------------------


def _add_once(session: Session, row: FollowUp) -> FollowUp | None:
    """Add an event's task unless its source key is taken; the caller commits."""
    taken = session.scalar(
        select(FollowUp.id).where(
            FollowUp.owner_id == row.owner_id, FollowUp.source_key == row.source_key
        )
    )
    if taken is not None:
        return None
    try:
        # The unique key settles a race between two runs of one event.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def _draft(
    session: Session,
    user: User,
    kind: str,
    *,
    contact: Contact | None = None,
    interview: Interview | None = None,
    referral: Contact | None = None,
    promise: str = "",
    template: MessageTemplate | None = None,
) -> tuple[str, str]:
    """Subject and message from the user's template of the kind, else the built-in."""
    candidates = [template or messages_service.template_for(session, user, kind)]
    candidates.append(messages_service.builtin_template(session, kind))
    for candidate in candidates:
        try:
            draft = messages_service.draft_for(
                session,
                user,
                candidate,
                contact=contact,
                interview=interview,
                referral=referral,
                promise=promise,
            )
        except Invalid:
            # A broken template of the user's must not stop an interview from completing.
            continue
        return draft.subject[:300], draft.body
    return "", ""


def _promise_key(interview_id: int | None, text: str) -> str:
    digest = hashlib.sha256(text.strip().casefold().encode()).hexdigest()[:16]
    return f"interview:{interview_id}:promise:{digest}"


def thank_you_due(session: Session, user: User, completed_at: datetime) -> datetime:
    """When the thank-you is due: completion plus the user's delay setting."""
    return completed_at + timedelta(hours=get_settings(session, user).thank_you_delay_hours)


def sync_interview_tasks(
    session: Session, user: User, interview: Interview, *, thank_you: bool = True
) -> list[FollowUp]:
    """Make the completed interview's tasks that do not exist yet (safe to run again)."""
    if interview.status != "completed":
        return []
    contact = session.get(Contact, interview.contact_id)
    if contact is None:
        return []
    done_at = interview.completed_at or utcnow()
    made: list[FollowUp] = []

    def add(kind: str, key: str, due: datetime, **draft: Any) -> None:
        if session.scalar(
            select(FollowUp.id).where(FollowUp.owner_id == user.id, FollowUp.source_key == key)
        ):
            return
        subject, message = _draft(session, user, kind, contact=contact, **draft)
        row = FollowUp(
            owner_id=user.id,
            contact_id=contact.id,
            interview_id=interview.id,
            kind=kind,
            due_at=due,
            subject=subject,
            message=message,
            source_key=key,
        )
        if _add_once(session, row) is not None:
            made.append(row)

    thank_due = thank_you_due(session, user, done_at)
    if thank_you:
        add("thank_you", f"interview:{interview.id}:thank_you", thank_due, interview=interview)
    for promise in interview.promises:
        text = str(promise.get("text", "")).strip()
        if promise.get("by", "me") != "me" or not text or promise.get("done"):
            continue
        add(
            "keep_promise",
            _promise_key(interview.id, text),
            done_at + timedelta(days=3),
            interview=interview,
            promise=text,
        )
    referred = session.scalars(
        select(Contact).where(
            Contact.owner_id == user.id, Contact.introduced_by_id == interview.contact_id
        )
    )
    for person in referred:
        add(
            "thank_introducer",
            f"referral:{person.id}",
            thank_due,
            interview=interview,
            referral=person,
        )
    session.flush()
    return made


def on_interview_completed(session: Session, user: User, interview: Interview) -> list[FollowUp]:
    """Thank-you, keep-a-promise and thank-the-introducer tasks; the caller commits."""
    return sync_interview_tasks(session, user, interview)


def on_interview_status_changed(session: Session, user: User, interview: Interview) -> None:
    """The one call the interviews service makes on a status change; the caller commits."""
    if interview.status == "completed":
        on_interview_completed(session, user, interview)
    elif interview.status == "cancelled":
        on_interview_cancelled(session, user, interview)


def on_interview_captured(session: Session, user: User, interview: Interview) -> list[FollowUp]:
    """A promise or referral noted after completion gets its task (never a second thank-you,
    even if the user deleted the first); the caller commits."""
    return sync_interview_tasks(session, user, interview, thank_you=False)


def on_interview_cancelled(session: Session, user: User, interview: Interview) -> int:
    """Skip the interview's open tasks (also run before deleting it); the caller commits."""
    rows = session.scalars(
        select(FollowUp).where(
            FollowUp.owner_id == user.id,
            FollowUp.interview_id == interview.id,
            FollowUp.status == "open",
        )
    )
    count = 0
    for row in rows:
        row.status = "skipped"
        row.completed_at = utcnow()
        row.touch()
        count += 1
    session.flush()
    return count


def open_tasks_of_interview(session: Session, user: User, interview_id: int) -> int:
    """How many open tasks cancelling or deleting the interview would skip (to confirm)."""
    statement = select(func.count()).where(
        FollowUp.owner_id == user.id,
        FollowUp.interview_id == interview_id,
        FollowUp.status == "open",
    )
    return session.scalar(statement) or 0


def on_promise_kept(
    session: Session, user: User, interview: Interview, text: str, kept: bool
) -> None:
    """The interview side ticked (or unticked) a promise: its task follows; the caller commits."""
    key = _promise_key(interview.id, text)
    row = session.scalars(
        select(FollowUp).where(FollowUp.owner_id == user.id, FollowUp.source_key == key)
    ).first()
    if row is None or row.status == "skipped":
        return
    wanted = "done" if kept else "open"
    if row.status != wanted:
        row.status = wanted
        row.completed_at = utcnow() if kept else None
        row.touch()
        session.flush()


def _sync_promise(session: Session, user: User, row: FollowUp) -> None:
    """A keep-a-promise task closed or reopened: the promise on the interview follows."""
    if row.kind != "keep_promise" or row.interview_id is None or not row.source_key:
        return
    interview = session.get(Interview, row.interview_id)
    if interview is None or interview.owner_id != user.id:
        return
    kept = row.status == "done"
    changed = False
    promises = []
    for promise in interview.promises:
        mine = _promise_key(interview.id, str(promise.get("text", ""))) == row.source_key
        if mine and bool(promise.get("done")) != kept:
            promise = {**promise, "done": kept}
            changed = True
        promises.append(promise)
    if changed:
        interview.promises = promises
        interview.touch()
        session.add(interview)


# ---- check-ins -------------------------------------------------------------------------


def check_ins_due(session: Session, user: User, *, now: datetime | None = None) -> list[Contact]:
    """Contacts whose stay-in-touch cadence has run out and who have no open check-in."""
    now = now or utcnow()
    open_check_in = select(FollowUp.contact_id).where(
        FollowUp.owner_id == user.id, FollowUp.kind == "check_in", FollowUp.status == "open"
    )
    statement = (
        select(Contact)
        .where(
            Contact.owner_id == user.id,
            Contact.next_touch_due.is_not(None),  # type: ignore[union-attr]
            Contact.next_touch_due <= now,  # type: ignore[operator]
            Contact.id.not_in(open_check_in),  # type: ignore[union-attr]
        )
        .order_by(Contact.next_touch_due, Contact.id)
        .limit(50)
    )
    return list(session.scalars(statement))


def create_check_in(session: Session, user: User, contact_id: int) -> FollowUp:
    """Make a contact's due check-in a task (once per due date: a rerun returns the same)."""
    contact = get_owned(session, Contact, user.id, contact_id)
    if contact.next_touch_due is None:
        raise Conflict(detail="This contact has no stay-in-touch cadence set.")
    key = f"checkin:{contact.id}:{contact.next_touch_due.date().isoformat()}"
    existing = session.scalars(
        select(FollowUp).where(FollowUp.owner_id == user.id, FollowUp.source_key == key)
    ).first()
    if existing is not None:
        return existing
    subject, message = _draft(session, user, "check_in", contact=contact)
    row = FollowUp(
        owner_id=user.id,
        contact_id=contact.id,
        kind="check_in",
        due_at=max(contact.next_touch_due, utcnow()),
        subject=subject,
        message=message,
        source_key=key,
    )
    made = _add_once(session, row)
    session.commit()
    if made is None:
        return session.scalars(
            select(FollowUp).where(FollowUp.owner_id == user.id, FollowUp.source_key == key)
        ).one()
    return row


# ---- update my network -----------------------------------------------------------------


def interviewed_contacts(session: Session, user: User) -> list[tuple[Contact, str]]:
    """Everyone the user has interviewed, with the career talked about (for grouping)."""
    statement = (
        select(Contact, func.coalesce(func.max(Career.title), ""))
        .join(Interview, Interview.contact_id == Contact.id)
        .outerjoin(Career, Career.id == Interview.career_id)
        .where(Interview.owner_id == user.id, Interview.status == "completed")
        .group_by(Contact.id)
        .order_by(func.coalesce(func.max(Career.title), ""), func.lower(Contact.full_name))
    )
    return [(contact, title) for contact, title in session.execute(statement)]


@dataclass
class NetworkUpdate:
    """What one "update my network" made."""

    change_id: int
    created: list[FollowUp]
    already_told: list[int]


def update_network(
    session: Session,
    user: User,
    contact_ids: Sequence[int] | None,
    *,
    template_id: int | None = None,
) -> NetworkUpdate:
    """A status-update task with its draft for each contact; nobody twice per status change."""
    change = jobsearch_service.current_change(session, user)
    if change is None or change.id is None:
        raise Conflict(detail="Set your job-search status first; then tell your network.")
    template = None
    if template_id is not None:
        try:
            template = messages_service.get_template(session, user, template_id)
        except NotFound as exc:
            raise Invalid.one("template_id", exc.detail) from None
    if contact_ids is None:
        contacts = [c for c, _title in interviewed_contacts(session, user)]
    else:
        contacts = [
            owned_reference(session, Contact, user.id, cid, "contact_ids")
            for cid in dict.fromkeys(contact_ids)
        ]
    created: list[FollowUp] = []
    already: list[int] = []
    now = utcnow()
    for contact in contacts:
        key = f"jobsearch:{change.id}:{contact.id}"
        if session.scalar(
            select(FollowUp.id).where(FollowUp.owner_id == user.id, FollowUp.source_key == key)
        ):
            already.append(contact.id or 0)
            continue
        subject, message = _draft(
            session, user, "status_update", contact=contact, template=template
        )
        row = FollowUp(
            owner_id=user.id,
            contact_id=contact.id,
            kind="status_update",
            due_at=now,
            subject=subject,
            message=message,
            source_key=key,
        )
        if _add_once(session, row) is None:
            already.append(contact.id or 0)
        else:
            created.append(row)
    session.commit()
    return NetworkUpdate(change_id=change.id, created=created, already_told=already)


# ---- form choices ----------------------------------------------------------------------


def contact_choices(session: Session, user: User, *, limit: int = 1000) -> list[tuple[int, str]]:
    """(id, name) of the user's contacts, by name, for the follow-up form and filters."""
    statement = (
        select(Contact.id, Contact.full_name)
        .where(Contact.owner_id == user.id)
        .order_by(func.lower(Contact.full_name), Contact.id)
        .limit(limit)
    )
    return [(cid, name) for cid, name in session.execute(statement)]


def career_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """(id, title) of the user's careers, for the career filter."""
    statement = (
        select(Career.id, Career.title)
        .where(Career.owner_id == user.id)
        .order_by(func.lower(Career.title))
        .limit(500)
    )
    return [(cid, title) for cid, title in session.execute(statement)]


def close_follow_up(
    session: Session,
    user: User,
    follow_up_id: int,
    data: FollowUpDone,
    *,
    expected_version: int | None = None,
) -> FollowUp:
    """Mark done; a send-resume task closed with ``resume_id`` records that version as sent.

    One transaction: a refused version or a stale task leaves neither the share nor the
    change. Closing an already-closed task records nothing again."""
    if data.resume_id is not None:
        row = get_follow_up(session, user, follow_up_id)
        if row.kind != "send_resume":
            raise Invalid.one("resume_id", "Only a “send resume” follow-up records a resume.")
        if row.status == "open":
            shares_service.on_resume_sent(session, user, data.resume_id, row.contact_id)
    return complete_follow_up(session, user, follow_up_id, data, expected_version=expected_version)
