"""The home page: where the user stands in the method, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.auth import service as auth_service
from app.auth.models import User
from app.careers.models import STATUS_LABELS as CAREER_STATUS_LABELS
from app.dashboard import service
from app.dashboard.service import (
    COUNT_CAP,
    KEPT_FIGURES,
    Dashboard,
    DueContact,
    Figures,
    UpcomingInterview,
)
from app.followups import service as followups_service
from app.followups.service import DueFollowUp, DueNow
from app.progress.charts import month_chart, shown
from app.progress.schemas import CareerSummary
from app.progress.service import FIGURE_CAP
from app.timezones import user_zone
from app.web.deps import OptionalPageUser, SessionDep, run_db
from app.web.forms import see_other
from app.web.routing import page_router
from app.web.templating import EncodedMarkup, render, templates

router = page_router()


class DashboardItem(NamedTuple):
    """One line in a dashboard section."""

    url: str
    label: str
    note: str = ""


class CareerLine(NamedTuple):
    """One career in the progress table, its counts as shown ("100+" past FIGURE_CAP)."""

    id: int
    title: str
    status: str
    contacts: str
    interviews_requested: str
    interviews_held: str
    follow_ups_open: int


# The lists "Due for a touch" and "Upcoming interviews", as the page words them.
Sections = tuple[tuple[DashboardItem, ...], tuple[DashboardItem, ...]]


@dataclass
class DashboardSummary:
    """The page's parts that are not the follow-ups due, drawn from templates.

    Everything is worded in Python, in one pass, and each part is drawn once for what it
    shows: a macro or filter called per count or per cell costs more in Jinja than the rest
    of the page, and a reload that shows the same thing draws nothing again."""

    # The steps with their notes, then the progress section (or the guide, the first time).
    # Kept with their bytes: the page splices them into its own (render's ``spliced``).
    standing: EncodedMarkup
    sections: EncodedMarkup


def _shown(name: str, count: int) -> str:
    # The contacts count is exact (kept by triggers); the others stop just past COUNT_CAP.
    return f"{COUNT_CAP:,}+" if name != "contacts" and count > COUNT_CAP else f"{count:,}"


# What each step's note counts, in the singular and the plural.
_NOUNS = {
    "contacts": ("contact", "contacts"),
    "organizations": ("organization", "organizations"),
    "question_banks": ("bank of your own", "banks of your own"),
    "interviews": ("interview", "interviews"),
}


def _notes(counts: dict[str, int]) -> dict[str, str]:
    notes = {"careers": f"{_shown('careers', counts['careers'])} recorded"}
    for name, (one, many) in _NOUNS.items():
        notes[name] = f"{_shown(name, counts[name])} {one if counts[name] == 1 else many}"
    return notes


def _career_lines(careers: list[CareerSummary]) -> list[CareerLine]:
    return [
        CareerLine(
            c.career_id,
            c.title,
            CAREER_STATUS_LABELS.get(c.status, c.status),
            shown(c.contacts, FIGURE_CAP),
            shown(c.interviews_requested, FIGURE_CAP),
            shown(c.interviews_held, FIGURE_CAP),
            c.follow_ups_open,
        )
        for c in careers
    ]


def _due_note(days: int | None) -> str:
    """Days since the last contact, or None for a contact never touched."""
    if days is None:
        return "never contacted"
    return f"last contact {days} day{'s' if days != 1 else ''} ago"


# The progress section depends on the figures alone, and the service hands out the same
# Figures object while the user's stamp holds: each is drawn once, and forgotten with it.
_drawn: WeakKeyDictionary[Figures, Markup] = WeakKeyDictionary()


def _progress_section(figures: Figures) -> Markup | None:
    """The month chart and the careers table as markup (None for a first-time user)."""
    if figures.progress is None:
        return None
    drawn = _drawn.get(figures)
    if drawn is None:
        careers = figures.counts["careers"]
        shown_careers = len(figures.progress.careers)
        drawn = Markup(
            templates.env.get_template("progress/_overview.html").render(
                chart=month_chart(
                    figures.progress.months,
                    key="chart-held",
                    title="Interviews held per month",
                    cap=FIGURE_CAP,
                ),
                careers=_career_lines(figures.progress.careers),
                more_careers=f"All {_shown('careers', careers)} careers"
                if careers > shown_careers
                else "",
            )
        )
        _drawn[figures] = drawn
    return drawn


# The steps and the progress depend on the figures and the contact count alone: drawn once
# for both, and again when either changes (contacts move no stamp, so the count is checked).
_standing: WeakKeyDictionary[Figures, tuple[int, EncodedMarkup]] = WeakKeyDictionary()


def _standing_section(figures: Figures, contacts: int) -> EncodedMarkup:
    """The steps with their notes and the progress section (or the guide) as markup."""
    kept = _standing.get(figures)
    if kept is not None and kept[0] == contacts:
        return kept[1]
    drawn = EncodedMarkup(
        templates.env.get_template("dashboard/_standing.html").render(
            notes=_notes({"contacts": contacts, **figures.counts}),
            first_time=figures.first_time,
            progress=_progress_section(figures),
        )
    )
    _standing[figures] = (contacts, drawn)
    return drawn


def _sections(
    due: tuple[tuple[DueContact, int | None], ...],
    upcoming: tuple[UpcomingInterview, ...],
    zone: ZoneInfo,
) -> Sections:
    return (
        tuple(DashboardItem(f"/contacts/{c.id}", c.full_name, _due_note(days)) for c, days in due),
        tuple(
            DashboardItem(
                f"/interviews/{i.id}",
                f"{i.contact_name or 'Interview'} · "
                f"{i.scheduled_at.astimezone(zone).strftime('%a %d %b %H:%M')}",
                f"prepared {i.preparation_score}%",
            )
            for i in upcoming
        ),
    )


# Keyed by the rows and what their wording depends on (the days since each contact, the
# zone), so a reload that shows the same lines words and draws nothing again, and nothing
# of one reader can reach another's page. About 2 KB each at most.
@lru_cache(maxsize=KEPT_FIGURES)
def _sections_section(
    due: tuple[tuple[DueContact, int | None], ...],
    upcoming: tuple[UpcomingInterview, ...],
    zone: ZoneInfo,
) -> EncodedMarkup:
    """The two short lists as markup."""
    return EncodedMarkup(
        templates.env.get_template("dashboard/_sections.html").render(
            sections=_sections(due, upcoming, zone)
        )
    )


# The follow-ups due, drawn by templates/followups/_due.html from exactly what it reads: the
# rows, the reader's CSRF token (each row's "Done" form) and time zone. Mostly "nothing due"
# or the same few rows reload after reload, so each distinct list is drawn once (the include
# was a third of the page's render); the key holds the session's token, so an entry serves
# no other session. Lists longer than _KEPT_DUE_ROWS are drawn each time: an entry stays
# under about 7 KB.
_KEPT_DUE_ROWS = 10


@lru_cache(maxsize=KEPT_FIGURES)
def _drawn_due(
    overdue: tuple[DueFollowUp, ...], today: tuple[DueFollowUp, ...], csrf_token: str, tz: str
) -> Markup:
    return Markup(
        templates.env.get_template("followups/_due.html").render(
            due=DueNow(overdue=list(overdue), today=list(today)),
            csrf_token=csrf_token,
            tz=tz,
            kind_labels=followups_service.KIND_LABELS,
        )
    )


def _due_section(due: DueNow, csrf_token: str, tz: str) -> Markup:
    """The follow-ups due now as markup (templates/followups/_due.html)."""
    overdue, today = tuple(due.overdue), tuple(due.today)
    if len(overdue) + len(today) > _KEPT_DUE_ROWS:
        return _drawn_due.__wrapped__(overdue, today, csrf_token, tz)
    return _drawn_due(overdue, today, csrf_token, tz)


def summary(data: Dashboard, user: User) -> DashboardSummary:
    """The dashboard's data as the page shows it: notes, progress and the short lists."""
    now = data.now
    due = tuple(
        (c, None if c.last_contacted_at is None else (now - c.last_contacted_at).days)
        for c in data.due
    )
    return DashboardSummary(
        standing=_standing_section(data.figures, data.counts["contacts"]),
        sections=_sections_section(due, tuple(data.upcoming), user_zone(user.timezone)),
    )


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, db: SessionDep, user: OptionalPageUser) -> Response:
    # Async with run_db: inline on SQLite (cheaper than a thread hop), thread pool on PostgreSQL.
    return await run_db(request, _dashboard, request, db, user)


def _dashboard(request: Request, db: SessionDep, user: User | None) -> Response:
    if user is None:
        return see_other("/setup" if auth_service.count_users(db) == 0 else "/login")
    data = service.dashboard(db, user)
    shown = summary(data, user)
    return render(
        request,
        "dashboard/index.html",
        {
            "section": "dashboard",
            "summary": shown,
            "due_section": _due_section(
                data.follow_ups, getattr(request.state, "csrf_token", ""), user.timezone
            ),
        },
        spliced=(shown.standing, shown.sections),
    )
