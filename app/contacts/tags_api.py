"""/api/v1/tags: the caller's tags with contact counts (mounted by app.contacts.api)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.contacts import tags_service
from app.contacts.schemas import TagRead
from app.schemakit import Page
from app.web.deps import CurrentUser, SessionDep
from app.web.listing import ListQueryDep, set_link_header

router = APIRouter(prefix="/tags", tags=["tags"])


@router.get("", response_model=Page[TagRead])
def list_tags(
    request: Request, response: Response, user: CurrentUser, db: SessionDep, listing: ListQueryDep
) -> Page[TagRead]:
    """The caller's tags, by name; `q` is a prefix; sort by name or contact_count."""
    items, total = tags_service.list_tags(
        db, user, q=listing.q, limit=listing.limit, offset=listing.offset, sort=listing.sort
    )
    page = Page[TagRead](items=items, total=total, limit=listing.limit, offset=listing.offset)
    set_link_header(request, response, page)
    return page
