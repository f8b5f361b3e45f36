"""What FastAPI solves for each request: one dependency per identity, the scheme documented."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.contract import request_as_declared
from app.web import deps


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        assert sub.call is not None
        yield sub.call
        yield from _calls(sub)


def _routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in app.routes if isinstance(route, APIRoute)]


def test_each_route_resolves_its_caller_once(app: FastAPI) -> None:
    # _page_user / _admin_page_user call page_actor themselves (one dependency fewer per
    # page), so a route that also took PageActor would look the session up twice.
    user_deps = (deps._page_user, deps._admin_page_user)
    for route in _routes(app):
        calls = list(_calls(route.dependant))
        assert not (deps.page_actor in calls and any(c in calls for c in user_deps)), route.path
        identities = [c for c in calls if isinstance(c, deps.ApiAuthentication)]
        assert len(identities) <= 1, route.path


def test_api_routes_solve_the_identity_as_one_documented_dependency(app: FastAPI) -> None:
    route = next(r for r in _routes(app) if r.path == "/api/v1/interviews/{interview_id}")
    # The router's checks (one dependency), the session, and the user, which depends on
    # nothing (no HTTPBearer, no Actor dependency beneath it): it calls get_db itself, since
    # FastAPI solves a nested dependency before looking in its cache, so a get_db beneath it
    # was a fourth solve on every API request. Three solves in all.
    top = [sub.call for sub in route.dependant.dependencies]
    assert top[0] is request_as_declared and deps.get_db in top
    auth = [
        sub for sub in route.dependant.dependencies if isinstance(sub.call, deps.ApiAuthentication)
    ]
    assert len(auth) == 1
    assert auth[0].dependencies == []
    assert len(list(_calls(route.dependant))) == 3
    # FastAPI still documents the bearer scheme on the operation, as HTTPBearer did.
    document = app.openapi()
    operation = document["paths"]["/api/v1/interviews/{interview_id}"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": "rpt_ token"}


def test_page_identities_depend_on_nothing(app: FastAPI) -> None:
    # As the API's: each calls get_db itself, so FastAPI does not solve the session a second
    # time beneath it on every page.
    identities = {deps.page_actor, deps._page_user, deps._admin_page_user, deps.optional_page_user}
    seen = set()
    for route in _routes(app):
        for sub in route.dependant.dependencies:
            if sub.call in identities:
                seen.add(sub.call)
                assert sub.dependencies == [], (route.path, sub.call)
    assert seen == identities
