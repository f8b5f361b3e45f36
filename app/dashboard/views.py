"""The home page: where the user stands in the method, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.auth import service as auth_service
from app.auth.models import User
from app.careers.models import STATUS_LABELS as CAREER_STATUS_LABELS
from app.dashboard import service
from app.dashboard.service import COUNT_CAP, Dashboard
from app.followups import service as followups_service
from app.progress.charts import MonthChart, month_chart
from app.progress.service import FIGURE_CAP
from app.timezones import user_zone
from app.web.deps import OptionalPageUser, SessionDep, run_db
from app.web.forms import see_other
from app.web.templating import render

router = APIRouter()


@dataclass
class DashboardItem:
    """One line in a dashboard section."""

    url: str
    label: str
    note: str = ""


@dataclass
class DashboardSummary:
    """Counts as shown (e.g. "1,000+") and short lists for the home page."""

    counts: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[DashboardItem]] = field(default_factory=dict)
    # The month chart, absent for a first-time user (the guide takes its place).
    chart: MonthChart | None = None


def _shown(name: str, count: int) -> str:
    # The contacts count is exact (kept by triggers); the others stop just past COUNT_CAP.
    return f"{COUNT_CAP:,}+" if name != "contacts" and count > COUNT_CAP else f"{count:,}"


def _due_note(last_contacted_at: datetime | None, now: datetime) -> str:
    if last_contacted_at is None:
        return "never contacted"
    days = (now - last_contacted_at).days
    return f"last contact {days} day{'s' if days != 1 else ''} ago"


def summary(data: Dashboard, user: User) -> DashboardSummary:
    """The dashboard's data as the page shows it: counts, links and notes."""
    zone = user_zone(user.timezone)
    chart = None
    if data.progress is not None:
        chart = month_chart(
            data.progress.months,
            key="chart-held",
            title="Interviews held per month",
            cap=FIGURE_CAP,
        )
    return DashboardSummary(
        chart=chart,
        counts={name: _shown(name, count) for name, count in data.counts.items()},
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
            "career_status_labels": CAREER_STATUS_LABELS,
            "figure_cap": FIGURE_CAP,
            "due": followups_service.due_now(db, user),
            "kind_labels": followups_service.KIND_LABELS,
        },
    )
