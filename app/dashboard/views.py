"""The home page: where the user stands in the method, and what to do next."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.auth import service as auth_service
from app.auth.models import User
from app.dashboard import service
from app.web.deps import OptionalPageUser, PageUser, SessionDep, run_db
from app.web.forms import see_other
from app.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, db: SessionDep, user: OptionalPageUser) -> Response:
    # Async with run_db: inline on SQLite (cheaper than a thread hop), thread pool on PostgreSQL.
    return await run_db(request, _dashboard, request, db, user)


def _dashboard(request: Request, db: SessionDep, user: User | None) -> Response:
    if user is None:
        return see_other("/setup" if auth_service.count_users(db) == 0 else "/login")
    return render(
        request,
        "dashboard/index.html",
        {"section": "dashboard", "summary": service.dashboard_summary(db, user)},
    )


@router.get("/follow-ups", response_class=HTMLResponse)
def follow_ups(request: Request, user: PageUser) -> Response:
    # Follow-up tasks are not built yet; the navigation link explains what will live here.
    return render(request, "dashboard/follow_ups.html", {"section": "followups"})
