"""/api/v1/follow-ups: thin JSON routes over app.followups.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from sqlmodel import Session

from app.auth.models import User
from app.followups import service
from app.followups.models import FollowUp
from app.followups.schemas import (
    FollowUpCreate,
    FollowUpDone,
    FollowUpFilters,
    FollowUpKind,
    FollowUpRead,
    FollowUpStatus,
    FollowUpUpdate,
)
from app.paging import sortable
from app.schemas import MAX_INT32, BoundedDateTime, Page
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.forms import parse_form
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/follow-ups", tags=["follow-ups"])
RefId = Annotated[int | None, Query(ge=1, le=MAX_INT32)]


def follow_up_filters(
    listing: ListQueryDep,
    status: Annotated[FollowUpStatus | None, Query(description="Only in this status.")] = None,
    kind: Annotated[FollowUpKind | None, Query(description="Only of this kind.")] = None,
    contact_id: RefId = None,
    interview_id: RefId = None,
    career_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_INT32, description="About this career (interview or contact)."),
    ] = None,
    due_before: Annotated[
        BoundedDateTime | None, Query(description="Due strictly before (ISO 8601 with offset).")
    ] = None,
    due_after: Annotated[
        BoundedDateTime | None, Query(description="Due at or after (ISO 8601 with offset).")
    ] = None,
) -> FollowUpFilters:
    """The list filters, validated by the schema the page uses too."""
    values = {
        "status": status,
        "kind": kind,
        "contact_id": contact_id,
        "interview_id": interview_id,
        "career_id": career_id,
        "due_before": due_before,
        "due_after": due_after,
        "q": listing.q,
    }
    return parse_form(FollowUpFilters, {k: v for k, v in values.items() if v is not None})


FollowUpFiltersDep = Annotated[FollowUpFilters, Depends(follow_up_filters)]


def follow_up_reads(db: Session, user: User, rows: list[FollowUp]) -> list[FollowUpRead]:
    contacts = service.contacts_of(db, user, rows)
    return [
        FollowUpRead.model_validate(
            {
                **row.model_dump(),
                "mailto": service.mailto_of(row, contacts.get(row.contact_id)),
            }
        )
        for row in rows
    ]


def _read(db: Session, user: User, row: FollowUp) -> FollowUpRead:
    return follow_up_reads(db, user, [row])[0]


@router.get("", response_model=Page[FollowUpRead], openapi_extra=sortable(service.SORTABLE))
def list_follow_ups(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
    filters: FollowUpFiltersDep,
) -> Response:
    """The caller's follow-ups: `q` matches subject, message and notes; sort by due_at,
    created_at, updated_at, kind or status."""
    found = service.list_follow_ups(
        db, user, filters, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    items = follow_up_reads(db, user, list(found.items))
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post("", status_code=201, response_model=FollowUpRead, responses=problems(409))
def create_follow_up(
    data: FollowUpCreate, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Add a follow-up by hand; send `Idempotency-Key` to make retries safe."""
    return created(
        request, db, user, data, lambda: _read(db, user, service.create_follow_up(db, user, data))
    )


@router.get("/{follow_up_id}", response_model=FollowUpRead, responses=problems(404))
def get_follow_up(follow_up_id: RowId, db: SessionDep, user: CurrentUser) -> Response:
    """One follow-up, with its ETag."""
    return resource_response(_read(db, user, service.get_follow_up(db, user, follow_up_id)))


@router.patch("/{follow_up_id}", response_model=FollowUpRead, responses=problems(404, 412))
def update_follow_up(
    follow_up_id: RowId,
    data: FollowUpUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Change some fields; closing a keep-a-promise task marks the promise kept."""
    row = service.update_follow_up(db, user, follow_up_id, data, expected_version=expected)
    return resource_response(_read(db, user, row))


@router.post("/{follow_up_id}/done", response_model=FollowUpRead, responses=problems(404, 412))
def complete_follow_up(
    follow_up_id: RowId,
    data: FollowUpDone,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Mark done; unless `log_interaction` is false, also log the touch on the contact. A
    send-resume task given `resume_id` records that version as shared with its contact."""
    row = service.close_follow_up(db, user, follow_up_id, data, expected_version=expected)
    return resource_response(_read(db, user, row))


@router.delete("/{follow_up_id}", status_code=204, responses=problems(404, 412))
def delete_follow_up(
    follow_up_id: RowId, db: SessionDep, user: CurrentUser, expected: IfMatchDep
) -> Response:
    """Delete a follow-up."""
    service.delete_follow_up(db, user, follow_up_id, expected_version=expected)
    return no_content()
