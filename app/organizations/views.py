"""Organization pages: list with live search, detail, create / edit forms, delete with confirm."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.contacts.service import contacts_for
from app.organizations import service
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate, OrganizationFilters, OrganizationUpdate
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

SORT_CHOICES = [
    ("name", "Name (A–Z)"),
    ("-updated_at", "Recently updated"),
    ("industry", "Industry"),
    ("location", "Location"),
    ("-created_at", "Newest first"),
]
FILTER_FIELDS = ("industry", "location")


# ---- list ------------------------------------------------------------------------------


@router.get("/organizations", response_class=HTMLResponse)
def organizations_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    filters = query_filters(request, OrganizationFilters, FILTER_FIELDS, q=listing.q)
    page = service.list_organizations(
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
        "organizations/list.html",
        section="organizations",
        page=page,
        filters=filters,
        sort=listing.sort or SORT_CHOICES[0][0],
        sort_choices=SORT_CHOICES,
        industries=service.distinct_values(db, user, "industry"),
        locations=service.distinct_values(db, user, "location"),
    )


@router.get("/organizations/suggest", response_class=HTMLResponse)
def organization_suggestions(
    request: Request,
    db: SessionDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=200)] = "",
    organization: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """<option>s for an organization field's <datalist>: names containing what was typed.

    A text field sends its own name, so ``organization`` (the contact form and filter) is
    read as well as ``q``."""
    names = service.suggest_names(db, user, q or organization)
    return render(request, "organizations/_suggestions.html", {"names": names})


# ---- create and edit -------------------------------------------------------------------


def _form_page(
    request: Request,
    *,
    organization: Organization | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: Organization | None = None,
) -> HTMLResponse:
    context = {
        "section": "organizations",
        "organization": organization,
        "values": values,
        "errors": errors or {},
        "conflict": conflict,
    }
    return render(request, "organizations/form.html", context)


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
    return save_form(
        db,
        lambda: service.create_organization(db, user, parse_form(OrganizationCreate, values)),
        done=lambda organization: f"/organizations/{organization.id}",
        invalid=lambda errors: _form_page(request, organization=None, values=values, errors=errors),
    )


@router.get("/organizations/{organization_id}/edit", response_class=HTMLResponse)
def edit_organization_page(
    request: Request, organization_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    return _form_page(request, organization=organization, values=_values_of(organization))


@router.post("/organizations/{organization_id}/edit", response_class=HTMLResponse)
def edit_organization_submit(
    request: Request,
    organization_id: RowId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    values = form_values(form)
    version = values.pop("version", None)

    def save() -> Organization:
        expected = form_version(version)
        # The form sends the whole record, so it is validated as a create and applied whole.
        data = parse_form(OrganizationCreate, values)
        return service.update_organization(
            db,
            user,
            organization_id,
            OrganizationUpdate(**data.model_dump()),
            expected_version=expected,
        )

    def stale() -> Response:
        # Keep what the user typed, show the newer record, and let a second save win knowingly.
        current = service.get_organization(db, user, organization_id)
        return _form_page(
            request,
            organization=current,
            values={**values, "version": str(current.version)},
            conflict=current,
        )

    return save_form(
        db,
        save,
        done=lambda _: f"/organizations/{organization_id}",
        invalid=lambda errors: _form_page(
            request,
            organization=organization,
            values={**values, "version": version},
            errors=errors,
        ),
        stale=stale,
    )


# ---- detail and delete -----------------------------------------------------------------


@router.get("/organizations/{organization_id}", response_class=HTMLResponse)
def organization_page(
    request: Request, organization_id: RowId, db: SessionDep, user: PageUser
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
) -> HTMLResponse:
    context = {
        "section": "organizations",
        "organization": organization,
        "dependents": service.organization_dependents(db, user, organization.id or 0),
        "contacts": contacts_for(db, user, organization_id=organization.id),
        "message": message,
    }
    return render(request, "organizations/delete.html", context)


@router.get("/organizations/{organization_id}/delete", response_class=HTMLResponse)
def delete_organization_page(
    request: Request, organization_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    organization = service.get_organization(db, user, organization_id)
    return _delete_page(request, db, user, organization)


@router.post("/organizations/{organization_id}/delete", response_class=HTMLResponse)
def delete_organization_submit(
    request: Request,
    organization_id: RowId,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    values = form_values(form)
    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_organization(
            db,
            user,
            organization_id,
            expected_version=expected,
            cascade=values.get("cascade") == "true",
        ),
        refused=lambda message: _delete_page(
            request, db, user, service.get_organization(db, user, organization_id), message=message
        ),
        done="/organizations",
    )
