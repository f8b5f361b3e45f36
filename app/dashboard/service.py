"""What the dashboard shows: the user's counts, two short lists and their progress.

The home page is the page people open most, and a heavy user has 100,000 contacts and
20,000 interviews, so it reads only what it shows. Every visit runs one statement: the
user's dashboard stamp and exact contact count (primary-key probes), the few most overdue
contacts, the next interviews with their contacts' names and the follow-ups due now
(``followups.service.DUE_NOW``; from the indexes their order follows), which depend on the
time.

The other counts and the progress (``Figures``: interviews held per month, a summary per
career) change only when the user writes a row they count, and the page is read far more
often than those rows are written. So each worker keeps them per user under the stamp
(``app.dashboard.models``), which triggers move in every transaction that writes such a row,
whichever worker runs it, and computes them again only when the stamp moved, the month
turned or the user changed time zone: the counts in one statement (each stopping at
``COUNT_CAP``: counting all 20,000 interviews is a scan, while the step's note only needs
"a lot"), then two aggregate statements of progress, skipped for a first-time user (no
careers and no interviews), who sees a guide to the method instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.types import NullType
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact, ContactCount
from app.dashboard.models import DashboardStamp
from app.db import UTCDateTime, begin_read, read_connection, utcnow
from app.followups import service as followups_service
from app.followups.service import DueFollowUp, DueNow
from app.interviews.models import Interview
from app.organizations.models import Organization
from app.progress import service as progress_service
from app.progress.service import Overview
from app.questions.models import QuestionBank
from app.timezones import user_zone

COUNT_CAP = 1000  # counts stop just past it: the page only needs to say "more than this"
SECTION_LENGTH = 5
# A scheduled interview stays "upcoming" for half a day, until its notes are written up.
UPCOMING_GRACE = timedelta(hours=12)
# Users whose figures a worker keeps, with their drawn progress section (about 25 KB each
# at most, the SVG included): past it, the longest kept go first.
KEPT_FIGURES = 256


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


@dataclass(frozen=True, eq=False)
class Figures:
    """The figures a stamp stands for: the capped counts (all but contacts) and the progress.

    Immutable and kept per user while the stamp holds, so a page may derive what it shows
    from one once (eq=False: hashed by identity, which is what such a memo needs)."""

    counts: dict[str, int]
    # None for a first-time user (no careers and no interviews): there is nothing to draw.
    progress: Overview | None

    @property
    def first_time(self) -> bool:
        """No careers and no interviews yet: the page shows the method instead of charts."""
        return _first_time(self.counts)


def _first_time(counts: dict[str, int]) -> bool:
    return not counts["careers"] and not counts["interviews"]


@dataclass
class Dashboard:
    """The home page's data: counts (contacts exact, the others at most COUNT_CAP + 1)."""

    counts: dict[str, int]
    due: list[DueContact]
    upcoming: list[UpcomingInterview]
    # Open follow-ups overdue or due today (followups.service.due_now's list).
    follow_ups: DueNow
    now: datetime
    figures: Figures

    @property
    def progress(self) -> Overview | None:
        """Months and careers; None for a first-time user: there is nothing to draw yet."""
        return self.figures.progress

    @property
    def first_time(self) -> bool:
        """No careers and no interviews yet: the page shows the method instead of charts."""
        return self.figures.first_time


# Constant statements, their values named binds: SQLAlchemy's compiled cache compiles each
# once, and every visit only binds the owner and the time.
_OWNER = bindparam("owner_id", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime)
_SINCE = bindparam("since", type_=UTCDateTime)


def _capped_count(model: Any) -> Any:
    """How many rows the owner has in ``model``, counting no further than COUNT_CAP + 1."""
    rows = select(literal(1)).where(model.owner_id == _OWNER).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(rows).scalar_subquery()


_COUNTED = ("careers", "organizations", "question_banks", "interviews")
_COUNTS = select(
    _capped_count(Career),
    _capped_count(Organization),
    _capped_count(QuestionBank),
    _capped_count(Interview),
)

# What every visit reads, in one statement (one round trip, one result to process): a row of
# the stamp and the exact contact count (two primary-key probes), then the most overdue
# stay-in-touch reminders (in the owner / next_touch_due index's order), the next
# scheduled interviews with their contacts' names (owner / status / scheduled_at's order)
# and the follow-ups due now (owner / status / due_at's order).
# Columns: part, id (the contact count on the first row), name, date, preparation score
# (a follow-up's version), stamp, the part's own order, and a follow-up's kind.
# Built on the tables, not the ORM's attributes, and the parts numbered in the SQL: every
# execution hashes the statement's cache key (a nested tuple, hashed afresh each time), and
# the ORM's annotations made it half as large again (1,684 elements against 1,094).
_STAMP_ROW, _DUE_ROW, _UPCOMING_ROW, _FOLLOW_UP_ROW = 0, 1, 2, 3
_CONTACTS: Table = Contact.__table__  # type: ignore[attr-defined]
_INTERVIEWS: Table = Interview.__table__  # type: ignore[attr-defined]
_CONTACT_COUNTS: Table = ContactCount.__table__  # type: ignore[attr-defined]
_STAMPS: Table = DashboardStamp.__table__  # type: ignore[attr-defined]


