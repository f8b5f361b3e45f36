"""Resume pages: the list, the upload form, a version's page, edit, download, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.auth.models import User
from app.errors import Invalid, PayloadTooLarge, UnsupportedMediaType
from app.resumes import service
from app.resumes.files import MAX_RESUME_BYTES, download_headers
from app.resumes.models import Resume
from app.resumes.schemas import ResumeCreate, ResumeFilters, ResumeUpdate
from app.resumes.shares import service as shares_service
from app.timezones import user_zone
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, form_values, form_version, parse_form
from app.web.listing import ListQueryDep
from app.web.pages import confirm_delete, list_page, query_filters, save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
MAX_MB = MAX_RESUME_BYTES // 2**20
ACCEPT = ".pdf,.docx,.txt,.md,.markdown,application/pdf,text/plain,text/markdown"


SORT_CHOICES = [
    ("-created_at", "Newest first"),
    ("label", "Label (A–Z)"),
    ("-updated_at", "Recently changed"),
    ("-size_bytes", "Largest first"),
]


@router.get("/resumes", response_class=HTMLResponse)
def resumes_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    filters = query_filters(request, ResumeFilters, (), q=listing.q)
    page = service.list_resumes(
        db, user, q=filters.q, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    return list_page(
        request,
        "resumes/list.html",
        section="resumes",
        page=page,
        filters=filters,
        sort=listing.sort or SORT_CHOICES[0][0],
        sort_choices=SORT_CHOICES,
    )


def _words(values: dict[str, Any]) -> dict[str, Any]:
    """The label and notes a form sent (a file field or stray fields are not words)."""
    return {name: values[name] for name in ("label", "notes") if isinstance(values.get(name), str)}


# ---- upload ------------------------------------------------------------------------------


def _upload_page(
    request: Request, values: dict[str, Any], errors: dict[str, str] | None = None
) -> HTMLResponse:
    context = {
        "section": "resumes",
        "values": values,
        "errors": errors or {},
        "max_mb": MAX_MB,
        "accept": ACCEPT,
    }
    return render(request, "resumes/upload.html", context)


@router.get("/resumes/new", response_class=HTMLResponse)
def new_resume_page(request: Request, user: PageUser) -> Response:
    return _upload_page(request, {})


@router.post("/resumes/new", response_class=HTMLResponse)
def upload_resume_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = _words(form_values(form))
    upload = form.get("file")
    # A refused file is shown beside the field like any invalid input, under its own status.
    refusal: dict[str, int] = {}

    def save() -> Resume:
        data = parse_form(ResumeCreate, values)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid.one("file", "Choose the file to upload.")
        content = upload.file.read(MAX_RESUME_BYTES + 1)
        try:
            return service.create_resume(db, user, data, content, upload.filename)
        except (UnsupportedMediaType, PayloadTooLarge) as exc:
            refusal["status"] = 415 if isinstance(exc, UnsupportedMediaType) else 413
            raise Invalid.one("file", exc.detail) from None

    response = save_form(
        db,
        save,
        done=lambda resume: f"/resumes/{resume.id}",
        invalid=lambda errors: _upload_page(request, values, errors),
    )
    if "status" in refusal:
        response.status_code = refusal["status"]
    return response


# ---- one version ---------------------------------------------------------------------------


def resume_page_context(db: SessionDep, user: User, resume: Resume) -> dict[str, Any]:
    """What a version's page shows: the version and who received it."""
    return {
        "section": "resumes",
        "resume": resume,
        "shares": shares_service.shares_of_resume(db, user, resume.id or 0),
        "today": datetime.now(user_zone(user.timezone)).date().isoformat(),
    }


@router.get("/resumes/{resume_id}", response_class=HTMLResponse)
def resume_page(request: Request, resume_id: RowId, db: SessionDep, user: PageUser) -> Response:
    resume = service.get_resume(db, user, resume_id)
    context = {**resume_page_context(db, user, resume), "share_values": {}, "share_errors": {}}
    return render(request, "resumes/detail.html", context)


@router.get("/resumes/{resume_id}/file")
def resume_download(resume_id: RowId, db: SessionDep, user: PageUser) -> Response:
    resume, content = service.resume_content(db, user, resume_id)
    return Response(
        content, media_type=resume.content_type, headers=download_headers(resume.file_name)
    )


def _edit_page(
    request: Request,
    resume: Resume,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Resume | None = None,
) -> HTMLResponse:
    context = {
        "section": "resumes",
        "resume": resume,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
    }
    return render(request, "resumes/edit.html", context)


@router.get("/resumes/{resume_id}/edit", response_class=HTMLResponse)
def edit_resume_page(
    request: Request, resume_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    resume = service.get_resume(db, user, resume_id)
    values = {"label": resume.label, "notes": resume.notes, "version": str(resume.version)}
    return _edit_page(request, resume, values)


@router.post("/resumes/{resume_id}/edit", response_class=HTMLResponse)
def edit_resume_submit(
    request: Request, resume_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    resume = service.get_resume(db, user, resume_id)
    raw = form_values(form, drop_empty=False)
    values, version = _words(raw), raw.get("version")

    def save() -> Resume:
        expected = form_version(version)
        data = parse_form(ResumeCreate, values)
        return service.update_resume(
            db, user, resume_id, ResumeUpdate(**data.model_dump()), expected_version=expected
        )

    def stale() -> Response:
        current = service.get_resume(db, user, resume_id)
        return _edit_page(
            request, current, {**values, "version": str(current.version)}, conflict=current
        )

    return save_form(
        db,
        save,
        done=lambda _: f"/resumes/{resume_id}",
        invalid=lambda errors: _edit_page(request, resume, {**values, "version": version}, errors),
        stale=stale,
    )


# ---- delete --------------------------------------------------------------------------------


def _delete_page(
    request: Request, db: SessionDep, user: User, resume: Resume, message: str | None = None
) -> HTMLResponse:
    context = {**resume_page_context(db, user, resume), "message": message}
    return render(request, "resumes/delete.html", context)


@router.get("/resumes/{resume_id}/delete", response_class=HTMLResponse)
def delete_resume_page(
    request: Request, resume_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    return _delete_page(request, db, user, service.get_resume(db, user, resume_id))


@router.post("/resumes/{resume_id}/delete", response_class=HTMLResponse)
def delete_resume_submit(
    request: Request, resume_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    service.get_resume(db, user, resume_id)
    values = form_values(form)
    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_resume(
            db, user, resume_id, expected_version=expected, confirm=values.get("confirm") == "true"
        ),
        refused=lambda message: _delete_page(
            request, db, user, service.get_resume(db, user, resume_id), message
        ),
        done="/resumes",
    )
