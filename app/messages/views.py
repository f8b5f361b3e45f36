"""Message template pages: the list, a template with its preview, the editor, copy, delete."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.errors import Invalid
from app.followups.service import contact_choices
from app.messages import service
from app.messages.drafts import VARIABLES, Draft
from app.messages.models import MessageTemplate
from app.messages.schemas import (
    MessageTemplateCreate,
    MessageTemplateFilters,
    MessageTemplateUpdate,
)
from app.validation import small_int
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, field_errors, form_values, form_version, parse_form
from app.web.pages import confirm_delete, save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
KIND_CHOICES = [
    ("outreach", "Outreach request"),
    ("thank_you", "Thank you"),
    ("status_update", "Job-search status update"),
    ("check_in", "Check-in"),
    ("send_resume", "Resume cover note"),
    ("thank_introducer", "Thank the introducer"),
    ("keep_promise", "Keeping a promise"),
    ("custom", "Other"),
]
_CHOICES = {"kinds": KIND_CHOICES, "kind_labels": dict(KIND_CHOICES), "variables": VARIABLES}


def _preview(
    db: SessionDep, user: User, values: dict[str, Any]
) -> tuple[Draft | None, dict[str, str]]:
    """The draft for what is in the editor, or the errors that stop it (never raised)."""
    try:
        draft = service.render_source(
            db,
            user,
            kind=str(values.get("kind") or "custom"),
            subject=str(values.get("subject") or ""),
            body=str(values.get("body") or ""),
            contact_id=small_int(values.get("contact_id")) or None,
        )
    except Invalid as exc:
        return None, field_errors(exc)
    return draft, {}


@router.get("/message-templates", response_class=HTMLResponse)
def templates_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    page = service.list_templates(db, user, MessageTemplateFilters(), limit=200)
    context = {"section": "followups", "templates": page.items, **_CHOICES}
    return render(request, "messages/list.html", context)


def _editor(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    row: MessageTemplate | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: MessageTemplate | None = None,
) -> HTMLResponse:
    draft, preview_errors = _preview(db, user, values)
    context = {
        "section": "followups",
        "template": row,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
        "draft": draft,
        "preview_errors": preview_errors,
        "contacts": contact_choices(db, user),
        **_CHOICES,
    }
    return render(request, "messages/form.html", context, block="preview")


def _values_of(row: MessageTemplate) -> dict[str, Any]:
    return {
        "name": row.name,
        "kind": row.kind,
        "subject": row.subject,
        "body": row.body,
        "version": str(row.version),
    }


@router.get("/message-templates/new", response_class=HTMLResponse)
def new_template_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    return _editor(request, db, user, row=None, values={"kind": "custom", "body": ""})


def _template_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: values.get(k, "") for k in ("name", "kind", "subject", "body")}


@router.post("/message-templates/new", response_class=HTMLResponse)
def create_template_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    if values.get("action") == "preview":
        return _editor(request, db, user, row=None, values=values)
    return save_form(
        db,
        lambda: service.create_template(
            db, user, parse_form(MessageTemplateCreate, _template_values(values))
        ),
        done=lambda row: f"/message-templates/{row.id}",
        invalid=lambda errors: _editor(request, db, user, row=None, values=values, errors=errors),
    )


@router.post("/message-templates/preview", response_class=HTMLResponse)
def preview_submit(request: Request, db: SessionDep, user: PageUser, form: FormDep) -> Response:
    # HTMX posts the editor here as the user types; the answer is just the preview block.
    values = form_values(form, drop_empty=False)
    draft, errors = _preview(db, user, values)
    context = {"draft": draft, "preview_errors": errors, "values": values, **_CHOICES}
    return render(request, "messages/_preview.html", context)


@router.get("/message-templates/{template_id}", response_class=HTMLResponse)
def template_page(request: Request, template_id: RowId, db: SessionDep, user: PageUser) -> Response:
    row = service.get_template(db, user, template_id)
    values = {**_values_of(row), "contact_id": request.query_params.get("contact_id", "")}
    draft, errors = _preview(db, user, values)
    context = {
        "section": "followups",
        "template": row,
        "values": values,
        "draft": draft,
        "preview_errors": errors,
        "contacts": contact_choices(db, user),
        **_CHOICES,
    }
    return render(request, "messages/detail.html", context)


@router.post("/message-templates/{template_id}/copy", response_class=HTMLResponse)
def copy_template_submit(
    request: Request, template_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    return save_form(
        db,
        lambda: service.copy_template(db, user, template_id),
        done=lambda row: f"/message-templates/{row.id}/edit",
        invalid=lambda errors: templates_page(request, db, user),  # type: ignore[return-value]
    )


@router.get("/message-templates/{template_id}/edit", response_class=HTMLResponse)
def edit_template_page(
    request: Request, template_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    row = service.get_template(db, user, template_id)
    if row.builtin:
        return template_page(request, template_id, db, user)
    return _editor(request, db, user, row=row, values=_values_of(row))


@router.post("/message-templates/{template_id}/edit", response_class=HTMLResponse)
def edit_template_submit(
    request: Request, template_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    row = service.get_template(db, user, template_id)
    values = form_values(form, drop_empty=False)
    if values.get("action") == "preview":
        return _editor(request, db, user, row=row, values=values)

    def save() -> MessageTemplate:
        expected = form_version(values.get("version"))
        data = parse_form(MessageTemplateCreate, _template_values(values))
        return service.update_template(
            db,
            user,
            template_id,
            MessageTemplateUpdate(**data.model_dump()),
            expected_version=expected,
        )

    def stale() -> Response:
        current = service.get_template(db, user, template_id)
        kept = {**values, "version": str(current.version)}
        return _editor(request, db, user, row=current, values=kept, conflict=current)

    return save_form(
        db,
        save,
        done=lambda _row: f"/message-templates/{template_id}",
        invalid=lambda errors: _editor(request, db, user, row=row, values=values, errors=errors),
        stale=stale,
    )


@router.get("/message-templates/{template_id}/delete", response_class=HTMLResponse)
def delete_template_page(
    request: Request, template_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    row = service.get_template(db, user, template_id)
    return render(request, "messages/delete.html", {"section": "followups", "template": row})


@router.post("/message-templates/{template_id}/delete", response_class=HTMLResponse)
def delete_template_submit(
    request: Request, template_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    row = service.get_template(db, user, template_id)
    values = form_values(form)
    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_template(db, user, template_id, expected_version=expected),
        refused=lambda message: render(
            request,
            "messages/delete.html",
            {"section": "followups", "template": row, "message": message},
        ),
        done="/message-templates",
    )
