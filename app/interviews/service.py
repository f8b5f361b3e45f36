"""Interviews: the record, its status, the list, and preparation (checklist, research links,
promises, referrals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal, Protocol

import orjson
from pydantic import ValidationError
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    func,
    nulls_last,
    or_,
    select,
)
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.concurrency import check_version
from app.contacts.models import Contact
from app.db import begin_read, read_connection, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.followups import service as followups
from app.interviews.models import DEFAULT_PURPOSE, OPEN_STATUSES, Interview
from app.interviews.schemas import (
    MAX_CHECKLIST,
    MAX_LINKS,
    MAX_PROMISES,
    ChecklistItem,
    InterviewCreate,
    InterviewRead,
    InterviewTab,
    InterviewUpdate,
    PromiseCreate,
    ReferralCreate,
    ResearchLink,
    StatusChange,
)
from app.organizations.models import Organization
from app.ownership import get_owned, owned_reference
from app.paging import order_by_clauses, paginate
from app.schemas import Page
from app.textmatch import like_pattern
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


# InterviewRead's columns in its order, read as a row: the API's GET of one interview (a hot
# read) builds no ORM object and validates nothing a second time. The table's own columns, as
# the agenda's reads (app.interviews.agenda.service): a shorter cache key to hash per execution.
_READ_KEYS = tuple(InterviewRead.model_fields)  # plain str, as orjson needs its keys
_INTERVIEWS: Table = Interview.__table__  # type: ignore[attr-defined]
_READ_ONE = select(*(_INTERVIEWS.c[name] for name in _READ_KEYS)).where(
    _INTERVIEWS.c.id == bindparam("interview_id"),
    _INTERVIEWS.c.owner_id == bindparam("owner_id"),
)


@cache
def _read_one_with_agenda(dialect_name: str) -> Select[Any]:
    """_READ_ONE with the agenda's JSON as its last column, built on first use."""
    # The agenda's service writes its JSON (and imports this module: no import at the top).
    from app.interviews.agenda.service import interview_agenda_json

    return _READ_ONE.add_columns(interview_agenda_json(dialect_name))


def interview_read(session: Session, user: User, interview_id: int) -> dict[str, Any]:
    """One of the user's interviews as InterviewDetail's fields: its columns, its overlap
    warnings, the statuses it may move to and its agenda (the one read path of the API), as
    the JSON the database wrote (an ``orjson.Fragment`` for encode_json to splice).

    The agenda is a column of the interview's own row (app.interviews.agenda.service,
    interview_agenda_json): one statement, one snapshot, so the version (the ETag) and
    the agenda always go together, and no result row per item: on SQLite 8 % fewer
    instructions per request, a quarter less Python, at the bench seed's 11 items
    (callgrind); on PostgreSQL one round trip instead of two. When SQLite leaves that column
    NULL (a time not in its stored form), the dict has no "agenda" and its caller reads the
    agenda's rows
    (agenda_service.agenda_reads) after this row, so its version is never newer than the
    agenda it goes with: a reorder in between (which bumps the version) makes an If-Match on
    that answer a 412, never a lost update.

    Read without a common snapshot (``begin_read(snapshot=False)``): no BEGIN and ROLLBACK
    on SQLite (2.7 % of the API request's instructions), as every read already runs on
    PostgreSQL (AUTOCOMMIT_READS). (One UNION ALL statement of the row and the agenda's rows
    cost more than two: pysqlite converts each NULL column of the wider rows with a GIL
    release of its own, 3 % more instructions per request at 26 agenda items.)"""
    params = {"interview_id": interview_id, "owner_id": user.id}
    bind = session.get_bind()
    with read_connection(session) as connection:
        row = connection.execute(_read_one_with_agenda(bind.dialect.name), params).first()
    if row is not None and (row.status == "scheduled" or row[-1] is None):
        # overlap_warnings, or the caller's read of the agenda's rows, goes through the
        # session: still as a plain read, with no BEGIN (after a save's commit too: without
        # queueing for the write lock).
        begin_read(session, snapshot=False)
    if row is None:
        raise NotFound(detail=f"No interview with id {interview_id}.")
    # A dict of the fields with the model's own names: a sixth of Row._asdict()'s cost (zip
    # stops at the keys: the agenda's column is left out).
    read = dict(zip(_READ_KEYS, row, strict=False))
    read["warnings"] = overlap_warnings(session, user, row)
    read["allowed_transitions"] = list(TRANSITIONS.get(row.status, ()))
    if row[-1] is not None:
        read["agenda"] = orjson.Fragment(row[-1])
    return read


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


