"""Share forms on a resume's page: record who received it, their feedback, or forget one."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.contacts.references import service as references
from app.errors import Invalid
from app.resumes import service as resumes_service
from app.resumes.shares import service
from app.resumes.shares.models import ResumeShare
from app.resumes.shares.schemas import ShareCreate, ShareUpdate
from app.resumes.views import resume_page_context
from app.timezones import user_zone
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, form_values, form_version, parse_form
from app.web.pages import confirm_delete, save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()


def _shared_at(user: User, day: str | None) -> str | None:
    """A form's "sent on" day as midday in the user's zone (None: now)."""
    if not day:
        return None
    try:
        parsed = date.fromisoformat(day.strip())
    except ValueError:
        raise Invalid.one("shared_on", "Give the day as YYYY-MM-DD.") from None
    return datetime.combine(parsed, time(12), tzinfo=user_zone(user.timezone)).isoformat()


def _day_of(user: User, share: ResumeShare) -> str:
    return share.shared_at.astimezone(user_zone(user.timezone)).date().isoformat()


@router.get("/resumes/contact-options", response_class=HTMLResponse)
def share_contact_options(
    request: Request,
    db: SessionDep,
    user: PageUser,
    contact: Annotated[str, Query(max_length=220)] = "",
) -> Response:
    """<option>s for the share form's contact field (its <datalist>), as every contact field
    offers them."""
    options = references.contact_suggestions(db, user, contact)
    return render(request, "contacts/_contact_options.html", {"options": options})


@router.post("/resumes/{resume_id}/shares", response_class=HTMLResponse)
def add_share_submit(
    request: Request, resume_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    resume = resumes_service.get_resume(db, user, resume_id)
    values = form_values(form, drop_empty=False)
    typed = {name: str(values.get(name, "")) for name in ("contact", "shared_on", "feedback")}

    def save() -> ResumeShare:
        contact_id = service.typed_contact_id(db, user, typed["contact"])
        fields: dict[str, Any] = {"contact_id": contact_id, "feedback": typed["feedback"]}
        shared_at = _shared_at(user, typed["shared_on"])
        if shared_at:
            fields["shared_at"] = shared_at
        return service.create_share(db, user, resume_id, parse_form(ShareCreate, fields))

    def invalid(errors: dict[str, str]) -> Response:
        if "contact_id" in errors:
            errors.setdefault("contact", errors["contact_id"])
        if "shared_at" in errors:
            errors.setdefault("shared_on", errors["shared_at"])
        context = {
            **resume_page_context(db, user, resume),
            "share_values": typed,
            "share_errors": errors,
        }
        return render(request, "resumes/detail.html", context)

    return save_form(db, save, done=lambda _: f"/resumes/{resume_id}#shares", invalid=invalid)


def _share_page(
    request: Request,
    share: ResumeShare,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    conflict: ResumeShare | None = None,
    message: str | None = None,
) -> HTMLResponse:
    context = {
        "section": "resumes",
        "share": share,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
        "message": message,
    }
    return render(request, "resumes/share_edit.html", context)


def _values_of(user: User, share: ResumeShare) -> dict[str, Any]:
    return {
        "feedback": share.feedback,
        "shared_on": _day_of(user, share),
        "version": str(share.version),
    }


@router.get("/resumes/{resume_id}/shares/{share_id}/edit", response_class=HTMLResponse)
def edit_share_page(
    request: Request, resume_id: RowId, share_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    share = service.get_share(db, user, resume_id, share_id)
    return _share_page(request, share, _values_of(user, share))


@router.post("/resumes/{resume_id}/shares/{share_id}/edit", response_class=HTMLResponse)
def edit_share_submit(
    request: Request,
    resume_id: RowId,
    share_id: RowId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    share = service.get_share(db, user, resume_id, share_id)
    raw = form_values(form, drop_empty=False)
    typed = {name: str(raw.get(name, "")) for name in ("feedback", "shared_on")}
    version = raw.get("version")

    def save() -> ResumeShare:
        expected = form_version(version)
        fields: dict[str, Any] = {"feedback": typed["feedback"]}
        shared_at = _shared_at(user, typed["shared_on"])
        if shared_at:
            fields["shared_at"] = shared_at
        data = parse_form(ShareUpdate, fields)
        return service.update_share(db, user, resume_id, share_id, data, expected_version=expected)

    def stale() -> Response:
        current = service.get_share(db, user, resume_id, share_id)
        values = {**typed, "version": str(current.version)}
        return _share_page(request, current, values, conflict=current)

    def invalid(errors: dict[str, str]) -> Response:
        if "shared_at" in errors:
            errors.setdefault("shared_on", errors["shared_at"])
        return _share_page(request, share, {**typed, "version": version}, errors=errors)

    return save_form(
        db, save, done=lambda _: f"/resumes/{resume_id}#shares", invalid=invalid, stale=stale
    )


@router.post("/resumes/{resume_id}/shares/{share_id}/delete", response_class=HTMLResponse)
def delete_share_submit(
    request: Request,
    resume_id: RowId,
    share_id: RowId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    service.get_share(db, user, resume_id, share_id)
    values = form_values(form)

    def refused(message: str) -> Response:
        current = service.get_share(db, user, resume_id, share_id)
        return _share_page(request, current, _values_of(user, current), message=message)

    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_share(
            db, user, resume_id, share_id, expected_version=expected
        ),
        refused=refused,
        done=f"/resumes/{resume_id}#shares",
    )
