"""JSON resource responses: ETag / If-Match, Idempotency-Key, declared problem responses."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from app.auth.models import User
from app.errors import Invalid
from app.idempotency import service as idempotency_service
from app.schemas import TrackedRead

_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status"],
}
_PHRASES = {
    400: "Bad request (unknown sort or filter field)",
    401: "Not authenticated",
    403: "Forbidden (read-only token, CSRF, or built-in content)",
    404: "Not found (or another user's)",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed (stale If-Match)",
    413: "Payload too large",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal error",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json statuses."""
    return {
        status: {
            "description": _PHRASES.get(status, "Problem"),
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


# Every API route can answer these; routers add them to each operation.
COMMON_PROBLEMS = problems(400, 401, 403, 413, 422, 429, 500)

# A version no row has: what a malformed If-Match asks for.
NO_VERSION = -1
_ETAG_RE = re.compile(r'^\s*(?:W/)?"v(\d{1,9})"\s*$')


def etag(version: int) -> str:
    """A strong ETag for a resource version."""
    return f'"v{version}"'


async def if_match_version(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='ETag from a GET, e.g. "v3"')
    ] = None,
) -> int | None:
    """The version the client last saw (None when it sent no If-Match or '*')."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG_RE.match(if_match)
    if match is None:
        # An entity tag that is no version matches none (412), but only once the rest of the
        # request has been validated, as RFC 9110 orders it: check_version refuses it.
        return NO_VERSION
    return int(match.group(1))


IfMatchDep = Annotated[int | None, Depends(if_match_version)]


def resource_response(
    model: BaseModel, *, status_code: int = 200, location: str | None = None
) -> Response:
    """A JSON body with its ETag (and Location for creates)."""
    headers = {}
    version = getattr(model, "version", None)
    if isinstance(version, int):
        headers["ETag"] = etag(version)
    if location:
        headers["Location"] = location
    # pydantic's own serializer writes the bytes: no dict round trip through json.dumps.
    return Response(
        model.model_dump_json(),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def _fingerprint(request: Request, payload: BaseModel | None) -> str:
    canonical = json.dumps(payload.model_dump(mode="json") if payload else None, sort_keys=True)
    return hashlib.sha256(f"{request.method} {request.url.path}\n{canonical}".encode()).hexdigest()


def idempotent(
    request: Request,
    db: Session,
    user: User,
    payload: BaseModel | None,
    produce: Callable[[], Response],
    *,
    with_write: bool = False,
) -> Response:
    """Run a create once per Idempotency-Key: retries replay the stored response.

    ``with_write``: the key is claimed in the transaction ``produce`` commits (a create,
    whose first statement comes at once); without it, in a transaction of its own first (a
    contact import, which parses its whole file first). See ``idempotency.service.claim``."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return produce()
    if not 1 <= len(key) <= 255 or any(ord(c) < 32 for c in key):
        raise Invalid.one("Idempotency-Key", "Use 1 to 255 printable characters.")
    assert user.id is not None
    claimed = idempotency_service.claim(
        db, user.id, key, _fingerprint(request, payload), with_write=with_write
    )
    if isinstance(claimed, idempotency_service.Replay):
        headers = json.loads(claimed.headers or "{}")
        headers["Idempotent-Replayed"] = "true"
        return Response(
            claimed.body,
            status_code=claimed.status_code,
            headers=headers,
            media_type="application/json",
        )
    try:
        response = produce()
    except Exception:
        idempotency_service.release(db, claimed)
        raise
    kept = {k: v for k, v in response.headers.items() if k.lower() in ("location", "etag")}
    idempotency_service.complete(
        db, claimed, response.status_code, bytes(response.body).decode(), json.dumps(kept)
    )
    return response


def created(
    request: Request,
    db: Session,
    user: User,
    payload: BaseModel | None,
    create: Callable[[], TrackedRead],
    *,
    collection: str | None = None,
) -> Response:
    """A POST create: run once per Idempotency-Key; 201 with ETag and the new item's Location.

    ``create`` returns the new resource's read model; its ``id`` goes under ``collection``
    (by default the path posted to)."""

    def produce() -> Response:
        read = create()
        location = f"{collection or request.url.path}/{read.id}"
        return resource_response(read, status_code=201, location=location)

    return idempotent(request, db, user, payload, produce, with_write=True)


def no_content() -> Response:
    """The answer to a successful DELETE."""
    return Response(status_code=204)
