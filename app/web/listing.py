"""List query parameters, the Link header, and the refusal of unknown query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant

from app.errors import BadRequest, FieldError
from app.schemakit import Page

MAX_LIMIT = 200
T = TypeVar("T")


@dataclass
class ListQuery:
    """limit / offset / sort / q, validated."""

    limit: int
    offset: int
    sort: str | None
    q: str | None


async def list_query(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 200).")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    sort: Annotated[
        str | None, Query(max_length=200, description="Comma-separated fields; '-' for descending.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text search.")] = None,
) -> ListQuery:
    """The list parameters every collection accepts."""
    if q is not None and "\x00" in q:
        raise BadRequest(detail="q must not contain NUL", errors=[FieldError("q", "NUL byte")])
    return ListQuery(limit=limit, offset=offset, sort=sort, q=(q or "").strip() or None)


ListQueryDep = Annotated[ListQuery, Depends(list_query)]
_ALLOWED_CACHE: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant, into: set[str]) -> None:
    for param in dependant.query_params:
        into.add(param.alias)
    for sub in dependant.dependencies:
        _query_names(sub, into)


async def reject_unknown_query_params(request: Request) -> None:
    """A router dependency: filters a route does not declare are a 400, not ignored."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _ALLOWED_CACHE.get(id(route))
    if allowed is None:
        names: set[str] = set()
        _query_names(dependant, names)
        allowed = _ALLOWED_CACHE[id(route)] = frozenset(names)
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if unknown:
        raise BadRequest(
            detail=f"Unknown query parameter(s): {', '.join(unknown)}.",
            errors=[FieldError(name, "unknown query parameter") for name in unknown],
        )


def set_link_header(request: Request, response: Response, page: Page[Any]) -> None:
    """RFC 8288 Link header with first, prev, next and last pages."""
    response.headers["Link"] = link_header(
        request, total=page.total, limit=page.limit, offset=page.offset
    )


def link_header(request: Request, *, total: int, limit: int, offset: int) -> str:
    """The Link header value for a page at ``offset`` of ``total``."""
    # The address and the other parameters are spelled once; each link only appends its
    # limit and offset (the same text urlencode gives for the whole list).
    base = str(request.url.replace(query=""))
    kept = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    )
    prefix = f"<{base}?{kept}&limit={limit}&offset=" if kept else f"<{base}?limit={limit}&offset="
    last_offset = ((total - 1) // limit) * limit if total else 0
    links = [f'{prefix}0>; rel="first"']
    if offset > 0:
        links.append(f'{prefix}{max(0, offset - limit)}>; rel="prev"')
    if offset + limit < total:
        links.append(f'{prefix}{offset + limit}>; rel="next"')
    links.append(f'{prefix}{last_offset}>; rel="last"')
    return ", ".join(links)


def page_response(
    request: Request, items: list[T], *, total: int, limit: int, offset: int
) -> Response:
    """One page of read models for the API, serialised once, with its Link header.

    A Response is returned so FastAPI does not validate the page a second time against the
    route's response model (which the route still declares for the schema).
    """
    page: Page[T] = Page(items=items, total=total, limit=limit, offset=offset)
    link = link_header(request, total=total, limit=limit, offset=offset)
    return Response(page.model_dump_json(), media_type="application/json", headers={"Link": link})


def encode_json(content: Any) -> bytes:
    """JSON as the read models serialise it: UTC datetimes with a Z, no NaN."""
    return orjson.dumps(content, option=orjson.OPT_UTC_Z)


def json_page_response(
    request: Request, items: list[dict[str, Any]], *, total: int, limit: int, offset: int
) -> Response:
    """A page of already-shaped read dicts, encoded once (the hot list endpoints).

    Returning a Response skips FastAPI's re-validation through the response model; the
    route still declares that model, and the tests compare both shapes.
    """
    body = encode_json({"items": items, "total": total, "limit": limit, "offset": offset})
    link = link_header(request, total=total, limit=limit, offset=offset)
    return Response(body, media_type="application/json", headers={"Link": link})
