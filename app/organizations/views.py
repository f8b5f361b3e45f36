"""Organization pages: list with live search, detail, create / edit forms, delete with confirm."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.contacts.service import contacts_for
from app.errors import Conflict, Invalid, PreconditionFailed
from app.organizations import service
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate, OrganizationFilters, OrganizationUpdate
from app.schemakit import MAX_INT32
from app.web.deps import PageUser, SessionDep
from app.web.forms import (
    FormDep,
    field_errors,
    form_values,
    form_version,
    parse_form,
    see_other,
)
from app.web.listing import ListQueryDep
from app.web.templating import render

router = APIRouter()
OrganizationId = Annotated[int, Path(ge=1, le=MAX_INT32)]

SORT_CHOICES = [
    ("name", "Name (A–Z)"),
    ("-updated_at", "Recently updated"),
    ("industry", "Industry"),
    ("location", "Location"),
    ("-created_at", "Newest first"),
]
FILTER_FIELDS = ("industry", "location")


# ---- list ------------------------------------------------------------------------------


def _page_filters(request: Request, q: str | None) -> OrganizationFilters:
    # A filter form sends every field; a blank one means "any", not an invalid value.
    values: dict[str, Any] = {
        name: value.strip()
        for name in FILTER_FIELDS
        if (value := request.query_params.get(name)) and value.strip()
    }
    if q:
        values["q"] = q
    return parse_form(OrganizationFilters, values)


@router.get("/organizations", response_class=HTMLResponse)
def organizations_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    filters = _page_filters(request, listing.q)
    page = service.list_organizations(
        db,
        user,
        filters,
        sort=listing.sort,
        limit=listing.limit,
        offset=listing.offset,
        with_notes=False,
    )
    context = {
        "section": "organizations",
        "page": page,
        "filters": filters,
        "filtered": any(v is not None for v in filters.model_dump().values()),
        "sort": listing.sort or SORT_CHOICES[0][0],
        "sort_choices": SORT_CHOICES,
        "industries": service.distinct_values(db, user, "industry"),
        "locations": service.distinct_values(db, user, "location"),
    }
    # Search-as-you-type asks for the results block only.
    return render(request, "organizations/list.html", context, block="results")


# ---- create and edit -------------------------------------------------------------------


def _form_page(
    request: Request,
    *,
    organization: Organization | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Organization | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "organizations",
        "organization": organization,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
    }
    return render(request, "organizations/form.html", context, status_code=status_code)


def _values_of(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "website": organization.website or "",
        "industry": organization.industry,
        "location": organization.location,
        "research_notes": organization.research_notes,
        "version": str(organization.version),
    }


@router.get("/organizations/new", response_class=HTMLResponse)
def new_organization_page(request: Request, user: PageUser) -> Response:
    return _form_page(request, organization=None, values={})


@router.post("/organizations/new", response_class=HTMLResponse)
def create_organization_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    try:
        organization = service.create_organization(db, user, parse_form(OrganizationCreate, values))
    except Invalid as exc:
        return _form_page(
            request, organization=None, values=values, errors=field_errors(exc), status_code=422
        )
    return see_other(f"/organizations/{organization.id}")


@router.get("/organizations/{organization_id}/edit", response_class=HTMLResponse)
def edit_organization_page(
    request: Request, organization_id: OrganizationId, db: SessionDep, user: PageUser
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    return _form_page(request, organization=organization, values=_values_of(organization))


@router.post("/organizations/{organization_id}/edit", response_class=HTMLResponse)
def edit_organization_submit(
    request: Request,
    organization_id: OrganizationId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    values = form_values(form)
    version = values.pop("version", None)
    try:
        expected = form_version(version)
        # The form sends the whole record, so it is validated as a create and applied whole.
        data = parse_form(OrganizationCreate, values)
        service.update_organization(
            db,
            user,
            organization_id,
            OrganizationUpdate(**data.model_dump()),
            expected_version=expected,
        )
    except Invalid as exc:
        return _form_page(
            request,
            organization=organization,
            values={**values, "version": version},
            errors=field_errors(exc),
            status_code=422,
        )
    except PreconditionFailed:
        # Keep what the user typed, show the newer record, and let a second save win knowingly.
        current = service.get_organization(db, user, organization_id)
        return _form_page(
            request,
            organization=current,
            values={**values, "version": str(current.version)},
            conflict=current,
            status_code=409,
        )
    return see_other(f"/organizations/{organization_id}")


# ---- detail and delete -----------------------------------------------------------------


@router.get("/organizations/{organization_id}", response_class=HTMLResponse)
def organization_page(
    request: Request, organization_id: OrganizationId, db: SessionDep, user: PageUser
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    context = {
        "section": "organizations",
        "organization": organization,
        "contacts": contacts_for(db, user, organization_id=organization_id),
    }
    return render(request, "organizations/detail.html", context)


def _delete_page(
    request: Request,
    db: SessionDep,
    user: User,
    organization: Organization,
    *,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "organizations",
        "organization": organization,
        "dependents": service.organization_dependents(db, user, organization.id or 0),
        "contacts": contacts_for(db, user, organization_id=organization.id),
        "message": message,
    }
    return render(request, "organizations/delete.html", context, status_code=status_code)


@router.get("/organizations/{organization_id}/delete", response_class=HTMLResponse)
def delete_organization_page(
    request: Request, organization_id: OrganizationId, db: SessionDep, user: PageUser
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    return _delete_page(request, db, user, organization)


@router.post("/organizations/{organization_id}/delete", response_class=HTMLResponse)
def delete_organization_submit(
    request: Request,
    organization_id: OrganizationId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    values = form_values(form)
    try:
        service.delete_organization(
            db,
            user,
            organization_id,
            expected_version=form_version(values.get("version")),
            cascade=values.get("cascade") == "true",
        )
    except (Conflict, PreconditionFailed, Invalid) as exc:
        db.rollback()
        fresh = service.get_organization(db, user, organization_id)
        return _delete_page(request, db, user, fresh, message=exc.detail, status_code=409)
    return see_other("/organizations")
