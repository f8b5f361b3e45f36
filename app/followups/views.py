"""Follow-up pages: the due list with filters and bulk actions, a task's page, its forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.errors import Invalid
from app.followups import service
from app.followups.models import FollowUp
from app.followups.schemas import (
    FollowUpCreate,
    FollowUpDone,
    FollowUpFilters,
    FollowUpSettingsUpdate,
    FollowUpUpdate,
)
from app.interactions.models import INTERACTION_KINDS
from app.resumes.shares import service as shares_service
from app.timezones import user_zone
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, form_values, form_version, parse_form, small_int
from app.web.pages import confirm_delete, is_filtered, query_filters, save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
KIND_CHOICES = list(service.KIND_LABELS.items())
STATUS_CHOICES = [("open", "Open"), ("done", "Done"), ("skipped", "Skipped")]
FILTER_FIELDS = ("status", "kind", "contact_id", "career_id")
_CHOICES = {
    "kinds": KIND_CHOICES,
    "statuses": STATUS_CHOICES,
    "kind_labels": service.KIND_LABELS,
    "status_labels": dict(STATUS_CHOICES),
    "interaction_kinds": [(k, k.capitalize()) for k in INTERACTION_KINDS],
}


def _safe_next(raw: str | None, fallback: str) -> str:
    """Only a path on this site (never //host or a scheme) may be a redirect target."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return fallback


# ---- the due list ----------------------------------------------------------------------


def _list_page(
    request: Request,
    db: SessionDep,
    user: User,
    filters: FollowUpFilters,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "followups",
        "due": service.due_list(db, user, filters),
        "filters": filters,
        "filtered": is_filtered(filters),
        "contacts": service.contact_choices(db, user),
        "careers": service.career_choices(db, user),
        "check_ins": service.check_ins_due(db, user),
        "settings": service.get_settings(db, user),
        "errors": errors or {},
        **_CHOICES,
    }
    return render(request, "followups/list.html", context, block="results", status_code=status_code)


@router.get("/follow-ups", response_class=HTMLResponse)
def follow_ups_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    filters = query_filters(request, FollowUpFilters, FILTER_FIELDS)
    return _list_page(request, db, user, filters)


@router.get("/follow-ups/badge", response_class=HTMLResponse)
def follow_ups_badge(request: Request, db: SessionDep, user: PageUser) -> Response:
    # Loaded by HTMX from the navigation, so ordinary pages never pay for the count.
    return render(request, "followups/_badge.html", {"count": service.count_due(db, user)})


@router.post("/follow-ups/bulk", response_class=HTMLResponse)
def bulk_submit(request: Request, db: SessionDep, user: PageUser, form: FormDep) -> Response:
    values = form_values(form, lists=("ids",))
    action = values.get("action")
    log = values.get("log_interaction") == "1"

    def save() -> int:
        ids = [small_int(raw) for raw in values.get("ids", [])]
        if any(i is None or i < 1 for i in ids):
            raise Invalid.one("ids", "The form is damaged; reload the page and try again.")
        chosen = [i for i in ids if i is not None]
        if action == "done":
            return service.bulk_done(db, user, chosen, log_interaction=log)
        if action == "snooze":
            return service.bulk_snooze(db, user, chosen)
        raise Invalid.one("action", "Choose “Mark done” or “Snooze a week”.")

    return save_form(
        db,
        save,
        done=lambda _count: _safe_next(values.get("next"), "/follow-ups"),
        invalid=lambda errors: _list_page(request, db, user, FollowUpFilters(), errors=errors),
    )


@router.post("/follow-ups/check-ins", response_class=HTMLResponse)
def check_in_submit(request: Request, db: SessionDep, user: PageUser, form: FormDep) -> Response:
    values = form_values(form)

    def save() -> FollowUp:
        contact_id = small_int(values.get("contact_id"))
        if not contact_id:
            raise Invalid.one("contact_id", "Choose a contact.")
        return service.create_check_in(db, user, contact_id)

    return save_form(
        db,
        save,
        done=lambda row: f"/follow-ups/{row.id}",
        invalid=lambda errors: _list_page(request, db, user, FollowUpFilters(), errors=errors),
    )


# ---- settings --------------------------------------------------------------------------


def _settings_page(
    request: Request, values: dict[str, Any], errors: dict[str, str] | None = None
) -> HTMLResponse:
    context = {"section": "followups", "values": values, "errors": errors or {}}
    return render(request, "followups/settings.html", context)


@router.get("/follow-ups/settings", response_class=HTMLResponse)
def settings_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    current = service.get_settings(db, user)
    values = {
        "thank_you_delay_hours": str(current.thank_you_delay_hours),
        "email_digest": "1" if current.email_digest else "",
    }
    return _settings_page(request, values)


@router.post("/follow-ups/settings", response_class=HTMLResponse)
def settings_submit(request: Request, db: SessionDep, user: PageUser, form: FormDep) -> Response:
    values = form_values(form)
    payload = {
        "thank_you_delay_hours": values.get("thank_you_delay_hours", ""),
        "email_digest": values.get("email_digest") == "1",
    }
    return save_form(
        db,
        lambda: service.save_settings(db, user, parse_form(FollowUpSettingsUpdate, payload)),
        done=lambda _row: "/follow-ups",
        invalid=lambda errors: _settings_page(request, values, errors),
    )


# ---- create and edit -------------------------------------------------------------------


def _local_input(row: FollowUp, tz: str) -> str:
    return row.due_at.astimezone(user_zone(tz)).strftime("%Y-%m-%dT%H:%M")


def _payload(values: dict[str, Any], tz: str) -> dict[str, Any]:
    """Form values as the schema takes them: a datetime-local field is the user's time."""
    payload = {k: v for k, v in values.items() if k not in ("version", "next")}
    due = payload.get("due_at")
    if isinstance(due, str) and due and len(due) <= 19 and "+" not in due and "Z" not in due:
        try:
            naive = datetime.fromisoformat(due)
        except ValueError:
            # Left as typed: the schema reports it together with every other field.
            return payload
        payload["due_at"] = naive.replace(tzinfo=user_zone(tz)).isoformat()
    return payload


def _form_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    row: FollowUp | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: FollowUp | None = None,
) -> HTMLResponse:
    context = {
        "section": "followups",
        "follow_up": row,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
        "contacts": service.contact_choices(db, user),
        **_CHOICES,
    }
    return render(request, "followups/form.html", context)


