"""What the dashboard shows: the user's counts and two short lists, in three narrow queries.

The home page is the page people open most, and a heavy user has 100,000 contacts and
20,000 interviews, so it reads only what it shows: every count in one statement (each count
stops at ``COUNT_CAP``: counting all 20,000 interviews is a scan on every visit, while the
step's note only needs "a lot"), the few most overdue contacts and the next interviews with
their contacts' names, from the indexes their order follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, select
from sqlmodel import Session

from app import rawsql
from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact, ContactCount
from app.db import UTCDateTime, utcnow
from app.interviews.models import Interview
from app.organizations.models import Organization
from app.questions.models import QuestionBank
from app.timezones import user_zone

COUNT_CAP = 1000  # counts above it read "1,000+"
SECTION_LENGTH = 5
# A scheduled interview stays "upcoming" for half a day, until its notes are written up.
UPCOMING_GRACE = timedelta(hours=12)


@dataclass
class DashboardItem:
    """One line in a dashboard section."""

    url: str
    label: str
    note: str = ""


@dataclass
class DashboardSummary:
    """Counts (as shown, e.g. "1,000+") and short lists for the home page."""

    counts: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[DashboardItem]] = field(default_factory=dict)


def dashboard_summary(session: Session, user: User) -> DashboardSummary:
    """The user's progress through the method and what to do next."""
    now = utcnow()
    return DashboardSummary(
        counts=_counts(session, user),
        sections={
            "Due for a touch": _due_contacts(session, user, now),
            "Upcoming interviews": _upcoming_interviews(session, user, now),
        },
    )


_OWNER = bindparam("owner", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime)
_LENGTH = bindparam("length", type_=Integer)
_NONE = bindparam("none", type_=Integer)
# Every value is a named bind: app.rawsql runs the statement compiled once, with the values.
_CONSTANTS = {
    "one": 1,
    "none": 0,
    "cap": COUNT_CAP + 1,
    "length": SECTION_LENGTH,
    "scheduled": "scheduled",
}


def _capped_count(model: Any) -> Any:
    """How many rows the owner has in ``model``, counting no further than COUNT_CAP + 1."""
    rows = (
        select(bindparam("one", type_=Integer))
        .where(model.owner_id == _OWNER)
        .limit(bindparam("cap", type_=Integer))
        .offset(_NONE)  # named, or SQLite's compiler adds an anonymous OFFSET
        .subquery()
    )
    return select(func.count()).select_from(rows).scalar_subquery()


def _shown(count: int | None) -> str:
    count = count or 0
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"


# The home page is read on every visit: its statements are compiled once and run on the
# driver (app.rawsql); building and executing them through the ORM cost 10x the queries.
# Contacts have an exact count kept by triggers; the others are capped counts.
def _counts_statement() -> Any:
    return select(
        select(ContactCount.contacts).where(ContactCount.owner_id == _OWNER).scalar_subquery(),
        _capped_count(Career),
        _capped_count(Organization),
        _capped_count(QuestionBank),
        _capped_count(Interview),
    )


def _due_statement() -> Any:
    return (
        select(Contact.id, Contact.full_name, Contact.last_contacted_at)
        .where(Contact.owner_id == _OWNER, Contact.next_touch_due <= _NOW)
        .order_by(Contact.next_touch_due, Contact.id)
        .limit(_LENGTH)
        .offset(_NONE)
    )


def _upcoming_statement() -> Any:
    return (
        select(Interview.id, Interview.scheduled_at, Interview.preparation_score, Contact.full_name)
        .outerjoin(Contact, and_(Contact.id == Interview.contact_id, Contact.owner_id == _OWNER))
        .where(
            Interview.owner_id == _OWNER,
            Interview.status == bindparam("scheduled"),
            Interview.scheduled_at >= _NOW,
        )
        .order_by(Interview.scheduled_at, Interview.id)
        .limit(_LENGTH)
        .offset(_NONE)
    )


def _fetch(session: Session, key: str, build: Any, **params: Any) -> list[tuple[Any, ...]]:
    prepared = rawsql.prepare(("dashboard", key), session.get_bind().dialect, build)
    return rawsql.fetch(session, prepared, {**_CONSTANTS, **params})


def _counts(session: Session, user: User) -> dict[str, str]:
    row = _fetch(session, "counts", _counts_statement, owner=user.id)[0]
    counts = dict(
        zip(("careers", "organizations", "question_banks", "interviews"), row[1:], strict=True)
    )
    return {"contacts": f"{row[0] or 0:,}"} | {k: _shown(v) for k, v in counts.items()}


def _due_contacts(session: Session, user: User, now: datetime) -> list[DashboardItem]:
    """The most overdue stay-in-touch reminders (the owner / next_touch_due index's order)."""
    rows = _fetch(session, "due", _due_statement, owner=user.id, now=now)
    return [
        DashboardItem(f"/contacts/{contact_id}", name, _due_note(last_contacted_at, now))
        for contact_id, name, last_contacted_at in rows
    ]


def _due_note(last_contacted_at: datetime | None, now: datetime) -> str:
    if last_contacted_at is None:
        return "never contacted"
    days = (now - last_contacted_at).days
    return f"last contact {days} day{'s' if days != 1 else ''} ago"


def _upcoming_interviews(session: Session, user: User, now: datetime) -> list[DashboardItem]:
    """The next scheduled interviews with their contacts' names, in one query."""
    zone = user_zone(user.timezone)
    items = []
    rows = _fetch(session, "upcoming", _upcoming_statement, owner=user.id, now=now - UPCOMING_GRACE)
    for interview_id, scheduled_at, preparation_score, contact_name in rows:
        when = scheduled_at.astimezone(zone).strftime("%a %d %b %H:%M")
        items.append(
            DashboardItem(
                url=f"/interviews/{interview_id}",
                label=f"{contact_name or 'Interview'} · {when}",
                note=f"prepared {preparation_score}%",
            )
        )
    return items
