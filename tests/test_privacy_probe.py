"""Cross-user privacy probe: user B calls every route that takes an id with user A's ids.

The route list comes from the application itself, so a route added by any domain is probed
the day it lands. Every such call must answer 404 (another user's row does not exist for B),
must not echo any of A's data, and must leave A's data exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.auth import service as auth_service
from app.auth.models import User
from tests.conftest import PASSWORD, ApiClient, WebClient
from tests.seeding import (
    MARKER,
    example_value,
    json_body_schema,
    operation,
    seed_everything,
)

PARAM_RE = re.compile(r"{([^}:]+)(?::[^}]+)?}")

# Routes whose ids are not owned records, with the answer a non-admin B must get and why.
EXPECTED_OTHERWISE: dict[str, tuple[int, str]] = {
    "/admin/users/{user_id}/disable": (403, "admin-only page: a non-admin gets 403 before any id"),
    "/admin/users/{user_id}/enable": (403, "admin-only page: a non-admin gets 403 before any id"),
}
# Fields a browser form might send; views read what they need and ignore the rest.
FORM_FIELDS = {
    "title": f"B was here {MARKER}b",
    "name": f"B was here {MARKER}b",
    "full_name": f"B was here {MARKER}b",
    "text": f"B was here {MARKER}b",
    "summary": f"B was here {MARKER}b",
    "notes": f"B was here {MARKER}b",
    "answer_notes": f"B was here {MARKER}b",
    "status": "completed",
    "kind": "email",
    "direction": "up",
    "version": "1",
}
# Values that change by themselves between two reads (touch timestamps).
VOLATILE_KEYS = frozenset({"last_used_at", "last_seen_at", "request_id", "exported_at"})


@dataclass(frozen=True)
class Probe:
    """One method on one route that takes path parameters."""

    method: str
    path: str
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def id_routes(app: FastAPI) -> list[Probe]:
    """Every (method, path) of the application that has a path parameter."""
    probes = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        params = tuple(PARAM_RE.findall(route.path))
        if not params:
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            probes.append(Probe(method, route.path, params))
    return sorted(probes, key=lambda p: (p.path, p.method))


def plain_routes(app: FastAPI, *, api: bool) -> list[str]:
    """GET routes without path parameters (lists and pages)."""
    paths = []
    for route in app.routes:
        if (
            isinstance(route, APIRoute)
            and "GET" in route.methods
            and not PARAM_RE.search(route.path)
            and route.path.startswith("/api/") == api
        ):
            paths.append(route.path)
    return sorted(paths)


def _required_query(openapi: dict[str, Any], path: str, values: dict[str, Any]) -> dict[str, Any]:
    query = {}
    for param in operation(openapi, "GET", path).get("parameters", []):
        if param.get("in") == "query" and param.get("required"):
            query[param["name"]] = values.get(
                param["name"],
                example_value(param.get("schema", {}), openapi, values, param["name"]),
            )
    return query


def _strip_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


@dataclass
class World:
    """User A with one of everything, and user B with clients of both kinds."""

    app: FastAPI
    alice: User
    bob: User
    alice_api: ApiClient
    alice_web: WebClient
    bob_api: ApiClient
    bob_web: WebClient
    values: dict[str, Any]
    openapi: dict[str, Any]

    def snapshot(self) -> dict[str, tuple[int, Any]]:
        """Everything A can read through the API, for a before/after comparison."""
        seen: dict[str, tuple[int, Any]] = {}
        for probe in id_routes(self.app):
            if probe.method == "GET" and probe.is_api:
                url = probe.path.format(**self.values)
                response = self.alice_api.get(url)
                seen[url] = (response.status_code, _body(response))
        for path in plain_routes(self.app, api=True):
            response = self.alice_api.get(
                path, params=_required_query(self.openapi, path, self.values)
            )
            seen[path] = (response.status_code, _body(response))
        return seen


def _body(response: Any) -> Any:
    if "json" in response.headers.get("content-type", ""):
        return _strip_volatile(response.json())
    return response.text


@pytest.fixture
def world(
    app: FastAPI,
    db: Session,
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
    web_client_for: Callable[..., WebClient],
) -> World:
    alice = make_user("alice")
    bob = make_user("bob")
    alice_api = api_client_for(alice)
    seeded = seed_everything(app, alice_api)
    alice_web = web_client_for(alice, PASSWORD)
    values = dict(seeded.params)
    # Tokens and sessions are the caller's own resources: B names A's and must get 404.
    tokens = alice_api.get("/api/v1/tokens").json()
    values["token_id"] = tokens[0]["id"]
    values["session_id"] = auth_service.list_sessions(db, alice)[0].id
    db.rollback()  # end the read: the arranging session must not hold SQLite's write lock
    values["user_id"] = alice.id
    return World(
        app=app,
        alice=alice,
        bob=bob,
        alice_api=alice_api,
        alice_web=alice_web,
        bob_api=api_client_for(bob),
        bob_web=web_client_for(bob, PASSWORD),
        values=values,
        openapi=app.openapi(),
    )


def _call_as_bob(world: World, probe: Probe) -> Any:
    url = probe.path.format(**world.values)
    if probe.is_api:
        kwargs: dict[str, Any] = {}
        schema = json_body_schema(world.openapi, probe.method, probe.path)
        if schema is not None:
            kwargs["json"] = example_value(schema, world.openapi, world.values)
        return world.bob_api.request(probe.method, url, **kwargs)
    if probe.method == "GET":
        return world.bob_web.get(url, follow_redirects=False)
    return world.bob_web.request(
        probe.method,
        url,
        data={"csrf_token": world.bob_web.csrf_token, **FORM_FIELDS},
        follow_redirects=False,
    )


def test_every_id_route_is_404_for_another_user(world: World) -> None:
    probes = id_routes(world.app)
    assert probes, "the application has no routes with ids?"
    unfillable = sorted(
        {f"{p} needs {{{name}}}" for p in probes for name in p.params if name not in world.values}
    )
    assert not unfillable, (
        "These routes take a parameter the probe cannot fill; add a seeding step in "
        "tests/seeding.py (STEPS / _sub_keys) that creates the record and provides it:\n"
        + "\n".join(unfillable)
    )
    before = world.snapshot()

    wrong: list[str] = []
    for probe in probes:
        expected, _why = EXPECTED_OTHERWISE.get(probe.path, (404, ""))
        response = _call_as_bob(world, probe)
        if response.status_code != expected:
            wrong.append(
                f"{probe}: {response.status_code} (expected {expected}) {response.text[:160]!r}"
            )
        elif MARKER in response.text.replace(f"{MARKER}b", ""):
            wrong.append(f"{probe}: answered {expected} but the body shows A's data")
    assert not wrong, "Another user's ids must be 'not found':\n" + "\n".join(wrong)

    after = world.snapshot()
    changed = sorted(url for url in before if before[url] != after.get(url))
    assert not changed, (
        f"B's requests changed A's data: {[(u, before[u], after.get(u)) for u in changed]}"
    )
    assert world.alice_web.get("/account").status_code == 200, "B signed A out"


def test_lists_and_pages_show_only_the_callers_rows(world: World) -> None:
    leaks = []
    for path in plain_routes(world.app, api=True):
        query = _required_query(world.openapi, path, world.values)
        response = world.bob_api.get(path, params=query)
        if MARKER in response.text:
            leaks.append(f"GET {path} ({response.status_code}) {response.text[:300]}")
    for path in plain_routes(world.app, api=False):
        response = world.bob_web.get(path, follow_redirects=False)
        if MARKER in response.text:
            leaks.append(f"page {path} ({response.status_code})")
    assert not leaks, "B sees A's records in:\n" + "\n".join(leaks)


def test_the_probe_sees_the_owners_data(world: World) -> None:
    """The scans above mean something only if A's own lists do show the marker."""
    shown = [
        path
        for path in plain_routes(world.app, api=True)
        if MARKER in world.alice_api.get(path).text
    ]
    created = [p for p in ("/api/v1/careers", "/api/v1/contacts") if p in shown]
    routes = {r.path for r in world.app.routes if isinstance(r, APIRoute)}
    expected = [p for p in ("/api/v1/careers", "/api/v1/contacts") if p in routes]
    assert created == expected, f"A's own lists should show A's records: {shown}"
