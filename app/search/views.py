"""The search pages: full results with filters by kind, and the navigation box's list."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.search import service
from app.search.schemas import KIND_LABELS, SEARCH_KINDS, SearchPageQuery, SuggestQuery
from app.web.deps import PageUser, SessionDep, run_db
from app.web.listing import parsed_query
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
PAGE_SIZE = 20
SUGGESTIONS = 8


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    query: Annotated[SearchPageQuery, parsed_query(SearchPageQuery)],
) -> Response:
    return await run_db(
        request, _search_page, request, db, user, query.q, query.types, query.offset
    )


def _search_page(
    request: Request, db: SessionDep, user: User, q: str, types: list[str], offset: int
) -> Response:
    kinds = [kind for kind in SEARCH_KINDS if kind in types]
    found = service.search(
        db, user, q.replace("\x00", ""), kinds=kinds or None, limit=PAGE_SIZE, offset=offset
    )
    context = {
        "section": "search",
        "q": q,
        "kinds": kinds,
        "found": found,
        "kind_labels": KIND_LABELS,
        "prev_url": _page_url(q, kinds, offset - PAGE_SIZE) if offset > 0 else None,
        "next_url": (
            _page_url(q, kinds, offset + PAGE_SIZE) if offset + PAGE_SIZE < found.total else None
        ),
        "kind_urls": {kind: _page_url(q, [kind], 0) for kind in SEARCH_KINDS},
        "all_url": _page_url(q, [], 0),
    }
    return render(request, "search/page.html", context, block="results")


def _page_url(q: str, kinds: list[str], offset: int) -> str:
    # Built here because `types` repeats, which the templates' query() helper would collapse.
    params = [("q", q), *(("types", kind) for kind in kinds)]
    if offset > 0:
        params.append(("offset", str(offset)))
    return "/search?" + urlencode(params)


@router.get("/search/suggest", response_class=HTMLResponse)
async def search_suggest(
    request: Request,
    db: SessionDep,
    user: PageUser,
    query: Annotated[SuggestQuery, parsed_query(SuggestQuery)],
) -> Response:
    return await run_db(request, _search_suggest, request, db, user, query.q)


def _search_suggest(request: Request, db: SessionDep, user: User, q: str) -> Response:
    found = service.search(db, user, q.replace("\x00", ""), limit=SUGGESTIONS)
    context = {"q": q, "found": found, "kind_labels": KIND_LABELS}
    return render(request, "search/_suggestions.html", context)
