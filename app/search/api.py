"""/api/v1/search: one search over everything the caller wrote."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Request, Response

from app.search import service
from app.search.schemas import SearchHitRead, SearchPage, SearchQuery
from app.web.deps import CurrentUser, SessionDep, run_db
from app.web.listing import encode_json, link_header, parsed_query
from app.web.routing import api_router

router = api_router("/search", tags=["search"])


def page_of(found: service.SearchResults) -> SearchPage:
    """The API's page for a service result."""
    return SearchPage(
        items=[SearchHitRead.model_validate(hit, from_attributes=True) for hit in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
        counts=found.counts,  # type: ignore[arg-type]
        count_cap=found.count_cap,
    )


def page_json(found: service.SearchResults) -> dict[str, Any]:
    """page_of(found).model_dump(mode="json"), built directly: the service's values already
    have the schema's types (tests/search check the two agree), and validating each hit into
    a model only to dump it again cost ~30 us of a 20-hit page (3.5 us this way)."""
    return {
        "items": [
            {
                "kind": hit.kind,
                "id": hit.id,
                "parent_id": hit.parent_id,
                "title": hit.title,
                "title_html": hit.title_html,
                "snippet_html": hit.snippet_html,
                "url": hit.url,
                "context": hit.context,
            }
            for hit in found.items
        ],
        "total": found.total,
        "limit": found.limit,
        "offset": found.offset,
        "counts": dict(found.counts),
        "count_cap": found.count_cap,
    }


@router.get("", response_model=SearchPage)
async def search(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    query: Annotated[SearchQuery, parsed_query(SearchQuery)],
) -> Response:
    """Contacts, organizations, careers, interviews, answers, questions (the caller's and
    the built-in ones), interactions, follow-ups and templates matching `q`, best first.
    `counts` gives the matches per kind (up to `count_cap`), whatever `types` selects."""
    found = await run_db(
        request,
        service.search,
        db,
        user,
        query.q,
        kinds=query.types,
        limit=query.limit,
        offset=query.offset,
    )
    link = link_header(request, total=found.total, limit=found.limit, offset=found.offset)
    return Response(
        encode_json(page_json(found)),
        media_type="application/json",
        headers={"Link": link},
    )