def has_contacts(session: Session, user: User) -> bool:
    """Whether the user has anyone to interview yet (the form offers to add a contact first)."""
    statement = select(Contact.id).where(Contact.owner_id == user.id).limit(1)
    return session.scalar(statement) is not None


def career_choices(session: Session, user: User) -> list[Career]:
    """The user's careers by title, for the interview form and the list filter."""
    statement = select(Career).where(Career.owner_id == user.id).order_by(Career.title, Career.id)
    return list(session.scalars(statement))


# ---- listing --------------------------------------------------------------------------


SORTABLE = {
    "scheduled_at": Interview.scheduled_at,
    "requested_at": Interview.requested_at,
    "created_at": Interview.created_at,
    "updated_at": Interview.updated_at,
    "status": Interview.status,
    "preparation_score": Interview.preparation_score,
    "duration_minutes": Interview.duration_minutes,
    "id": Interview.id,
}


@dataclass
class InterviewFilters:
    """What a list of interviews can be narrowed by."""

    statuses: list[str] = field(default_factory=list)
    contact_id: int | None = None
    career_id: int | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None
    needs_preparation: bool | None = None


def _conditions(user: User, filters: InterviewFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Interview.owner_id == user.id]
    if filters.statuses:
        conditions.append(Interview.status.in_(filters.statuses))
    if filters.contact_id is not None:
        conditions.append(Interview.contact_id == filters.contact_id)
    if filters.career_id is not None:
        conditions.append(Interview.career_id == filters.career_id)
    if filters.scheduled_from is not None:
        conditions.append(Interview.scheduled_at >= filters.scheduled_from)
    if filters.scheduled_to is not None:
        conditions.append(Interview.scheduled_at < filters.scheduled_to)
    if filters.needs_preparation is True:
        conditions.append(Interview.status.in_(OPEN_STATUSES))
        conditions.append(Interview.preparation_score < 100)
    elif filters.needs_preparation is False:
        conditions.append(
            or_(Interview.status.not_in(OPEN_STATUSES), Interview.preparation_score >= 100)
        )
    return conditions


# What each tab of the interviews page shows, and in which order. Every tab is ordered by
# its "When" column (scheduled_at, which completing sets to when it was held): a list by last
# update under that heading looked unsorted. list_interviews puts empty times last, then the
# newest id first.
TAB_SORT = {
    "upcoming": "scheduled_at",
    "prep": "scheduled_at",
    "completed": "-scheduled_at",
    "all": "-scheduled_at",
}


def tab_filters(query: InterviewTab) -> InterviewFilters:
    """The filters a tab of the interviews page stands for (a chosen status narrows it)."""
    filters = InterviewFilters(contact_id=query.contact_id, career_id=query.career_id)
    if query.tab == "upcoming":
        filters.statuses = list(OPEN_STATUSES)
    elif query.tab == "prep":
        filters.needs_preparation = True
    elif query.tab == "completed":
        filters.statuses = ["completed"]
    if query.status is not None:
        filters.statuses = [query.status]
    return filters


def opening_tab(session: Session, user: User, query: InterviewTab) -> str:
    """The tab the interviews page opens on: "upcoming" while any is open, else "all"
    (after the interviews were held, an empty "Upcoming" looked like lost data)."""
    upcoming = InterviewTab(tab="upcoming", contact_id=query.contact_id, career_id=query.career_id)
    found = list_tab(session, user, upcoming, limit=1)
    return "upcoming" if found.total > 0 else "all"


def list_tab(
    session: Session,
    user: User,
    query: InterviewTab,
    *,
    limit: int = 50,
    offset: int = 0,
    q: str | None = None,
) -> Page[Interview]:
    """A page of one tab of the interviews page."""
    filters = tab_filters(query)
    sort = TAB_SORT.get(query.tab)
    return list_interviews(session, user, filters, limit=limit, offset=offset, sort=sort, q=q)


def list_interviews(
    session: Session,
    user: User,
    filters: InterviewFilters,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
    q: str | None = None,
) -> Page[Interview]:
    """A page of the user's interviews matching the filters, and the total."""
    statement = select(Interview).where(*_conditions(user, filters))
    if q:
        pattern = like_pattern(q)
        statement = statement.join(Contact, Contact.id == Interview.contact_id).where(
            or_(
                func.lower(Contact.full_name).like(pattern, escape="\\"),
                func.lower(Interview.purpose).like(pattern, escape="\\"),
                func.lower(Interview.location).like(pattern, escape="\\"),
                func.lower(Interview.summary).like(pattern, escape="\\"),
                func.lower(Interview.takeaways).like(pattern, escape="\\"),
            )
        )
    # NULLS LAST on both databases, so SQLite and PostgreSQL list in the same order.
    clauses = [nulls_last(c) for c in order_by_clauses(sort, SORTABLE, ["-updated_at"])]
    statement = statement.order_by(*clauses, Interview.id.desc())
    return paginate(session, statement, limit=limit, offset=offset)


