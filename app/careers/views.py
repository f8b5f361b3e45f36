"""Career pages: list with live search, detail, create / edit forms, delete with confirmation."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.auth.models import User
from app.careers import service
from app.careers.models import (
    CAREER_STATUSES,
    KIND_LABELS,
    RESOURCE_KINDS,
    STATUS_LABELS,
    Career,
)
from app.careers.schemas import CareerCreate, CareerFilters, CareerUpdate
from app.contacts.service import contacts_for
from app.progress import service as progress_service
from app.progress.charts import month_chart
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import (
    FormDep,
    form_values,
    form_version,
    parse_form,
)
from app.web.listing import ListQueryDep
from app.web.pages import confirm_delete, list_page, query_filters, save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()

STATUS_CHOICES = [(status, STATUS_LABELS[status]) for status in CAREER_STATUSES]
KIND_CHOICES = [(kind, KIND_LABELS[kind]) for kind in RESOURCE_KINDS]
INTEREST_CHOICES = [
    ("1", "1 · slightly"),
    ("2", "2"),
    ("3", "3 · curious"),
    ("4", "4"),
    ("5", "5 · very"),
]
SORT_CHOICES = [
    ("-updated_at", "Recently updated"),
    ("title", "Title (A–Z)"),
    ("-interest", "Most interesting first"),
    ("status", "Status (interested → ruled out)"),
    ("-created_at", "Newest first"),
]
FILTER_FIELDS = ("status", "industry", "interest_min")
BLANK_RESOURCE_ROWS = 3
# resources-<row>-<field>: one numbered row per resource in the form.
_RESOURCE_KEY = re.compile(r"^resources-(\d{1,2})-(url|title|kind|note)$")
_CHOICES = {
    "statuses": STATUS_CHOICES,
    "kinds": KIND_CHOICES,
    "interests": INTEREST_CHOICES,
    "status_labels": STATUS_LABELS,
    "kind_labels": KIND_LABELS,
}


# ---- list ------------------------------------------------------------------------------


@router.get("/careers", response_class=HTMLResponse)
def careers_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    filters = query_filters(request, CareerFilters, FILTER_FIELDS, q=listing.q)
    page = service.list_careers(
        db,
        user,
        filters,
        sort=listing.sort,
        limit=listing.limit,
        offset=listing.offset,
        with_notes=False,
    )
    return list_page(
        request,
        "careers/list.html",
        section="careers",
        page=page,
        filters=filters,
        sort=listing.sort or SORT_CHOICES[0][0],
        sort_choices=SORT_CHOICES,
        industries=service.industries(db, user),
        **_CHOICES,
    )


# ---- create and edit -------------------------------------------------------------------


def _read_form(form: FormData) -> tuple[dict[str, Any], list[dict[str, str]], str | None]:
    """Scalar fields, the non-blank resource rows, and the version, as typed."""
    values = form_values(form)
    version = values.pop("version", None)
    rows: dict[int, dict[str, str]] = {}
    for key in list(values):
        match = _RESOURCE_KEY.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = values.pop(key)
    # A row with only its kind chosen is an unused blank row.
    resources = [
        row for _, row in sorted(rows.items()) if any(row.get(f) for f in ("url", "title", "note"))
    ]
    return values, resources, version


def _form_page(
    request: Request,
    *,
    career: Career | None,
    values: dict[str, Any],
    resources: list[dict[str, str]],
    errors: dict[str, str] | None = None,
    conflict: Career | None = None,
) -> HTMLResponse:
    context = {
        "section": "careers",
        "career": career,
        "values": values,
        "resources": resources + [{} for _ in range(BLANK_RESOURCE_ROWS)],
        "errors": errors or {},
        "conflict": conflict,
        **_CHOICES,
    }
    return render(request, "careers/form.html", context)


def _values_of(career: Career) -> dict[str, Any]:
    return {
        "title": career.title,
        "industry": career.industry,
        "status": career.status,
        "interest": str(career.interest),
        "research_notes": career.research_notes,
        "version": str(career.version),
    }


@router.get("/careers/new", response_class=HTMLResponse)
def new_career_page(request: Request, user: PageUser) -> Response:
    values = {"status": "interested", "interest": "3"}
    return _form_page(request, career=None, values=values, resources=[])


@router.post("/careers/new", response_class=HTMLResponse)
def create_career_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values, resources, _ = _read_form(form)
    return save_form(
        db,
        lambda: service.create_career(
            db, user, parse_form(CareerCreate, {**values, "resources": resources})
        ),
        done=lambda career: f"/careers/{career.id}",
        invalid=lambda errors: _form_page(
            request, career=None, values=values, resources=resources, errors=errors
        ),
    )


@router.get("/careers/{career_id}/edit", response_class=HTMLResponse)
def edit_career_page(
    request: Request, career_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    career = service.get_career(db, user, career_id)
    return _form_page(request, career=career, values=_values_of(career), resources=career.resources)


@router.post("/careers/{career_id}/edit", response_class=HTMLResponse)
def edit_career_submit(
    request: Request, career_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    career = service.get_career(db, user, career_id)
    values, resources, version = _read_form(form)

    def save() -> Career:
        expected = form_version(version)
        # The form sends the whole record, so it is validated as a create and applied whole.
        data = parse_form(CareerCreate, {**values, "resources": resources})
        return service.update_career(
            db, user, career_id, CareerUpdate(**data.model_dump()), expected_version=expected
        )

    def stale() -> Response:
        # Keep what the user typed, show the newer record, and let a second save win knowingly.
        current = service.get_career(db, user, career_id)
        values["version"] = str(current.version)
        return _form_page(
            request, career=current, values=values, resources=resources, conflict=current
        )

    return save_form(
        db,
        save,
        done=lambda _: f"/careers/{career_id}",
        invalid=lambda errors: _form_page(
            request,
            career=career,
            values={**values, "version": version},
            resources=resources,
            errors=errors,
        ),
        stale=stale,
    )


# ---- detail and delete -----------------------------------------------------------------


@router.get("/careers/{career_id}", response_class=HTMLResponse)
def career_page(request: Request, career_id: RowId, db: SessionDep, user: PageUser) -> Response:
    career = service.get_career(db, user, career_id)
    progress = progress_service.career_progress(db, user, career_id)
    context = {
        "section": "careers",
        "career": career,
        "contacts": contacts_for(db, user, career_id=career_id),
        "progress": progress,
        "chart": month_chart(
            progress.months, key="chart-career", title=f"{career.title}: interviews held per month"
        ),
        **_CHOICES,
    }
    return render(request, "careers/detail.html", context)


def _delete_page(
    request: Request,
    db: SessionDep,
    user: User,
    career: Career,
    *,
    message: str | None = None,
) -> HTMLResponse:
    context = {
        "section": "careers",
        "career": career,
        "dependents": service.career_dependents(db, user, career.id or 0),
        "contacts": contacts_for(db, user, career_id=career.id),
        "message": message,
    }
    return render(request, "careers/delete.html", context)


@router.get("/careers/{career_id}/delete", response_class=HTMLResponse)
def delete_career_page(
    request: Request, career_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    return _delete_page(request, db, user, service.get_career(db, user, career_id))


@router.post("/careers/{career_id}/delete", response_class=HTMLResponse)
def delete_career_submit(
    request: Request, career_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_career(
            db, user, career_id, expected_version=expected, cascade=values.get("cascade") == "true"
        ),
        refused=lambda message: _delete_page(
            request, db, user, service.get_career(db, user, career_id), message=message
        ),
        done="/careers",
    )
