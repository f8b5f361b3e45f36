"""The API contract: what /openapi.json declares beyond what FastAPI derives from the routes,
and the HTTP rules that keep the server to it (405 with ``Allow``, scalar parameters once).

Everything here is done once for every operation, so a route declares only what is its own
(its models, its extra statuses, its sort fields through ``app.paging.sortable``, its upload
types through ``upload_types``) and the rest follows from what the operation is.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from python_multipart.exceptions import FormParserError
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import BadRequest, FieldError, UnsupportedMediaType
from app.paging import SORT_FIELDS_KEY, sort_pattern
from app.web.listing import QueryParser, query_parsers, reject_unknown_query_params, takes_many
from app.web.problems import PROBLEM_JSON, problem_response

API_PREFIX = "/api/v1"
UPLOAD_TYPES_KEY = "x-upload-types"
# The values app.web.resources.if_match_version reads as a version (or '*'); any other value
# names no version, so the write is refused with 412 once the rest of the request is valid.
IF_MATCH_PATTERN = r'^\s*(?:\*|(?:W/)?"v[0-9]{1,9}")\s*$'
_PARAM_RE = re.compile(r"\{([^}]+)\}")
_PLAIN_PARAM_RE = re.compile(r"\{(\w+)\}")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
UNSAFE = ("post", "put", "patch", "delete")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For 400 and 422: each field and what is wrong with it.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}
_HEADER_DOCS: dict[str, tuple[str, dict[str, Any]]] = {
    "ETag": ("The version of the resource; send it back in If-Match.", {"type": "string"}),
    "Location": ("The address of the resource just created.", {"type": "string"}),
    "Link": ("RFC 8288 links to the first, previous, next and last pages.", {"type": "string"}),
    "Allow": ("The methods this address answers.", {"type": "string"}),
    "Retry-After": ("Seconds to wait before trying again.", {"type": "string"}),
    "WWW-Authenticate": ("The scheme to authenticate with (Bearer).", {"type": "string"}),
}
HEADERS = {
    name: {"description": text, "schema": schema} for name, (text, schema) in _HEADER_DOCS.items()
}
_PHRASES = {
    400: "Bad request: an unknown query parameter, a repeated one, or an unknown sort field",
    401: "Not authenticated",
    403: "Forbidden: a read-only token, or built-in content",
    404: "Not found (or another user's)",
    405: "Method not allowed; Allow lists the methods this address answers",
    409: "Conflict with the current state (a duplicate, dependents, an Idempotency-Key in use)",
    412: "Precondition failed: If-Match names another version (a stale or malformed ETag)",
    413: "Payload too large",
    415: "Unsupported media type: a body type or an upload this operation does not take",
    422: "Validation failed: `errors` names each field",
    429: "Too many requests; Retry-After says when to try again",
    500: "Internal error (logged; never a stack trace)",
    503: "Unavailable (the database is unreachable or busy); Retry-After says when to try again",
}
_PROBLEM_HEADERS = {405: ["Allow"], 429: ["Retry-After"], 503: ["Retry-After"]}


def upload_types(**fields: tuple[str, ...]) -> dict[str, Any]:
    """A multipart route's ``openapi_extra``: the media types each file field takes."""
    return {UPLOAD_TYPES_KEY: {name: list(kinds) for name, kinds in fields.items()}}


