"""/api/v1/resumes/{id}/shares: thin JSON routes over app.resumes.shares.service."""

from __future__ import annotations

from fastapi import Request, Response

from app.paging import sortable
from app.resumes.shares import service
from app.resumes.shares.models import ResumeShare
from app.resumes.shares.schemas import ShareCreate, ShareRead, ShareUpdate
from app.schemas import Page
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/resumes/{resume_id}/shares", tags=["resumes"])


def _read(share: ResumeShare) -> ShareRead:
    return ShareRead.model_validate(share)


@router.get(
    "",
    response_model=Page[ShareRead],
    responses=problems(404),
    openapi_extra=sortable(service.SORTABLE),
)
def list_resume_shares(
    request: Request,
    resume_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
) -> Response:
    """Who received this version; sort by shared_at, created_at or updated_at."""
    found = service.list_shares(
        db, user, resume_id, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    items = [_read(s) for s in found.items]
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post("", status_code=201, response_model=ShareRead, responses=problems(404, 409))
def create_resume_share(
    resume_id: RowId,
    data: ShareCreate,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
) -> Response:
    """Record that this version went to one of your contacts (`shared_at` defaults to now);
    send `Idempotency-Key` to make retries safe."""
    return created(
        request, db, user, data, lambda: _read(service.create_share(db, user, resume_id, data))
    )


@router.get("/{share_id}", response_model=ShareRead, responses=problems(404))
def get_resume_share(
    resume_id: RowId, share_id: RowId, db: SessionDep, user: CurrentUser
) -> Response:
    """One share, with its ETag."""
    return resource_response(_read(service.get_share(db, user, resume_id, share_id)))


@router.patch("/{share_id}", response_model=ShareRead, responses=problems(404, 412))
def update_resume_share(
    resume_id: RowId,
    share_id: RowId,
    data: ShareUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Record their feedback (or correct the date); `If-Match` makes a stale write a 412."""
    share = service.update_share(db, user, resume_id, share_id, data, expected_version=expected)
    return resource_response(_read(share))


@router.delete("/{share_id}", status_code=204, responses=problems(404, 412))
def delete_resume_share(
    resume_id: RowId,
    share_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Forget a share recorded by mistake."""
    service.delete_share(db, user, resume_id, share_id, expected_version=expected)
    return no_content()
