"""The route index (app.contract.RouteIndex) dispatches exactly as Starlette's router would."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Match, Route

from app.contract import RouteIndex


def _first_full(routes: list[BaseRoute] | tuple[BaseRoute, ...], path: str, method: str) -> object:
    scope = {"type": "http", "path": path, "root_path": "", "method": method}
    for route in routes:
        if route.matches(scope)[0] is Match.FULL:
            return route
    return None


def _sample_paths(app: FastAPI) -> list[tuple[str, str]]:
    samples: list[tuple[str, str]] = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        for value in ("1", "import", "x.ics", "a/b"):
            path = re.sub(r"\{[^}]+\}", value, route.path_format)
            for method in sorted(route.methods or {"GET"}):
                samples.append((path, method))
    odd = ["/", "/nope", "/api", "/api/v1", "/api/v1/nope", "/contacts/", "/static/app.css", "//"]
    samples += [(path, method) for path in odd for method in ("GET", "POST", "DELETE")]
    return samples


def test_every_path_reaches_the_route_the_router_would_choose(app: FastAPI) -> None:
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    samples = _sample_paths(app)
    assert len(samples) > 500
    for path, method in samples:
        expected = _first_full(app.router.routes, path, method)
        assert _first_full(index.candidates(path), path, method) is expected, (path, method)
    # An API path is narrowed to its resource's few routes.
    assert len(index.candidates("/api/v1/interviews/5")) < len(app.router.routes) // 10


def test_what_no_route_takes_keeps_the_routers_answers(client: TestClient) -> None:
    assert client.get("/api/v1/nope").status_code == 404
    wrong_method = client.put("/api/v1/contacts")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, POST"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/static/favicon.svg").status_code == 200
