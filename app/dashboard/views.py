"""The home page: where the user stands in the method, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.auth import service as auth_service
from app.auth.models import User
from app.careers.models import STATUS_LABELS as CAREER_STATUS_LABELS
from app.dashboard import service
from app.dashboard.service import COUNT_CAP, Dashboard, Figures
from app.followups import service as followups_service
from app.progress.charts import month_chart, shown
from app.progress.schemas import CareerSummary
from app.progress.service import FIGURE_CAP
from app.timezones import user_zone
from app.web.deps import OptionalPageUser, SessionDep, run_db
from app.web.forms import see_other
from app.web.templating import render, templates

router = APIRouter()


@dataclass
class DashboardItem:
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


@dataclass
class DashboardSummary:
    """Counts as shown (e.g. "1,000+"), the steps' notes and short lists for the home page.

    Everything is worded here, in one pass: a macro or filter called per count or per cell
    costs more in Jinja than the rest of the page."""

    counts: dict[str, str] = field(default_factory=dict)
    # Each step's note: "3 contacts", "1,000+ organizations", "1 bank of your own".
    notes: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[DashboardItem]] = field(default_factory=dict)
    # The month chart and the careers table, drawn; None for a first-time user (the guide).
    progress: Markup | None = None


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


def _due_note(last_contacted_at: datetime | None, now: datetime) -> str:
    if last_contacted_at is None:
        return "never contacted"
    days = (now - last_contacted_at).days
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


def summary(data: Dashboard, user: User) -> DashboardSummary:
    """The dashboard's data as the page shows it: counts, links and notes."""
    zone = user_zone(user.timezone)
    return DashboardSummary(
        progress=_progress_section(data.figures),
        counts={name: _shown(name, count) for name, count in data.counts.items()},
        notes=_notes(data.counts),
        sections={
            "Due for a touch": [
                DashboardItem(
                    f"/contacts/{c.id}", c.full_name, _due_note(c.last_contacted_at, data.now)
                )
                for c in data.due
            ],
            "Upcoming interviews": [
                DashboardItem(
                    url=f"/interviews/{i.id}",
                    label=f"{i.contact_name or 'Interview'} · "
                    f"{i.scheduled_at.astimezone(zone).strftime('%a %d %b %H:%M')}",
                    note=f"prepared {i.preparation_score}%",
                )
                for i in data.upcoming
            ],
        },
    )


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, db: SessionDep, user: OptionalPageUser) -> Response:
    # Async with run_db: inline on SQLite (cheaper than a thread hop), thread pool on PostgreSQL.
    return await run_db(request, _dashboard, request, db, user)


def _dashboard(request: Request, db: SessionDep, user: User | None) -> Response:
    if user is None:
        return see_other("/setup" if auth_service.count_users(db) == 0 else "/login")
    data = service.dashboard(db, user)
    return render(
        request,
        "dashboard/index.html",
        {
            "section": "dashboard",
            "summary": summary(data, user),
            "data": data,
            "due": followups_service.due_now(db, user),
            "kind_labels": followups_service.KIND_LABELS,
        },
    )
