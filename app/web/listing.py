"""List query parameters (read in one validation), the Link header, and the refusal of
unknown query parameters."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Generic, Self, TypeVar, Union, get_args, get_origin
from urllib.parse import quote_plus

import orjson
from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.errors import BadRequest, FieldError
from app.schemas import Page

MAX_LIMIT = 200
T = TypeVar("T")
M = TypeVar("M", bound="QueryModel")


def takes_many(annotation: Any) -> bool:
    """Whether a query parameter of this type takes every value sent (``list[str] | None``)."""
    origin = get_origin(annotation)
    if origin in (list, set, tuple, frozenset):
        return True
    if origin in (Union, types.UnionType):
        return any(takes_many(arg) for arg in get_args(annotation))
    return False


class QueryModel(BaseModel):
    """Query parameters read in one validation (``parsed_query``). A field takes one value,
    but a list-valued one (``list[...]``) takes every value sent, the parameter repeated.

    Parameters the model does not name are ignored here: the route's own ``Query()`` ones are
    FastAPI's, and unknown ones are refused first by ``reject_unknown_query_params``.
    """

    model_config = ConfigDict(extra="ignore")


class TextQuery(QueryModel):
    """``q``: the text a list is searched for (stripped; blank is no search)."""

    q: Annotated[str | None, Field(max_length=200, description="Text search.")] = None

    @model_validator(mode="after")
    def _searchable(self) -> Self:
        # Checked once the fields are valid, so a NUL is a 400 only in an otherwise valid query.
        if self.q is not None:
            if "\x00" in self.q:
                raise BadRequest(
                    detail="q must not contain NUL", errors=[FieldError("q", "NUL byte")]
                )
            self.q = self.q.strip() or None
        return self


class ListQuery(TextQuery):
    """limit / offset / sort / q, the parameters every collection accepts."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Page size (max 200).")] = 50
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    sort: Annotated[
        str | None, Field(max_length=200, description="Comma-separated fields; '-' for descending.")
    ] = None


class QueryParser(Generic[M]):
    """A dependency reading the query string into a QueryModel with one pydantic call.

    FastAPI validates each declared ``Query()`` on its own and inspects its type again on
    every request: ~25 us a parameter, ~250 us for the contacts list's ten. Errors are the
    same RequestValidationError, located at ``("query", name)``, so a bad value is the same
    problem+json naming the field. The fields reach the OpenAPI document through
    ``openapi_parameters()`` (``app.contract``), and the router's checks of unknown and
    repeated parameters through ``declared_query_names``.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        fields = model.model_fields
        self.names = frozenset(field.alias or name for name, field in fields.items())
        self.repeatable = frozenset(
            field.alias or name for name, field in fields.items() if takes_many(field.annotation)
        )

    async def __call__(self, request: Request) -> M:
        params = request.query_params
        # A plain dict of the last values (the API refuses repeats before: request_as_declared)
        # validates in a third of the time pydantic takes to read the QueryParams mapping;
        # only a list-valued field sent is looked up again for all its values.
        values: dict[str, Any] = dict(params.items())
        for name in self.repeatable:
            if name in values:
                values[name] = params.getlist(name)
        try:
            return self.model.model_validate(values)
        except ValidationError as exc:
            errors = [
                {**error, "loc": ("query", *error["loc"])}
                for error in exc.errors(include_url=False)
            ]
            raise RequestValidationError(errors) from None

    def openapi_parameters(self) -> list[dict[str, Any]]:
        """The model's fields as OpenAPI query parameters, as FastAPI declares a ``Query()``."""
        schema = self.model.model_json_schema()
        if "$defs" in schema:  # a parameter's schema cannot point into the model's own $defs
            raise TypeError(f"{self.model.__name__}: use Literal, not Enum or model fields")
        required = set(schema.get("required", ()))
        parameters = []
        for name, prop in schema["properties"].items():
            parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
            parameter["schema"] = prop
            if "description" in prop:
                parameter["description"] = prop["description"]
            parameters.append(parameter)
        return parameters


def parsed_query(model: type[QueryModel]) -> Any:
    """``Depends`` on the query string read as ``model``: ``Annotated[Model, parsed_query(Model)]``."""
    return Depends(QueryParser(model))


ListQueryDep = Annotated[ListQuery, parsed_query(ListQuery)]
_ALLOWED_CACHE: dict[int, frozenset[str]] = {}


def query_parsers(dependant: Dependant) -> Iterator[QueryParser[Any]]:
    """The QueryParsers among a route's dependencies (each once)."""
    seen: set[int] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        if isinstance(current.call, QueryParser) and id(current.call) not in seen:
            seen.add(id(current.call))
            yield current.call
        stack.extend(reversed(current.dependencies))


def declared_query_names(dependant: Dependant) -> set[str]:
    """Every query parameter a route declares: its ``Query()`` ones and its QueryModels'."""
    names: set[str] = set()
    _query_names(dependant, names)
    for parser in query_parsers(dependant):
        names |= parser.names
    return names


def _query_names(dependant: Dependant, into: set[str]) -> None:
    for param in dependant.query_params:
        into.add(param.alias)
    for sub in dependant.dependencies:
        _query_names(sub, into)


async def reject_unknown_query_params(request: Request) -> None:
    """Filters a route does not declare are a 400, not ignored (the API routers' check,
    ``contract.request_as_declared``, runs this first)."""
    if not request.scope["query_string"]:
        return  # most reads name no parameter: nothing to parse or compare
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed = _ALLOWED_CACHE.get(id(route))
    if allowed is None:
        allowed = _ALLOWED_CACHE[id(route)] = frozenset(declared_query_names(dependant))
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


# What quote_plus (so urlencode) leaves as it is: most parameters (limit=20, sort=-name,
# q=data) are spelled the same, and skipping urlencode's calls for them saves ~2 us a value.
_FORM_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _form_quoted(text: str) -> str:
    """``text`` as urlencode spells a query parameter's name or value."""
    return text if _FORM_PLAIN.fullmatch(text) else quote_plus(text, safe="")


def link_header(request: Request, *, total: int, limit: int, offset: int) -> str:
    """The Link header value for a page at ``offset`` of ``total``."""
    # The address and the other parameters are spelled once; each link only appends its
    # limit and offset (the same text urlencode gives for the whole list).
    # The request's address less its query, cut from the text Starlette built it from:
    # ``url.replace(query="")`` split and joined the whole address again (~7 us a page). A
    # path that is not printable ASCII (a decoded %0D, say) still goes through the split,
    # which drops control characters rather than put them in a header.
    url = str(request.url)
    query = request.scope.get("query_string", b"")
    path: str = request.scope["path"]
    if path.isascii() and path.isprintable():
        base = url[: -len(query.decode()) - 1] if query else url
    else:
        base = str(request.url.replace(query=""))
    kept = "&".join(
        f"{_form_quoted(k)}={_form_quoted(v)}"
        for k, v in request.query_params.multi_items()
        if k not in ("offset", "limit")
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
    request: Request,
    items: list[dict[str, Any]] | orjson.Fragment,
    *,
    total: int,
    limit: int,
    offset: int,
) -> Response:
    """A page of already-shaped read dicts, or their JSON array already written (an
    ``orjson.Fragment``, spliced as it is), encoded once (the hot list endpoints).

    Returning a Response skips FastAPI's re-validation through the response model; the
    route still declares that model, and the tests compare both shapes.
    """
    body = encode_json({"items": items, "total": total, "limit": limit, "offset": offset})
    link = link_header(request, total=total, limit=limit, offset=offset)
    return Response(body, media_type="application/json", headers={"Link": link})
