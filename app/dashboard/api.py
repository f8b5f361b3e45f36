"""/api/v1/dashboard: the home page's figures for clients and scripts."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from app.dashboard import service
from app.dashboard.service import COUNT_CAP, Dashboard
from app.progress.schemas import DashboardCounts, DashboardRead
from app.progress.service import FIGURE_CAP
from app.web.deps import CurrentUser, SessionDep, run_db
from app.web.routing import api_router

router = api_router("/dashboard", tags=["dashboard"])


def dashboard_read(data: Dashboard) -> DashboardRead:
    """The figures the dashboard page draws, as JSON."""
    progress = data.progress
    return DashboardRead(
        counts=DashboardCounts(**data.counts, cap=COUNT_CAP),
        first_time=data.first_time,
        figure_cap=FIGURE_CAP,
        months=progress.months if progress else [],
        careers=progress.careers if progress else [],
    )


@router.get("", response_model=DashboardRead)
async def get_dashboard(request: Request, db: SessionDep, user: CurrentUser) -> JSONResponse:
    """Counts, interviews held per month (last 12, in the user's zone) with mean confidence,
    and a summary of the leading careers; the same figures as the home page."""
    data = await run_db(request, service.dashboard, db, user)
    return JSONResponse(dashboard_read(data).model_dump(mode="json"))
