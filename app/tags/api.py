"""/api/v1/tags: the caller's tags with contact counts."""

from __future__ import annotations

from fastapi import Request, Response

from app.paging import sortable
from app.schemas import Page
from app.tags import service
from app.tags.schemas import TagRead
from app.web.deps import CurrentUser, SessionDep
from app.web.listing import ListQueryDep, page_response
from app.web.routing import api_router

router = api_router("/tags", tags=["tags"])


@router.get("", response_model=Page[TagRead], openapi_extra=sortable(("name", "contact_count")))
def list_tags(
    request: Request, user: CurrentUser, db: SessionDep, listing: ListQueryDep
) -> Response:
    """The caller's tags, by name; `q` is a prefix; sort by name or contact_count."""
    page = service.list_tags(
        db, user, q=listing.q, limit=listing.limit, offset=listing.offset, sort=listing.sort
    )
    return page_response(
        request, page.items, total=page.total, limit=page.limit, offset=page.offset
    )