@router.get("/follow-ups/new", response_class=HTMLResponse)
def new_follow_up_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    values: dict[str, Any] = {"kind": "custom"}
    contact_id = small_int(request.query_params.get("contact_id"))
    if contact_id:
        values["contact_id"] = str(contact_id)
    return _form_page(request, db, user, row=None, values=values)


@router.post("/follow-ups/new", response_class=HTMLResponse)
def create_follow_up_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    return save_form(
        db,
        lambda: service.create_follow_up(
            db, user, parse_form(FollowUpCreate, _payload(values, user.timezone))
        ),
        done=lambda row: f"/follow-ups/{row.id}",
        invalid=lambda errors: _form_page(
            request, db, user, row=None, values=values, errors=errors
        ),
    )


def _values_of(row: FollowUp, tz: str) -> dict[str, Any]:
    return {
        "contact_id": str(row.contact_id),
        "kind": row.kind,
        "status": row.status,
        "due_at": _local_input(row, tz),
        "subject": row.subject,
        "message": row.message,
        "notes": row.notes,
        "version": str(row.version),
    }


@router.get("/follow-ups/{follow_up_id}/edit", response_class=HTMLResponse)
def edit_follow_up_page(
    request: Request, follow_up_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    row = service.get_follow_up(db, user, follow_up_id)
    return _form_page(request, db, user, row=row, values=_values_of(row, user.timezone))


@router.post("/follow-ups/{follow_up_id}/edit", response_class=HTMLResponse)
def edit_follow_up_submit(
    request: Request, follow_up_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    row = service.get_follow_up(db, user, follow_up_id)
    values = form_values(form, drop_empty=False)

    def save() -> FollowUp:
        expected = form_version(values.get("version"))
        payload = {k: v for k, v in _payload(values, user.timezone).items() if v != ""}
        for field in ("subject", "message", "notes"):
            payload.setdefault(field, "")
        data = parse_form(FollowUpUpdate, payload)
        return service.update_follow_up(db, user, follow_up_id, data, expected_version=expected)

    def stale() -> Response:
        current = service.get_follow_up(db, user, follow_up_id)
        kept = {**values, "version": str(current.version)}
        return _form_page(request, db, user, row=current, values=kept, conflict=current)

    return save_form(
        db,
        save,
        done=lambda _row: f"/follow-ups/{follow_up_id}",
        invalid=lambda errors: _form_page(request, db, user, row=row, values=values, errors=errors),
        stale=stale,
    )


# ---- one follow-up: its page, done, delete ---------------------------------------------


def _detail_page(
    request: Request,
    db: SessionDep,
    user: User,
    row: FollowUp,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    contact = service.contacts_of(db, user, [row]).get(row.contact_id)
    resumes = (
        shares_service.resume_choices(db, user)
        if row.kind == "send_resume" and row.status == "open"
        else []
    )
    if values is None:
        # The newest version is the likeliest to have gone; "Not recorded" is one click away.
        values = {"log_interaction": "1", "interaction_kind": ""}
        if resumes:
            values["resume_id"] = str(resumes[0][0])
    context = {
        "section": "followups",
        "follow_up": row,
        "contact": contact,
        "mailto": service.mailto_of(row, contact),
        "errors": errors or {},
        "values": values,
        # A send-resume task asks which version went, and records it on the contact.
        "resumes": resumes,
        **_CHOICES,
    }
    return render(request, "followups/detail.html", context)


@router.get("/follow-ups/{follow_up_id}", response_class=HTMLResponse)
def follow_up_page(
    request: Request, follow_up_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    return _detail_page(request, db, user, service.get_follow_up(db, user, follow_up_id))


@router.post("/follow-ups/{follow_up_id}/done", response_class=HTMLResponse)
def done_submit(
    request: Request, follow_up_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    row = service.get_follow_up(db, user, follow_up_id)
    values = form_values(form)

    def save() -> FollowUp:
        payload: dict[str, Any] = {"log_interaction": values.get("log_interaction") == "1"}
        if values.get("interaction_kind"):
            payload["interaction_kind"] = values["interaction_kind"]
        if values.get("summary"):
            payload["summary"] = values["summary"]
        if values.get("resume_id"):
            payload["resume_id"] = values["resume_id"]
        data = parse_form(FollowUpDone, payload)
        return service.close_follow_up(
            db, user, follow_up_id, data, expected_version=form_version(values.get("version"))
        )

    return save_form(
        db,
        save,
        done=lambda done: _safe_next(values.get("next"), f"/contacts/{done.contact_id}"),
        invalid=lambda errors: _detail_page(request, db, user, row, errors=errors, values=values),
        stale=lambda: _detail_page(
            request,
            db,
            user,
            service.get_follow_up(db, user, follow_up_id),
            errors={"form": "This follow-up was changed meanwhile; check it and try again."},
            values=values,
        ),
    )


@router.get("/follow-ups/{follow_up_id}/delete", response_class=HTMLResponse)
def delete_follow_up_page(
    request: Request, follow_up_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    row = service.get_follow_up(db, user, follow_up_id)
    return render(
        request, "followups/delete.html", {"section": "followups", "follow_up": row, **_CHOICES}
    )


@router.post("/follow-ups/{follow_up_id}/delete", response_class=HTMLResponse)
def delete_follow_up_submit(
    request: Request, follow_up_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    row = service.get_follow_up(db, user, follow_up_id)
    values = form_values(form)
    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_follow_up(
            db, user, follow_up_id, expected_version=expected
        ),
        refused=lambda message: render(
            request,
            "followups/delete.html",
            {"section": "followups", "follow_up": row, "message": message, **_CHOICES},
        ),
        done="/follow-ups",
    )
