"""/api/v1/careers: thin JSON routes over app.careers.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.careers import service
from app.careers.models import Career, CareerStatus
from app.careers.schemas import CareerCreate, CareerFilters, CareerRead, CareerUpdate
from app.paging import sortable
from app.schemas import NO_NUL, Page
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.forms import parse_form
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/careers", tags=["careers"])


def career_filters(
    listing: ListQueryDep,
    status: Annotated[
        CareerStatus | None, Query(description="Only careers in this status.")
    ] = None,
    industry: Annotated[
        str | None,
        Query(max_length=200, description="Exact industry (any case).", json_schema_extra=NO_NUL),
    ] = None,
    interest_min: Annotated[
        int | None, Query(ge=1, le=5, description="Only careers at least this interesting.")
    ] = None,
) -> CareerFilters:
    """The career list filters, validated by the schema the list page uses too (NUL => 422)."""
    values = {"status": status, "industry": industry, "interest_min": interest_min, "q": listing.q}
    return parse_form(CareerFilters, {k: v for k, v in values.items() if v is not None})


CareerFiltersDep = Annotated[CareerFilters, Depends(career_filters)]


def _read(career: Career) -> CareerRead:
    return CareerRead.model_validate(career)


@router.get("", response_model=Page[CareerRead], openapi_extra=sortable(service.SORTABLE))
def list_careers(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
    filters: CareerFiltersDep,
) -> Response:
    """The caller's careers: `q` matches title and industry; sort by title, industry,
    interest, status, created_at or updated_at."""
    found = service.list_careers(
        db, user, filters, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    items = [_read(c) for c in found.items]
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post("", status_code=201, response_model=CareerRead, responses=problems(409))
def create_career(
    data: CareerCreate, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Record a career; send `Idempotency-Key` to make retries safe."""
    return created(request, db, user, data, lambda: _read(service.create_career(db, user, data)))


@router.get("/{career_id}", response_model=CareerRead, responses=problems(404))
def get_career(career_id: RowId, db: SessionDep, user: CurrentUser) -> JSONResponse:
    """One career, with its ETag."""
    return resource_response(_read(service.get_career(db, user, career_id)))


@router.patch("/{career_id}", response_model=CareerRead, responses=problems(404, 412))
def update_career(
    career_id: RowId,
    data: CareerUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> JSONResponse:
    """Change some fields; `If-Match` makes a stale write fail with 412."""
    career = service.update_career(db, user, career_id, data, expected_version=expected)
    return resource_response(_read(career))


@router.delete("/{career_id}", status_code=204, responses=problems(404, 409, 412))
def delete_career(
    career_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
    cascade: Annotated[
        bool, Query(description="Also unlink contacts and interviews (they are kept).")
    ] = False,
) -> Response:
    """Delete a career; 409 lists its dependents unless `cascade=true`."""
    service.delete_career(db, user, career_id, expected_version=expected, cascade=cascade)
    return no_content()