def interviews_for(
    session: Session, user: User, *, career_id: int | None = None, contact_id: int | None = None
) -> list[Interview]:
    """The user's interviews about a career and/or with a contact, soonest first."""
    filters = InterviewFilters(career_id=career_id, contact_id=contact_id)
    statement = (
        select(Interview)
        .where(*_conditions(user, filters))
        .order_by(nulls_last(Interview.scheduled_at.desc()), Interview.id.desc())
        .limit(500)
    )
    return list(session.scalars(statement))


def count_interviews(session: Session, user: User) -> int:
    """How many interviews the user has recorded."""
    return (
        session.scalar(
            select(func.count()).select_from(Interview).where(Interview.owner_id == user.id)
        )
        or 0
    )


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


def _editable(
    session: Session, user: User, interview_id: int, expected_version: int | None
) -> Interview:
    # Every change to an interview checks the version the client (or page) last saw.
    interview = get_interview(session, user, interview_id)
    check_version(interview.version, expected_version)
    return interview


def _write(session: Session, interview: Interview, changes: dict[str, Any]) -> Interview:
    # The one writer of an interview's fields: the API's PATCH and the page's list edits.
    if "checklist" in changes:
        set_checklist(interview, changes.pop("checklist"))
    for name, value in changes.items():
        setattr(interview, name, value)
    interview.touch()
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
    interview = _editable(session, user, interview_id, expected_version)
    changes = data.model_dump(exclude_unset=True, mode="python")
    if "contact_id" in changes:
        owned_reference(session, Contact, user.id, changes["contact_id"], "contact_id")
    if changes.get("career_id") is not None:
        owned_reference(session, Career, user.id, changes["career_id"], "career_id")
    if "scheduled_at" in changes:
        _check_schedule(interview.status, changes["scheduled_at"])
    if "checklist" in changes:
        changes["checklist"] = normalise_checklist(data.checklist or [])
    if "research_links" in changes:
        changes["research_links"] = [
            link.model_dump(mode="json") for link in data.research_links or []
        ]
    if "promises" in changes:
        changes["promises"] = [p.model_dump(mode="json") for p in data.promises or []]
    return _write(session, interview, changes)


def delete_interview(
    session: Session, user: User, interview_id: int, expected_version: int | None = None
) -> None:
    """Delete an interview and its agenda."""
    interview = _editable(session, user, interview_id, expected_version)
    followups.on_interview_cancelled(session, user, interview)  # its open tasks are skipped
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
    interview = _editable(session, user, interview_id, expected_version)
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
    held = _held_at(interview, data.held_at, now) if target == "completed" else None
    interview.status = target
    interview.touch()
    if held is not None:
        interview.completed_at = now
        # The interview took place then: its page and the calendar show when it really was.
        interview.scheduled_at = held
        _record_meeting(session, user, interview, held)
    followups.on_interview_status_changed(session, user, interview)
    session.commit()
    return interview


def _held_at(interview: Interview, held_at: datetime | None, now: datetime) -> datetime:
    """When a completed interview took place: as told, else the scheduled time, never ahead."""
    if held_at is not None:
        if held_at > now:
            raise Invalid.one(
                "held_at", "Held on must not be in the future: record it once it has taken place."
            )
        return held_at
    scheduled = interview.scheduled_at
    return scheduled if scheduled is not None and scheduled <= now else now


def _record_meeting(session: Session, user: User, interview: Interview, held: datetime) -> None:
    # The contacts service owns interactions (and the stay-in-touch rules they drive).
    from app.contacts import service as contacts_service
    from app.interactions import service as interactions_service
    from app.interactions.schemas import InteractionCreate

    summary = "Informational interview"
    if interview.summary:
        summary += f": {interview.summary[:9000]}"
    interactions_service.create_interaction(
        session,
        user,
        InteractionCreate(
            contact_id=interview.contact_id, kind="meeting", occurred_at=held, summary=summary
        ),
    )
    contacts_service.advance_stage(session, user, interview.contact_id, "met")


