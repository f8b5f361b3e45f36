"""/api/v1/interactions: touches with contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse

from app.interactions import service
from app.interactions.models import InteractionKind
from app.interactions.schemas import InteractionCreate, InteractionRead, InteractionUpdate
from app.paging import sortable
from app.schemas import MAX_INT32, AwareDateTimeFilter, Page
from app.web.deps import CurrentUser, RowId, SessionDep, run_db
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/interactions", tags=["interactions"])


@router.get(
    "", response_model=Page[InteractionRead], openapi_extra=sortable(service.INTERACTION_SORTS)
)
def list_interactions(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    listing: ListQueryDep,
    contact_id: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
    kind: InteractionKind | None = None,
    occurred_after: Annotated[
        AwareDateTimeFilter | None,
        Query(description="Inclusive lower bound (ISO 8601 with offset)."),
    ] = None,
    occurred_before: Annotated[
        AwareDateTimeFilter | None,
        Query(description="Exclusive upper bound (ISO 8601 with offset)."),
    ] = None,
) -> Response:
    """The caller's interactions, newest first. Sort by occurred_at, created_at, updated_at
    or kind; `q` matches the summary."""
    found = service.list_interactions(
        db,
        user,
        contact_id=contact_id,
        kind=kind,
        occurred_after=occurred_after,
        occurred_before=occurred_before,
        q=listing.q,
        limit=listing.limit,
        offset=listing.offset,
        sort=listing.sort,
    )
    items = [InteractionRead.model_validate(r) for r in found.items]
    return page_response(
        request, items, total=found.total, limit=listing.limit, offset=listing.offset
    )


@router.post("", status_code=201, response_model=InteractionRead, responses=problems(409))
async def create_interaction(
    data: InteractionCreate, request: Request, user: CurrentUser, db: SessionDep
) -> Response:
    """Record a touch; the contact's last_contacted_at and next_touch_due follow."""

    def create() -> InteractionRead:
        return InteractionRead.model_validate(service.create_interaction(db, user, data))

    # The whole write (idempotency claim, the write, its answer) is one turn on Rapport's
    # database threads (run_db: a write never runs inline): a plain ``def`` handler took
    # anyio's turn, 70-75 us of CPU against 7-18 (app.web.threads).
    return await run_db(
        request, created, request, db, user, data, create, collection="/api/v1/interactions"
    )


@router.get("/{interaction_id}", response_model=InteractionRead, responses=problems(404))
def get_interaction(interaction_id: RowId, user: CurrentUser, db: SessionDep) -> JSONResponse:
    """One interaction, with an ETag."""
    return resource_response(
        InteractionRead.model_validate(service.get_interaction(db, user, interaction_id))
    )


@router.patch("/{interaction_id}", response_model=InteractionRead, responses=problems(404, 412))
def update_interaction(
    interaction_id: RowId,
    data: InteractionUpdate,
    user: CurrentUser,
    db: SessionDep,
    expected: IfMatchDep,
) -> JSONResponse:
    """Change an interaction; the contact's dates are recomputed."""
    interaction = service.update_interaction(
        db, user, interaction_id, data, expected_version=expected
    )
    return resource_response(InteractionRead.model_validate(interaction))


@router.delete("/{interaction_id}", status_code=204, responses=problems(404, 412))
def delete_interaction(
    interaction_id: RowId, user: CurrentUser, db: SessionDep, expected: IfMatchDep
) -> Response:
    """Delete an interaction; the contact's dates are recomputed."""
    service.delete_interaction(db, user, interaction_id, expected_version=expected)
    return no_content()
