"""The interview page: its labels, the values its forms show, and how one of its sections
is saved and shown again (the detail, run and sheet pages all render an interview)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth.models import User
from app.contacts.references import service as contact_references
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.models import MODE_LABELS, STATUS_LABELS, Interview
from app.questions.models import CATEGORY_LABELS
from app.timezones import user_zone
from app.web.forms import form_values
from app.web.pages import save_form
from app.web.templating import is_htmx, render

T = TypeVar("T")
DETAIL = "interviews/detail.html"
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
    "status_choices": list(STATUS_LABELS.items()),
    "status_labels": STATUS_LABELS,
    "mode_choices": list(MODE_LABELS.items()),
    "mode_labels": MODE_LABELS,
    "category_choices": list(CATEGORY_LABELS.items()),
    "category_labels": CATEGORY_LABELS,
    "transition_labels": TRANSITION_LABELS,
}
STALE_SECTION = (
    "This interview was changed elsewhere (another tab?) since this page was shown. "
    "Here is what is saved now; make your change again."
)


def local_input(value: datetime | None, tz_name: str) -> str:
    """A stored UTC time as the value of a datetime-local input in the user's zone."""
    return value.astimezone(user_zone(tz_name)).strftime("%Y-%m-%dT%H:%M") if value else ""


def held_default(scheduled_at: datetime | None) -> datetime:
    """The time a completion form proposes: the scheduled time unless it is still ahead."""
    now = datetime.now(UTC)
    return scheduled_at if scheduled_at is not None and scheduled_at <= now else now


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
        # In UTC: a zone's historical offset (Paris was +00:09:21 in 1200) is not ISO 8601,
        # and the schema then says the date is out of range instead of naming a parse error.
        return parsed.astimezone(UTC).isoformat()
    except (OverflowError, ValueError):
        return text


def typed_contact_id(db: Session, user: User, text: str) -> str | None:
    """The interview's typed contact field as the id the schema reads; None when empty."""
    found = contact_references.typed_contact_id(db, user, text, "contact")
    return None if found is None else str(found)


def contact_text(db: Session, user: User, contact_id: int | None) -> str:
    """What a contact field shows for a contact id ("" for none, or anyone else's)."""
    return contact_references.contact_field_value(db, user, contact_id) if contact_id else ""


def record_values(db: Session, user: User, interview: Interview) -> dict[str, Any]:
    """The interview's fields as its edit form shows them."""
    tz_name = user.timezone
    return {
        "contact": contact_text(db, user, interview.contact_id),
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
    """Everything the interview page (and its sections) shows."""
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
        "referrals": service.referrals_of(db, user, interview),
        "banks": agenda_service.readable_banks(db, user),
        "picker": None,
        "picker_bank_id": None,
        "picker_category": "",
        "typed": {},  # a refused section form's values (save_detail_section)
        "scheduled_value": local_input(interview.scheduled_at, user.timezone),
        # Completing proposes when it happened: the scheduled time, or now if that is ahead.
        "held_value": local_input(held_default(interview.scheduled_at), user.timezone),
        "errors": {},
        "message": None,
        # A section sent alone (HTMX) also refreshes the version every form on the page holds.
        "refresh_version": False,
    }
    ctx.update(extra)
    return ctx


def save_section(
    request: Request,
    db: Session,
    save: Callable[[], T],
    show: Callable[..., Response],
    *,
    url: str,
    message: Callable[[T], str | None] = lambda _: None,
) -> Response:
    """Save one section's form through the one form flow (``save_form``).

    ``show(errors=..., message=..., stale=...)`` renders the page, or for HTMX just the
    section. A refusal shows it with the errors (422), or as stale or with the conflict (409);
    a success gives HTMX the section again and a plain form post a 303 to ``url``."""
    saved: list[T] = []

    def done(result: T) -> str:
        saved.append(result)
        return url

    response = save_form(
        db,
        save,
        done=done,
        invalid=lambda errors: show(errors=errors),
        stale=lambda: show(stale=True),
        conflict=lambda exc: show(errors={"form": exc.detail}),
    )
    if saved and is_htmx(request):
        return show(message=message(saved[0]))
    return response


def save_detail_section(
    request: Request,
    db: Session,
    user: User,
    interview_id: int,
    block: str,
    form: FormData,
    save: Callable[[], T],
    *,
    message: Callable[[T], str | None] = lambda _: None,
) -> Response:
    """Save a form of the interview page's section ``block`` (``save_section``): the page
    (or for HTMX the section) again, or a 303 to the section's anchor.

    A refusal shows the section's forms with what was sent in their fields."""
    typed = form_values(form)

    def show(
        errors: dict[str, str] | None = None, message: str | None = None, stale: bool = False
    ) -> Response:
        interview = service.get_interview(db, user, interview_id)
        errors = {"form": STALE_SECTION} if stale else errors or {}
        ctx = detail_context(
            db, user, interview, errors=errors, message=message, refresh_version=is_htmx(request)
        )
        if errors:
            ctx["typed"] = typed
        return render(request, DETAIL, ctx, block=block)

    url = f"/interviews/{interview_id}#{block}"
    return save_section(request, db, save, show, url=url, message=message)
