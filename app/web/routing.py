"""The domains' routers, whose routes are built once, final, and adopted by the app as they are.

Including a router into the app would copy each route (its dependency tree and pydantic
fields), so every route is built here with what the app's copy had: the ``/api/v1`` prefix,
the contract dependency and the common problem responses for the API, out of the OpenAPI for
pages, operation ids from handler names, and plain ``def`` handlers run on the database
threads. ``app.main.create_app`` puts these route objects into each app it builds; a route refers
to no app (no dependency overrides provider: Rapport never overrides a dependency).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from app.contract import API_PREFIX, request_as_declared
from app.web.deps import on_database_threads
from app.web.resources import COMMON_PROBLEMS

# One dependency object for every API route, as the app's single include had.
_AS_DECLARED = Depends(request_as_declared)


def operation_id(route: APIRoute) -> str:
    """A route's OpenAPI operation id (and its body and response model names)."""
    # Function names are unique across the API, so they make stable operation ids.
    return route.name


class RapportRouter(APIRouter):
    """An ``APIRouter`` whose plain ``def`` handlers run on the database threads.

    The swap happens before the route is built, since FastAPI reads the endpoint then. One
    kind of turn for every handler: a plain ``def`` one on anyio's threads cost 70-75 us of
    CPU more."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = on_database_threads(endpoint)
        super().add_api_route(path, endpoint, **options)


def api_router(prefix: str = "", *, tags: list[str | Enum]) -> RapportRouter:
    """A domain's JSON API router: its routes under ``/api/v1`` + ``prefix``."""
    return RapportRouter(
        prefix=API_PREFIX + prefix,
        tags=tags,
        dependencies=[_AS_DECLARED],
        responses=COMMON_PROBLEMS,
        generate_unique_id_function=operation_id,
    )


def page_router() -> RapportRouter:
    """A router of pages (and other addresses the OpenAPI does not describe)."""
    return RapportRouter(include_in_schema=False, generate_unique_id_function=operation_id)