def _part(number: int) -> Any:
    return literal_column(str(number), Integer).label("part")


_STAMP = select(
    _part(_STAMP_ROW),
    select(_CONTACT_COUNTS.c.contacts)
    .where(_CONTACT_COUNTS.c.owner_id == _OWNER)
    .scalar_subquery()
    .label("row_id"),
    cast(null(), String).label("name"),
    cast(null(), UTCDateTime).label("at"),
    cast(null(), Integer).label("score"),
    select(_STAMPS.c.version).where(_STAMPS.c.owner_id == _OWNER).scalar_subquery().label("stamp"),
    # Typed in the SQL, but read back as it comes: the column only orders the union (the
    # union's types are this first select's), and converting it cost a datetime per row.
    type_coerce(cast(null(), UTCDateTime), NullType()).label("sort_at"),
    cast(null(), String).label("kind"),
)
_FOLLOW_UPS_DUE = followups_service.DUE_NOW.subquery()
_FOLLOW_UPS = select(
    _part(_FOLLOW_UP_ROW),
    _FOLLOW_UPS_DUE.c.id,
    _FOLLOW_UPS_DUE.c.contact_name,
    _FOLLOW_UPS_DUE.c.due_at,
    _FOLLOW_UPS_DUE.c.version,
    cast(null(), BigInteger).label("stamp"),
    _FOLLOW_UPS_DUE.c.due_at.label("sort_at"),
    _FOLLOW_UPS_DUE.c.kind,
)


@lru_cache(maxsize=4)
def _visit(dialect_name: str) -> Any:
    """The visit's statement for this database (built once per dialect).

    On PostgreSQL the two sections' LIMIT is written into the SQL: a prepared statement
    (psycopg prepares it from its fifth run) with LIMIT as a parameter has a generic plan
    costed as if it read a tenth of the rows, far dearer than the custom plans, so the server
    planned the statement afresh on every visit (0.45 ms of planning for 0.13 ms of work: the
    server's CPU per visit fell from about 870 to 120 us with the generic plan, which is the
    same plan). SQLite keeps its bound LIMIT: its plan is unchanged."""
    limit: Any = (
        literal_column(str(SECTION_LENGTH), Integer)
        if dialect_name == "postgresql"
        else SECTION_LENGTH
    )
    # Typed NULLs: PostgreSQL would take an untyped one in a subquery for text.
    due = (
        select(
            _part(_DUE_ROW),
            _CONTACTS.c.id,
            _CONTACTS.c.full_name,
            _CONTACTS.c.last_contacted_at,
            cast(null(), Integer).label("score"),
            cast(null(), BigInteger).label("stamp"),
            _CONTACTS.c.next_touch_due,
            cast(null(), String).label("kind"),
        )
        .where(_CONTACTS.c.owner_id == _OWNER, _CONTACTS.c.next_touch_due <= _NOW)
        .order_by(_CONTACTS.c.next_touch_due, _CONTACTS.c.id)
        .limit(limit)
        .subquery()
    )
    upcoming = (
        select(
            _part(_UPCOMING_ROW),
            _INTERVIEWS.c.id,
            _CONTACTS.c.full_name,
            _INTERVIEWS.c.scheduled_at,
            _INTERVIEWS.c.preparation_score,
            cast(null(), BigInteger).label("stamp"),
            _INTERVIEWS.c.scheduled_at.label("sort_at"),
            cast(null(), String).label("kind"),
        )
        .outerjoin(
            _CONTACTS,
            and_(_CONTACTS.c.id == _INTERVIEWS.c.contact_id, _CONTACTS.c.owner_id == _OWNER),
        )
        .where(
            _INTERVIEWS.c.owner_id == _OWNER,
            _INTERVIEWS.c.status == "scheduled",
            _INTERVIEWS.c.scheduled_at >= _SINCE,
        )
        .order_by(_INTERVIEWS.c.scheduled_at, _INTERVIEWS.c.id)
        .limit(limit)
        .subquery()
    )
    return union_all(_STAMP, select(due), select(upcoming), _FOLLOW_UPS).order_by(
        literal_column("part"), literal_column("sort_at"), literal_column("row_id")
    )