class Slot(Protocol):
    """What overlap_warnings reads of an interview: a model or a read row."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def scheduled_at(self) -> datetime | None: ...
    @property
    def duration_minutes(self) -> int: ...


def overlap_warnings(session: Session, user: User, interview: Slot) -> list[str]:
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


# ---- preparation and capture ------------------------------------------------------


def _edit_list(
    session: Session,
    user: User,
    interview_id: int,
    expected_version: int | None,
    edit: Callable[[Interview], dict[str, Any]],
) -> Interview:
    # Pages change one item of a list; the edit is made on the version the page showed.
    interview = _editable(session, user, interview_id, expected_version)
    return _write(session, interview, edit(interview))


def _at(items: list[dict[str, Any]], index: int, label: str) -> None:
    if not 0 <= index < len(items):
        raise NotFound(detail=f"No {label} number {index + 1} on this interview.")


def set_checklist_done(
    session: Session,
    user: User,
    interview_id: int,
    done_keys: set[str],
    expected_version: int | None = None,
) -> Interview:
    """Tick exactly the checklist items whose keys are given (the form sends all boxes)."""

    def edit(interview: Interview) -> dict[str, Any]:
        items = [{**item, "done": item.get("key") in done_keys} for item in interview.checklist]
        return {"checklist": items}

    return _edit_list(session, user, interview_id, expected_version, edit)


def add_checklist_item(
    session: Session,
    user: User,
    interview_id: int,
    label: str,
    expected_version: int | None = None,
) -> Interview:
    """Append a step of the user's own."""

    def edit(interview: Interview) -> dict[str, Any]:
        if not label.strip():
            raise Invalid.one("label", "Write the step to add.")
        if len(interview.checklist) >= MAX_CHECKLIST:
            raise Invalid.one("label", f"A checklist holds at most {MAX_CHECKLIST} items.")
        try:
            new = ChecklistItem.model_validate({"label": label})
        except ValidationError:
            message = "Write the step on one line, 200 characters at most."
            raise Invalid.one("label", message) from None
        current = [ChecklistItem.model_validate(item) for item in interview.checklist]
        return {"checklist": normalise_checklist([*current, new])}

    return _edit_list(session, user, interview_id, expected_version, edit)


def remove_checklist_item(
    session: Session,
    user: User,
    interview_id: int,
    key: str,
    expected_version: int | None = None,
) -> Interview:
    """Drop one checklist item by key."""

    def edit(interview: Interview) -> dict[str, Any]:
        kept = [item for item in interview.checklist if item.get("key") != key]
        if len(kept) == len(interview.checklist):
            raise NotFound(detail=f"No checklist item {key!r} on this interview.")
        return {"checklist": kept}

    return _edit_list(session, user, interview_id, expected_version, edit)


# The lists edited one item at a time (beside the checklist, whose items have keys): the
# most each holds, the form field a full list is reported on, and what an item is called.
ItemList = Literal["research_links", "promises"]
_ITEM_LISTS: dict[str, tuple[int, str, str]] = {
    "research_links": (MAX_LINKS, "url", "research link"),
    "promises": (MAX_PROMISES, "text", "promise"),
}


def add_item(
    session: Session,
    user: User,
    interview_id: int,
    name: ItemList,
    item: ResearchLink | PromiseCreate,
    expected_version: int | None = None,
) -> Interview:
    """Append a research link (something read while preparing, and when) or a promise (by
    either side; follow-ups turn these into tasks), up to the list's most."""
    most, field_name, noun = _ITEM_LISTS[name]

    def edit(interview: Interview) -> dict[str, Any]:
        items: list[dict[str, Any]] = getattr(interview, name)
        if len(items) >= most:
            raise Invalid.one(field_name, f"An interview keeps at most {most} {noun}s.")
        return {name: [*items, item.model_dump(mode="json")]}

    return _edit_list(session, user, interview_id, expected_version, edit)


def remove_item(
    session: Session,
    user: User,
    interview_id: int,
    name: ItemList,
    index: int,
    expected_version: int | None = None,
) -> Interview:
    """Drop a research link or a promise by its position in the list the page showed."""
    noun = _ITEM_LISTS[name][2]

    def edit(interview: Interview) -> dict[str, Any]:
        items: list[dict[str, Any]] = getattr(interview, name)
        _at(items, index, noun)
        return {name: [item for i, item in enumerate(items) if i != index]}

    return _edit_list(session, user, interview_id, expected_version, edit)


def set_promise_done(
    session: Session,
    user: User,
    interview_id: int,
    index: int,
    done: bool,
    expected_version: int | None = None,
) -> Interview:
    """Mark a promise kept (or not)."""

    def edit(interview: Interview) -> dict[str, Any]:
        _at(interview.promises, index, "promise")
        followups.on_promise_kept(session, user, interview, interview.promises[index]["text"], done)
        promises = [
            {**p, "done": done} if i == index else p for i, p in enumerate(interview.promises)
        ]
        return {"promises": promises}

    return _edit_list(session, user, interview_id, expected_version, edit)


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
