"""What the dashboard shows: the user's counts, two short lists and their progress.

The home page is the page people open most, and a heavy user has 100,000 contacts and
20,000 interviews, so it reads only what it shows: every count in one statement (each count
stops at ``COUNT_CAP``: counting all 20,000 interviews is a scan on every visit, while the
step's note only needs "a lot"), the few most overdue contacts and the next interviews with
their contacts' names, from the indexes their order follows. Progress (interviews held per
month, a summary per career) is two aggregate statements more, skipped for a first-time user
(no careers and no interviews), who sees a guide to the method instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Integer, and_, bindparam, func, literal, select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact, ContactCount
from app.db import UTCDateTime, utcnow
from app.interviews.models import Interview
from app.organizations.models import Organization
from app.progress import service as progress_service
from app.progress.service import Overview
from app.questions.models import QuestionBank

COUNT_CAP = 1000  # counts stop just past it: the page only needs to say "more than this"
SECTION_LENGTH = 5
# A scheduled interview stays "upcoming" for half a day, until its notes are written up.
UPCOMING_GRACE = timedelta(hours=12)


class DueContact(NamedTuple):
    """A contact due for a touch."""

    id: int
    full_name: str
    last_contacted_at: datetime | None


class UpcomingInterview(NamedTuple):
    """A scheduled interview still ahead (or just past, within the grace)."""

    id: int
    scheduled_at: datetime
    preparation_score: int
    contact_name: str | None


@dataclass
class Dashboard:
    """The home page's data: counts (contacts exact, the others at most COUNT_CAP + 1)."""

    counts: dict[str, int]
    due: list[DueContact]
    upcoming: list[UpcomingInterview]
    now: datetime
    # None for a first-time user: there is nothing to draw yet.
    progress: Overview | None = None

    @property
    def first_time(self) -> bool:
        """No careers and no interviews yet: the page shows the method instead of charts."""
        return not self.counts["careers"] and not self.counts["interviews"]


# Constant statements, their values named binds: SQLAlchemy's compiled cache compiles each
# once, and every visit only binds the owner and the time.
_OWNER = bindparam("owner_id", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime)


def _capped_count(model: Any) -> Any:
    """How many rows the owner has in ``model``, counting no further than COUNT_CAP + 1."""
    rows = select(literal(1)).where(model.owner_id == _OWNER).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(rows).scalar_subquery()


_COUNTED = ("careers", "organizations", "question_banks", "interviews")
# Contacts have an exact count kept by triggers; the others are capped counts.
_COUNTS = select(
    select(ContactCount.contacts).where(ContactCount.owner_id == _OWNER).scalar_subquery(),
    _capped_count(Career),
    _capped_count(Organization),
    _capped_count(QuestionBank),
    _capped_count(Interview),
)
# The most overdue stay-in-touch reminders, in the owner / next_touch_due index's order.
_DUE = (
    select(Contact.id, Contact.full_name, Contact.last_contacted_at)
    .where(Contact.owner_id == _OWNER, Contact.next_touch_due <= _NOW)
    .order_by(Contact.next_touch_due, Contact.id)
    .limit(SECTION_LENGTH)
)
# The next scheduled interviews with their contacts' names, in one query.
_UPCOMING = (
    select(Interview.id, Interview.scheduled_at, Interview.preparation_score, Contact.full_name)
    .outerjoin(Contact, and_(Contact.id == Interview.contact_id, Contact.owner_id == _OWNER))
    .where(
        Interview.owner_id == _OWNER,
        Interview.status == "scheduled",
        Interview.scheduled_at >= _NOW,
    )
    .order_by(Interview.scheduled_at, Interview.id)
    .limit(SECTION_LENGTH)
)


def dashboard(session: Session, user: User) -> Dashboard:
    """The user's progress through the method and what to do next."""
    now = utcnow()
    connection = session.connection()
    row = connection.execute(_COUNTS, {"owner_id": user.id}).one()
    counts = {"contacts": row[0] or 0} | {
        name: count or 0 for name, count in zip(_COUNTED, row[1:], strict=True)
    }
    due = connection.execute(_DUE, {"owner_id": user.id, "now": now})
    upcoming = connection.execute(_UPCOMING, {"owner_id": user.id, "now": now - UPCOMING_GRACE})
    found = Dashboard(
        counts=counts,
        due=[DueContact(*r) for r in due],
        upcoming=[UpcomingInterview(*r) for r in upcoming],
        now=now,
    )
    if not found.first_time:
        found.progress = progress_service.overview(session, user, now=now)
    return found