def install_contract(app: FastAPI) -> None:
    """Serve the finished OpenAPI and answer every 405 with the address's real methods."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            _query_models(app, schema)
            finish_openapi(schema)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(405, _method_not_allowed)
    app.add_exception_handler(FormParserError, _malformed_form)
    _fixed_segments_first(app)
    app.router.middleware_stack = RouteIndex(app.router)


def _fixed_segments_first(app: FastAPI) -> None:
    # A path parameter never matches a fixed segment another route has at that place, so
    # PATCH /question-banks/import is not read as bank "import" (a 422 for a method the address
    # does not have) but answered 405 with Allow: POST. Any other value still reaches the
    # route, so a malformed id stays a 422 naming the parameter.
    routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
    segments = {id(r): r.path_format.split("/") for r in routes}
    for route in routes:
        own = segments[id(route)]
        if any("{" in seg and not _PLAIN_PARAM_RE.fullmatch(seg) for seg in own):
            continue  # a typed or partial parameter ({path:path}, {secret}.ics) keeps its own
        parts: list[str] = []
        for index, segment in enumerate(own):
            name = _PLAIN_PARAM_RE.fullmatch(segment)
            if name is None:
                parts.append(re.escape(segment))
                continue
            fixed = sorted(
                {
                    other[index]
                    for other in segments.values()
                    if len(other) > index
                    and not _PARAM_RE.fullmatch(other[index])
                    and _same_prefix(own[:index], other[:index])
                }
            )
            guard = f"(?!(?:{'|'.join(map(re.escape, fixed))})(?:/|$))" if fixed else ""
            parts.append(f"(?P<{name[1]}>{guard}[^/]+)")
        if any("(?!" in part for part in parts):
            route.path_regex = re.compile("^" + "/".join(parts) + "$")


# ---- routing: only the routes that can match ------------------------------------------------

# How many leading path segments the index looks at ("/api/v1/<resource>").
_INDEX_DEPTH = 3
_ANY = "*"  # a request segment no route spells at that place
_MAX_INDEX_KEYS = 4096


class _Segments:
    """A route's leading segments: a fixed text, ONE (any one segment) or REST (anything)."""

    ONE = object()
    REST = object()


def _route_segments(route: BaseRoute) -> list[object]:
    if isinstance(route, Mount):
        return [*_format_segments(route.path), _Segments.REST]
    if isinstance(route, Route):  # APIRoute too
        return _format_segments(route.path_format)
    return [_Segments.REST]  # a kind of route the index does not know: always tried


def _format_segments(path_format: str) -> list[object]:
    found: list[object] = []
    for segment in path_format.split("/")[1 : _INDEX_DEPTH + 1]:
        if ":path}" in segment:
            return [*found, _Segments.REST]
        found.append(_Segments.ONE if "{" in segment else segment)
    return found


class RouteIndex:
    """The router's dispatch, trying only the routes whose fixed leading segments fit the path.

    Starlette tries every route's regular expression in turn until one matches: with ~260
    routes that was 40-80 us per API request and 150-180 us per page (measured on the
    2-core bench machine), more than some handlers.
    The index keeps Starlette's rules: it narrows the routes by their first segments (never
    leaving out one that could match, and keeping their order) and hands the request to the
    first full match, exactly as the router would; anything else (a 404, a 405 with Allow,
    a trailing-slash redirect, a route added later) goes to the router's own dispatch.
    """

    def __init__(self, router: Router) -> None:
        self.router = router
        self.dispatch: ASGIApp = router.middleware_stack
        self._candidates: dict[tuple[str, ...], tuple[BaseRoute, ...]] = {}
        self._segments = [(route, _route_segments(route)) for route in router.routes]
        self._fixed: list[set[str]] = [set() for _ in range(_INDEX_DEPTH)]
        for _, segments in self._segments:
            for index, segment in enumerate(segments):
                if isinstance(segment, str):
                    self._fixed[index].add(segment)

    def candidates(self, path: str) -> tuple[BaseRoute, ...]:
        """The routes that may match ``path``, in the router's order."""
        parts = path.split("/", _INDEX_DEPTH + 1)[1 : _INDEX_DEPTH + 1]
        key = tuple(
            part if part in self._fixed[index] else _ANY for index, part in enumerate(parts)
        )
        found = self._candidates.get(key)
        if found is None:
            found = tuple(route for route, segments in self._segments if _may_match(segments, key))
            if len(self._candidates) < _MAX_INDEX_KEYS:
                self._candidates[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            for route in self.candidates(scope["path"]):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self.router)
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await self.dispatch(scope, receive, send)


def _may_match(segments: list[object], key: tuple[str, ...]) -> bool:
    for segment, part in zip(segments, key, strict=False):
        if segment is _Segments.REST:
            return True
        if segment is _Segments.ONE:
            continue
        if segment != part:  # part is another fixed text, or one no route spells here
            return False
    return True


def _same_prefix(left: list[str], right: list[str]) -> bool:
    return all(
        a == b or (_PARAM_RE.fullmatch(a) is not None and _PARAM_RE.fullmatch(b) is not None)
        for a, b in zip(left, right, strict=True)
    )


