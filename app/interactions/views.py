"""The contact page's timeline: add (inline, HTMX), edit and delete interactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.auth.models import User
from app.contacts import service as contacts_service
from app.contacts.views import detail_page, local_input
from app.errors import NotFound
from app.interactions import service
from app.interactions.models import KIND_LABELS, Interaction
from app.interactions.schemas import InteractionCreate, InteractionUpdate
from app.timezones import user_zone
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, form_version, parse_form, see_other
from app.web.pages import save_form
from app.web.routing import page_router
from app.web.templating import is_htmx, render

router = page_router()


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


def _timeline_done(request: Request, db: SessionDep, user: User, contact_id: int) -> Response:
    """After a timeline write: HTMX gets the fresh timeline, a plain form goes back to it."""
    if is_htmx(request):
        return detail_page(request, db, user, contact_id)
    return see_other(f"/contacts/{contact_id}#timeline")


@router.post("/contacts/{contact_id}/interactions", response_class=HTMLResponse)
def add_interaction_submit(
    request: Request, contact_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    contacts_service.get_contact(db, user, contact_id)
    typed, payload = _interaction_payload(form, user)
    return save_form(
        db,
        lambda: service.create_interaction(
            db, user, parse_form(InteractionCreate, {**payload, "contact_id": contact_id})
        ),
        success=lambda _: _timeline_done(request, db, user, contact_id),
        invalid=lambda errors: detail_page(
            request, db, user, contact_id, values=typed, errors=errors
        ),
    )


def _owned_interaction(
    db: SessionDep, user: User, contact_id: int, interaction_id: int
) -> Interaction:
    contacts_service.get_contact(db, user, contact_id)
    interaction = service.get_interaction(db, user, interaction_id)
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
) -> HTMLResponse:
    context = {
        "section": "contacts",
        "contact": contacts_service.get_contact(db, user, interaction.contact_id),
        "interaction": interaction,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
        "kinds": list(KIND_LABELS.items()),
    }
    return render(request, "contacts/interaction_form.html", context)


@router.get(
    "/contacts/{contact_id}/interactions/{interaction_id}/edit", response_class=HTMLResponse
)
def edit_interaction_page(
    request: Request, contact_id: RowId, interaction_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    interaction = _owned_interaction(db, user, contact_id, interaction_id)
    values = {
        "kind": interaction.kind,
        "occurred_at": local_input(interaction.occurred_at, user),
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

    def save() -> Interaction:
        expected = form_version(typed.get("version"))
        data = parse_form(InteractionUpdate, payload)
        return service.update_interaction(db, user, interaction_id, data, expected_version=expected)

    def stale() -> Response:
        # Saving again from the re-rendered form is a deliberate overwrite of the newer version.
        current = service.get_interaction(db, user, interaction_id)
        typed["version"] = str(current.version)
        return _edit_page(request, db, user, current, values=typed, conflict=True)

    return save_form(
        db,
        save,
        done=lambda _: f"/contacts/{contact_id}#timeline",
        invalid=lambda errors: _edit_page(
            request, db, user, interaction, values=typed, errors=errors
        ),
        stale=stale,
    )


@router.post(
    "/contacts/{contact_id}/interactions/{interaction_id}/delete", response_class=HTMLResponse
)
def delete_interaction_submit(
    request: Request, contact_id: RowId, interaction_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    _owned_interaction(db, user, contact_id, interaction_id)
    return save_form(
        db,
        lambda: service.delete_interaction(db, user, interaction_id),
        success=lambda _: _timeline_done(request, db, user, contact_id),
        invalid=lambda errors: detail_page(request, db, user, contact_id, errors=errors),
    )