class _KeptCompiled:
    """The compiled cache of one constant statement: the ``compiled_cache`` execution
    option, given with each execution of the visit.

    SQLAlchemy's own cache finds a statement by its cache key, a nested tuple that Python
    hashes afresh on every lookup: for the visit (1,094 elements) that was about 8 % of the
    statement's instructions under callgrind (52,000 of 676,000 per execution). The visit's
    key is memoized on its statement, the same tuple object on every execution, so comparing
    the lookup's key with a kept one is an identity check per element, with no hash. A few
    entries, newest first: one per engine's dialect (a worker has one; the tests open a
    second engine as another worker). One tuple holds them all: a thread reads it at once."""

    __slots__ = ("_entries",)
    ENTRIES = 4

    def __init__(self) -> None:
        self._entries: tuple[tuple[Any, Any], ...] = ()

    def get(self, key: Any) -> Any:
        for kept, compiled in self._entries:
            if kept == key:
                return compiled
        return None

    def __setitem__(self, key: Any, compiled: Any) -> None:
        self._entries = ((key, compiled), *self._entries[: self.ENTRIES - 1])


@lru_cache(maxsize=4)
def _visit_options(dialect_name: str) -> dict[str, Any]:
    """The visit's execution options: its own compiled cache (_KeptCompiled)."""
    return {"compiled_cache": _KeptCompiled()}


def compute_figures(session: Session, user: User, now: datetime) -> Figures:
    """The counts and the progress, from the tables (what the kept figures must equal)."""
    begin_read(session, snapshot=False)  # read after the visit's stamp: see _figures
    row = session.connection().execute(_COUNTS, {"owner_id": user.id}).one()
    counts = {name: count or 0 for name, count in zip(_COUNTED, row, strict=True)}
    progress = None if _first_time(counts) else progress_service.overview(session, user, now=now)
    return Figures(counts=counts, progress=progress)


# owner id -> (stamp, time zone, month, figures). A plain dict under a lock: the PostgreSQL
# path serves from a thread pool.
_kept: dict[int, tuple[int, str | None, int, Figures]] = {}
_kept_lock = threading.Lock()


def _figures(session: Session, user: User, stamp: int | None, now: datetime) -> Figures:
    """The user's figures: kept ones while the stamp, zone and month hold, else computed.

    The stamp was read before the figures are, so a write committed in between (by any
    worker) can only make the kept figures newer than their stamp, never older: the next
    visit sees a moved stamp and computes them again."""
    assert user.id is not None
    local = now.astimezone(user_zone(user.timezone))
    month = local.year * 12 + local.month
    kept = _kept.get(user.id)
    if kept is not None and kept[0] == stamp and kept[1] == user.timezone and kept[2] == month:
        return kept[3]
    figures = compute_figures(session, user, now)
    if stamp is not None:
        with _kept_lock:
            _kept.pop(user.id, None)
            while len(_kept) >= KEPT_FIGURES:
                # Oldest first: dicts keep their insertion order.
                del _kept[next(iter(_kept))]
            _kept[user.id] = (stamp, user.timezone, month, figures)
    return figures


def dashboard(session: Session, user: User) -> Dashboard:
    """The user's progress through the method and what to do next."""
    now = utcnow()
    # No snapshot needed: the visit's one statement reads the stamp with the lists, and
    # figures read after it can only be newer than their stamp (_figures).
    params = {
        "owner_id": user.id,
        "now": now,
        "since": now - UPCOMING_GRACE,
        "before": followups_service.due_before(user, now),
    }
    dialect_name = session.get_bind().dialect.name
    with read_connection(session) as connection:
        rows = connection.execute(
            _visit(dialect_name), params, execution_options=_visit_options(dialect_name)
        ).all()
    # The stamp is read before the figures: see _figures.
    contacts, stamp = rows[0][1], rows[0][5]
    figures = _figures(session, user, stamp, now)
    due, upcoming, follow_ups = [], [], []
    for part, row_id, name, at, score, _, _, kind in rows[1:]:
        if part == _DUE_ROW:
            due.append(DueContact(row_id, name, at))
        elif part == _UPCOMING_ROW:
            upcoming.append(UpcomingInterview(row_id, at, score, name))
        else:
            follow_ups.append(DueFollowUp(row_id, kind, at, score, name))
    return Dashboard(
        counts={"contacts": contacts or 0, **figures.counts},
        due=due,
        upcoming=upcoming,
        follow_ups=followups_service.split_due(follow_ups, now),
        now=now,
        figures=figures,
    )
