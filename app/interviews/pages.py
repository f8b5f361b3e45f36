"""Helpers the interview pages share: choices, local times in forms, the detail context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.auth.models import User
from app.interviews import agenda_service, prep_service, service
from app.interviews.models import Interview
from app.timezones import user_zone
from app.web.forms import see_other, small_int
from app.web.templating import is_htmx, render

STATUS_CHOICES = list(service.STATUS_LABELS.items())
MODE_CHOICES = list(service.MODE_LABELS.items())
CATEGORY_LABELS = {
    "future_of_industry": "Future of the industry",
    "qualifications": "Qualifications",
    "everyday_work": "Everyday work",
    "career_path": "Career path",
    "culture": "Culture",
    "advice": "Advice",
    "trends": "Trends",
    "insights": "Insights",
    "resources": "Resources",
    "assignments": "Assignments",
    "next_steps": "Next steps",
    "other": "Other",
}
CATEGORY_CHOICES = list(CATEGORY_LABELS.items())
# Labels of the transition buttons: what the user does, not the state name.
TRANSITION_LABELS = {
    "planned": "Back to planned",
    "requested": "I asked for it",
    "scheduled": "Scheduled",
    "completed": "Complete",
    "cancelled": "Cancel",
    "no_show": "No-show",
}
CHOICES: dict[str, Any] = {
    "status_choices": STATUS_CHOICES,
    "status_labels": service.STATUS_LABELS,
    "mode_choices": MODE_CHOICES,
    "mode_labels": service.MODE_LABELS,
    "category_choices": CATEGORY_CHOICES,
    "category_labels": CATEGORY_LABELS,
    "transition_labels": TRANSITION_LABELS,
}


def local_input(value: datetime | None, tz_name: str) -> str:
    """A stored UTC time as the value of a datetime-local input in the user's zone."""
    return value.astimezone(user_zone(tz_name)).strftime("%Y-%m-%dT%H:%M") if value else ""


def aware_from_local(value: str, tz_name: str) -> str:
    """A datetime-local input (no offset) read in the user's timezone; other text is passed
    on unchanged so the schema names what is wrong with it."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=user_zone(tz_name))
    try:
        return parsed.isoformat()
    except (OverflowError, ValueError):
        return text


def record_values(interview: Interview, tz_name: str) -> dict[str, Any]:
    """The interview's fields as an edit form shows them."""
    return {
        "contact_id": interview.contact_id,
        "career_id": interview.career_id or "",
        "status": interview.status,
        "requested_at": local_input(interview.requested_at, tz_name),
        "scheduled_at": local_input(interview.scheduled_at, tz_name),
        "duration_minutes": interview.duration_minutes,
        "mode": interview.mode or "",
        "location": interview.location,
        "purpose": interview.purpose,
        "summary": interview.summary,
        "takeaways": interview.takeaways,
        "usefulness": interview.usefulness or "",
        "confidence": interview.confidence or "",
        "version": interview.version,
    }


def detail_context(db: Session, user: User, interview: Interview, **extra: Any) -> dict[str, Any]:
    """Everything the interview page (and its fragments) shows."""
    names = service.related(db, user, [interview])
    ctx: dict[str, Any] = {
        **CHOICES,
        "section": "interviews",
        "interview": interview,
        "contact": names.contact(interview),
        "career": names.career(interview),
        "organization": names.organization(interview),
        "agenda": agenda_service.list_agenda(db, user, interview.id or 0),
        "warnings": service.overlap_warnings(db, user, interview),
        "transitions": service.allowed_transitions(interview),
        "referrals": prep_service.referrals_of(db, user, interview),
        "banks": agenda_service.readable_banks(db, user),
        "picker": None,
        "picker_bank_id": None,
        "picker_category": "",
        "scheduled_value": local_input(interview.scheduled_at, user.timezone),
        "errors": {},
        "message": None,
    }
    ctx.update(extra)
    return ctx


def fragment_or_redirect(
    request: Request,
    template: str,
    ctx: dict[str, Any],
    *,
    block: str,
    url: str,
    status_code: int = 200,
) -> Response:
    """HTMX gets the refreshed block; a plain form post is redirected (POST, then 303)."""
    if is_htmx(request):
        return render(request, template, ctx, block=block, status_code=status_code)
    if status_code >= 400:
        return render(request, template, ctx, status_code=status_code)
    return see_other(url)


def detail_section(
    request: Request,
    db: Session,
    user: User,
    interview_id: int,
    block: str,
    *,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    """One section of the interview page after a change (422 with errors when refused)."""
    interview = service.get_interview(db, user, interview_id)
    ctx = detail_context(db, user, interview, errors=errors or {}, message=message)
    return fragment_or_redirect(
        request,
        "interviews/detail.html",
        ctx,
        block=block,
        url=f"/interviews/{interview_id}#{block}",
        status_code=422 if errors else 200,
    )


def page_version(raw: object) -> int | None:
    """The version an interview page holds; a missing or damaged one skips the check."""
    text = str(raw or "")
    return small_int(text)