def allowed_methods(app: FastAPI, scope: dict[str, Any]) -> list[str]:
    """Every method some route answers at this request's path."""
    found: set[str] = set()
    for route in app.router.routes:
        methods = getattr(route, "methods", None)
        if methods and route.matches(scope)[0] is not Match.NONE:
            found.update(methods)
    return sorted(found)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    # Starlette names only the first route matching the path; the address may have several.
    allow = ", ".join(allowed_methods(request.app, request.scope))
    return problem_response(
        request,
        405,
        "Method Not Allowed",
        "This method is not allowed here.",
        headers={"Allow": allow},
    )


async def _malformed_form(request: Request, exc: Exception) -> Response:
    # python-multipart's own errors escape Starlette's form parsing; they are the client's.
    return problem_response(
        request, 400, "Bad Request", "The form body is malformed (multipart/form-data)."
    )


# ---- requests as declared: scalar parameters once, bodies in the declared type -----------

_SCALAR_CACHE: dict[int, frozenset[str]] = {}


def _scalar_names(dependant: Dependant, into: set[str]) -> None:
    for param in dependant.query_params:
        if not takes_many(param.field_info.annotation):
            into.add(param.alias)
    if isinstance(dependant.call, QueryParser):
        into |= dependant.call.names - dependant.call.repeatable
    for sub in dependant.dependencies:
        _scalar_names(sub, into)


async def request_as_declared(request: Request) -> None:
    """The API routers' dependency: a query parameter the operation does not declare is a 400
    (``reject_unknown_query_params``, checked first), a body in a type it does not declare a
    415, and a parameter that takes one value, sent twice, a 400.

    One dependency for the three checks: FastAPI's solving of each dependency costs every
    API request a few microseconds of its own."""
    await reject_unknown_query_params(request)
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    _check_media_type(request, route)
    if not request.scope["query_string"]:
        return  # nothing sent twice
    scalars = _SCALAR_CACHE.get(id(route))
    if scalars is None:
        names: set[str] = set()
        _scalar_names(route.dependant, names)
        scalars = _SCALAR_CACHE[id(route)] = frozenset(names)
    # Counted in one pass: a request line of 64 KiB holds ~20,000 parameters, and a count
    # per key over the list was quadratic (~0.5 s of CPU for one request).
    sent = Counter(key for key, _ in request.query_params.multi_items())
    repeated = sorted(key for key, times in sent.items() if times > 1 and key in scalars)
    if repeated:
        raise BadRequest(
            detail=f"Send {', '.join(repeated)} once.",
            errors=[
                FieldError(name, "takes one value; it was sent more than once") for name in repeated
            ],
        )


def _check_media_type(request: Request, route: APIRoute) -> None:
    body_field = route.body_field
    if body_field is None:
        return
    sent_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    if not sent_body:
        return
    declared = str(getattr(body_field.field_info, "media_type", "application/json"))
    # Both form encodings go through one parser; a urlencoded body sent to an upload route
    # simply has no file, which is a 422 naming it.
    accepted = FORM_TYPES if declared in FORM_TYPES else {declared}
    sent = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if sent not in accepted:
        raise UnsupportedMediaType(
            detail=f"Send the body as {declared}"
            + (f", not {sent}." if sent else " (the Content-Type header is missing).")
        )


# ---- the OpenAPI document -----------------------------------------------------------------


def finish_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to FastAPI's document what every operation shares; changes ``schema`` in place."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["headers"] = copy.deepcopy(HEADERS)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not path.startswith(API_PREFIX):
                continue
            _parameters(operation)
            _problems(path, method, operation)
            _success_headers(method, operation)
            _uploads(operation)
    _links(schema)
    return schema


def _query_models(app: FastAPI, schema: dict[str, Any]) -> None:
    # FastAPI sees a QueryParser as a dependency taking the Request; its model's fields are
    # the operation's query parameters, declared here as FastAPI would declare a Query().
    paths = schema.get("paths", {})
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        parameters = [p for q in query_parsers(route.dependant) for p in q.openapi_parameters()]
        if not parameters:
            continue
        for method in route.methods:
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                operation.setdefault("parameters", []).extend(copy.deepcopy(parameters))


