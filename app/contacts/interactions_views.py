"""The contact page's timeline: add (inline, HTMX), edit and delete interactions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.auth.models import User
from app.contacts import interactions_service, pages_service
from app.contacts.models import Interaction
from app.contacts.schemas import InteractionCreate, InteractionUpdate
from app.db import utcnow
from app.errors import Invalid, NotFound, PreconditionFailed
from app.schemakit import MAX_INT32
from app.timezones import user_zone
from app.web.deps import PageUser, SessionDep
from app.web.forms import FormDep, field_errors, parse_form, see_other, small_int
from app.web.templating import is_htmx, render

router = APIRouter()
RowId = Annotated[int, Path(ge=1, le=MAX_INT32)]
KIND_CHOICES = [
    ("email", "Email"),
    ("call", "Call"),
    ("meeting", "Meeting"),
    ("letter", "Letter"),
    ("message", "Message"),
]
STAGE_LABELS = {
    "prospect": "Prospect",
    "contacted": "Contacted",
    "met": "Met",
    "in_network": "In network",
}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _local_input(value: datetime, user: User) -> str:
    return value.astimezone(user_zone(user.timezone)).strftime(LOCAL_INPUT)


def _interaction_payload(form: FormData, user: User) -> tuple[dict[str, str], dict[str, Any]]:
    """(the values as typed; the schema payload with a naive time read in the user's zone)."""
    typed = {
        name: value
        for name in ("kind", "occurred_at", "summary", "version")
        if isinstance(value := form.get(name), str)
    }
    payload: dict[str, Any] = {k: v for k, v in typed.items() if k != "version"}
    raw = typed.get("occurred_at", "").strip()
    if not raw:
        payload.pop("occurred_at", None)
    else:
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            pass  # the schema names the field and explains the format
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=user_zone(user.timezone))
            payload["occurred_at"] = when
    return typed, payload


def detail_page(
    request: Request,
    db: SessionDep,
    user: User,
    contact_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The contact page; HTMX requests from the timeline form get the timeline block only."""
    detail = pages_service.contact_detail(db, user, contact_id)
    context = {
        "section": "contacts",
        "detail": detail,
        "contact": detail.contact,
        "interactions": interactions_service.timeline(db, user, contact_id),
        "values": values or {"kind": "email", "occurred_at": _local_input(utcnow(), user)},
        "errors": errors or {},
        "kinds": KIND_CHOICES,
        "kind_labels": dict(KIND_CHOICES),
        "stage_labels": STAGE_LABELS,
        "now": utcnow(),
    }
    return render(
        request, "contacts/detail.html", context, block="timeline", status_code=status_code
    )


@router.post("/contacts/{contact_id}/interactions", response_class=HTMLResponse)
def add_interaction_submit(
    request: Request, contact_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    pages_service.get_contact(db, user, contact_id)
    typed, payload = _interaction_payload(form, user)
    try:
        data = parse_form(InteractionCreate, {**payload, "contact_id": contact_id})
        interactions_service.create_interaction(db, user, data)
    except Invalid as exc:
        db.rollback()
        return detail_page(
            request,
            db,
            user,
            contact_id,
            values=typed,
            errors=field_errors(exc),
            status_code=422,
        )
    if is_htmx(request):
        return detail_page(request, db, user, contact_id)
    return see_other(f"/contacts/{contact_id}#timeline")


def _owned_interaction(
    db: SessionDep, user: User, contact_id: int, interaction_id: int
) -> Interaction:
    pages_service.get_contact(db, user, contact_id)
    interaction = interactions_service.get_interaction(db, user, interaction_id)
    if interaction.contact_id != contact_id:
        raise NotFound(detail=f"No interaction with id {interaction_id}.")
    return interaction


def _edit_page(
    request: Request,
    db: SessionDep,
    user: User,
    interaction: Interaction,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    conflict: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "contacts",
        "contact": pages_service.get_contact(db, user, interaction.contact_id),
        "interaction": interaction,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
        "kinds": KIND_CHOICES,
    }
    return render(request, "contacts/interaction_form.html", context, status_code=status_code)


@router.get(
    "/contacts/{contact_id}/interactions/{interaction_id}/edit", response_class=HTMLResponse
)
def edit_interaction_page(
    request: Request, contact_id: RowId, interaction_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    interaction = _owned_interaction(db, user, contact_id, interaction_id)
    values = {
        "kind": interaction.kind,
        "occurred_at": _local_input(interaction.occurred_at, user),
        "summary": interaction.summary,
        "version": str(interaction.version),
    }
    return _edit_page(request, db, user, interaction, values=values)


@router.post(
    "/contacts/{contact_id}/interactions/{interaction_id}/edit", response_class=HTMLResponse
)
def edit_interaction_submit(
    request: Request,
    contact_id: RowId,
    interaction_id: RowId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    interaction = _owned_interaction(db, user, contact_id, interaction_id)
    typed, payload = _interaction_payload(form, user)
    version = typed.get("version", "")
    expected = small_int(version) or 0
    try:
        data = parse_form(InteractionUpdate, payload)
        interactions_service.update_interaction(
            db, user, interaction_id, data, expected_version=expected
        )
    except Invalid as exc:
        db.rollback()
        return _edit_page(
            request, db, user, interaction, values=typed, errors=field_errors(exc), status_code=422
        )
    except PreconditionFailed:
        db.rollback()
        typed["version"] = str(interaction.version)
        return _edit_page(
            request, db, user, interaction, values=typed, conflict=True, status_code=409
        )
    return see_other(f"/contacts/{contact_id}#timeline")


@router.post(
    "/contacts/{contact_id}/interactions/{interaction_id}/delete", response_class=HTMLResponse
)
def delete_interaction_submit(
    request: Request, contact_id: RowId, interaction_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    _owned_interaction(db, user, contact_id, interaction_id)
    interactions_service.delete_interaction(db, user, interaction_id)
    if is_htmx(request):
        return detail_page(request, db, user, contact_id)
    return see_other(f"/contacts/{contact_id}#timeline")
