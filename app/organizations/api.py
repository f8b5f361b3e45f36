"""/api/v1/organizations: thin JSON routes over app.organizations.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.organizations import service
from app.organizations.models import Organization
from app.organizations.schemas import (
    OrganizationCreate,
    OrganizationFilters,
    OrganizationRead,
    OrganizationUpdate,
)
from app.paging import sortable
from app.schemas import NO_NUL, Page
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.forms import parse_form
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/organizations", tags=["organizations"])


def organization_filters(
    listing: ListQueryDep,
    industry: Annotated[
        str | None,
        Query(max_length=200, description="Exact industry (any case).", json_schema_extra=NO_NUL),
    ] = None,
    location: Annotated[
        str | None,
        Query(max_length=200, description="Exact location (any case).", json_schema_extra=NO_NUL),
    ] = None,
) -> OrganizationFilters:
    """The organization list filters, validated by the schema the list page uses too."""
    values = {"industry": industry, "location": location, "q": listing.q}
    return parse_form(OrganizationFilters, {k: v for k, v in values.items() if v is not None})


OrganizationFiltersDep = Annotated[OrganizationFilters, Depends(organization_filters)]


def _read(organization: Organization) -> OrganizationRead:
    return OrganizationRead.model_validate(organization)


@router.get("", response_model=Page[OrganizationRead], openapi_extra=sortable(service.SORTABLE))
def list_organizations(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
    filters: OrganizationFiltersDep,
) -> Response:
    """The caller's organizations: `q` matches name, industry and location; sort by name,
    industry, location, created_at or updated_at."""
    found = service.list_organizations(
        db, user, filters, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    items = [_read(o) for o in found.items]
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post("", status_code=201, response_model=OrganizationRead, responses=problems(409))
def create_organization(
    data: OrganizationCreate, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Record an organization; send `Idempotency-Key` to make retries safe."""
    return created(
        request, db, user, data, lambda: _read(service.create_organization(db, user, data))
    )


@router.get("/{organization_id}", response_model=OrganizationRead, responses=problems(404))
def get_organization(organization_id: RowId, db: SessionDep, user: CurrentUser) -> JSONResponse:
    """One organization, with its ETag."""
    return resource_response(_read(service.get_organization(db, user, organization_id)))


@router.patch("/{organization_id}", response_model=OrganizationRead, responses=problems(404, 412))
def update_organization(
    organization_id: RowId,
    data: OrganizationUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> JSONResponse:
    """Change some fields; `If-Match` makes a stale write fail with 412."""
    organization = service.update_organization(
        db, user, organization_id, data, expected_version=expected
    )
    return resource_response(_read(organization))


@router.delete("/{organization_id}", status_code=204, responses=problems(404, 409, 412))
def delete_organization(
    organization_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
    cascade: Annotated[
        bool, Query(description="Detach the contacts working there (they are kept).")
    ] = False,
) -> Response:
    """Delete an organization; 409 lists its contacts' count unless `cascade=true`."""
    service.delete_organization(
        db, user, organization_id, expected_version=expected, cascade=cascade
    )
    return no_content()