def _parameters(operation: dict[str, Any]) -> None:
    sort_fields = operation.pop(SORT_FIELDS_KEY, None)
    for parameter in operation.get("parameters", []):
        param_schema = parameter.get("schema", {})
        _drop_null(param_schema)  # a parameter is absent or has a value; it is never null
        if parameter["name"] == "sort" and sort_fields:
            param_schema.pop("anyOf", None)
            param_schema.update(type="string", pattern=sort_pattern(sort_fields))
            parameter["description"] = (
                "Comma-separated fields, '-' first for descending: " + ", ".join(sort_fields) + "."
            )
        if parameter["name"] == "If-Match":
            param_schema.update(type="string", pattern=IF_MATCH_PATTERN)
        if parameter["name"] == "q" and param_schema.get("type") == "string":
            param_schema.setdefault("pattern", r"^[^\x00]*$")  # listing.TextQuery refuses NUL


def _drop_null(param_schema: dict[str, Any]) -> None:
    options = param_schema.get("anyOf")
    if not isinstance(options, list):
        return
    kept = [option for option in options if option.get("type") != "null"]
    if param_schema.get("default", ...) is None:
        del param_schema["default"]
    if len(kept) == 1:
        del param_schema["anyOf"]
        param_schema.update(kept[0])
    else:
        param_schema["anyOf"] = kept


def _problem(status: int, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or _PHRASES.get(status, "Problem"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    names = _PROBLEM_HEADERS.get(status)
    if names:
        response["headers"] = {n: {"$ref": f"#/components/headers/{n}"} for n in names}
    return response


def _problems(path: str, method: str, operation: dict[str, Any]) -> None:
    statuses = {400, 404, 405, 422, 429, 500, 503}
    if operation.get("security") != []:
        statuses |= {401, 403}
    if method in UNSAFE:
        statuses.add(409)
    if operation.get("requestBody"):
        statuses |= {413, 415}
    if any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
        statuses.add(412)
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        existing = responses.get(str(status))
        description = existing.get("description") if existing else None
        responses[str(status)] = _problem(status, description)
    for code, response in responses.items():
        # Any other problem status a route declared itself gets the shared schema too.
        if code.isdigit() and int(code) >= 400 and PROBLEM_JSON in response.get("content", {}):
            response["content"][PROBLEM_JSON] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    if "application/json" in responses.get("422", {}).get("content", {}):
        del responses["422"]["content"]["application/json"]


def _success_headers(method: str, operation: dict[str, Any]) -> None:
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        body = response.get("content", {}).get("application/json", {}).get("schema", {})
        ref = body.get("$ref", "")
        headers = response.setdefault("headers", {})
        if ref.startswith("#/components/schemas/Page_"):
            headers.setdefault("Link", {"$ref": "#/components/headers/Link"})
        elif ref and method in ("get", "post", "put", "patch"):
            headers.setdefault("ETag", {"$ref": "#/components/headers/ETag"})
        if code == "201":
            headers.setdefault("Location", {"$ref": "#/components/headers/Location"})
        if not headers:
            del response["headers"]


def _uploads(operation: dict[str, Any]) -> None:
    declared = operation.pop(UPLOAD_TYPES_KEY, None)
    multipart = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
    if not declared or multipart is None:
        return
    encoding = multipart.setdefault("encoding", {})
    for field_name, kinds in declared.items():
        encoding[field_name] = {"contentType": ", ".join(kinds)}


def _links(schema: dict[str, Any]) -> None:
    """OpenAPI links from each create to the read, update and delete of what it made."""
    paths = schema.get("paths", {})
    for path, item in paths.items():
        create = item.get("post")
        created = (create or {}).get("responses", {}).get("201")
        if created is None:
            continue
        for target_path, target in paths.items():
            match = re.fullmatch(re.escape(path) + r"/\{([^}/]+)\}", target_path)
            if match is None:
                continue
            parameters = {name: f"$request.path.{name}" for name in _PARAM_RE.findall(path)}
            parameters[match.group(1)] = "$response.body#/id"
            links = created.setdefault("links", {})
            for method in ("get", "patch", "put", "delete"):
                operation_id = target.get(method, {}).get("operationId")
                if operation_id:
                    links[_link_name(method, operation_id)] = {
                        "operationId": operation_id,
                        "parameters": dict(parameters),
                    }


def _link_name(method: str, operation_id: str) -> str:
    words = operation_id.split("_")
    return "".join(word.capitalize() for word in words) or method.capitalize()
