"""A served worker's memory at start-up (issue 17): what it imports and what it keeps.

Each check builds the served app in a fresh interpreter, as uvicorn does, so a module-level
import added anywhere under app/ (or a router copied once more) fails here rather than
showing up months later as a few more megabytes per worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from app import httpserver
from app.main import create_app

# Libraries that only a few routes or the command line use, with what they cost a worker that
# imports them (VmRSS, measured one by one on top of FastAPI and SQLAlchemy). Each is imported
# by the function that needs it.
LAZY = {
    "psycopg": "10 MB; PostgreSQL only (app.db)",
    "alembic": "10 MB; migrations (rapport migrate, tests)",
    "icalendar": "3 MB with dateutil; calendar feeds (app.feeds.ics)",
    "vobject": "1.7 MB with pytz; vCard export (app.exchange.vcard.cards)",
    "nh3": "1.4 MB; Markdown pages (app.markdown)",
    "markdown_it": "0.8 MB; Markdown pages (app.markdown)",
    "typer": "1.2 MB; the command line (app.cli)",
    "rich": "3.5 MB with pygments; structlog.dev imports it when installed (app/__init__.py)",
}

_PROBE = """
import gc, json, sys, threading
import app.main
from fastapi.routing import APIRoute

app = app.main._app_factory()
gc.unfreeze()  # get_objects() does not see frozen objects
gc.collect()
live = [o for o in gc.get_objects() if isinstance(o, APIRoute)]
served = [r for r in app.routes if isinstance(r, APIRoute)]
print(json.dumps({
    "loaded": sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules),
    "live_api_routes": sum(r.path.startswith("/api/v1/") for r in live),
    "served_api_routes": sum(r.path.startswith("/api/v1/") for r in served),
    "unserved_routes": sorted({r.path for r in live} - {r.path for r in served}),
    "unserved_copies": len(live) - len(served),
    "threads": sorted(t.name for t in threading.enumerate()),
}))
"""


@pytest.fixture(scope="module")
def served_worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a freshly built served app (app.main._app_factory) has loaded and kept alive."""
    work = tmp_path_factory.mktemp("memory")
    env = {
        **os.environ,
        # Its own SQLite file whatever the suite runs on: psycopg must stay out on SQLite.
        "RAPPORT_DATABASE_URL": f"sqlite:///{work / 'rapport.db'}",
        "RAPPORT_DATA_DIR": str(work / "data"),
    }
    env.pop("RAPPORT_ENV", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(sorted(LAZY))],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_start_up_leaves_rarely_used_libraries_unloaded(served_worker: dict[str, Any]) -> None:
    loaded = {name: LAZY[name] for name in served_worker["loaded"]}
    assert not loaded, f"imported at start-up (move the import into its function): {loaded}"


def test_each_api_route_is_kept_once(served_worker: dict[str, Any]) -> None:
    # Including a router copies its routes (app.web.routing builds them final instead, and
    # create_app adopts them): any copy is a second dependency tree kept for nothing.
    assert served_worker["served_api_routes"] > 50
    assert served_worker["live_api_routes"] == served_worker["served_api_routes"]


def test_served_app_keeps_no_route_templates(served_worker: dict[str, Any]) -> None:
    # The routers hold the very routes the app serves (5 MB of copies when they were
    # included), the app's own system router (/healthz, /readyz, /docs) too.
    assert served_worker["unserved_routes"] == []
    assert served_worker["unserved_copies"] == 0


def test_apps_built_in_one_process_serve_the_same_routes(app: FastAPI) -> None:
    # Tests build many apps: each adopts the same route objects, which refer to no app.
    other = create_app(app.state.settings, app.state.engine)
    assert len(other.routes) == len(app.routes)
    ours = [r for r in app.routes if isinstance(r, APIRoute)]
    theirs = [r for r in other.routes if isinstance(r, APIRoute)]
    assert all(a is b for a, b in zip(ours, theirs, strict=True))
    assert all(r.dependency_overrides_provider is None for r in ours)


def test_served_worker_returns_free_memory_when_its_requests_are_done(
    served_worker: dict[str, Any],
) -> None:
    # SQLite's page caches and each request's objects are freed below live blocks, where glibc
    # keeps them resident: 20 MB of a worker's 136 MB after the bench's load.
    assert "release-free-memory" in served_worker["threads"]


def test_memory_is_trimmed_only_once_no_request_is_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims: list[float] = []
    monkeypatch.setattr(httpserver, "release_free_memory", lambda: trims.append(1) or True)
    threading.Thread(
        target=httpserver.release_free_memory_forever, args=(0.05,), daemon=True
    ).start()
    httpserver.request_began()
    httpserver.request_began()
    httpserver.request_ended()  # one still in flight: malloc's lock is not taken under load
    time.sleep(0.3)
    assert trims == []
    httpserver.request_ended()
    deadline = time.monotonic() + 5
    while not trims and time.monotonic() < deadline:
        time.sleep(0.02)
    assert trims == [1]
    time.sleep(0.3)
    assert trims == [1]  # nothing happened since: no second trim


# 40 MB of 1 KB blocks (malloc's heap, not pymalloc's arenas) under one block still in use, so
# glibc's own trimming of the heap's top cannot return them once they are freed.
_FREED_BELOW_A_LIVE_BLOCK = """
import json
from app.httpserver import bound_malloc, release_free_memory
bound_malloc()
def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:")) / 1024
blocks = [bytes(1024) for _ in range(40_000)]
live = bytes(1024)
del blocks
freed = rss()
released = release_free_memory()
print(json.dumps({"released": released, "freed": freed, "after": rss()}))
"""


@pytest.mark.skipif(
    sys.platform != "linux" or os.confstr("CS_GNU_LIBC_VERSION") is None, reason="glibc only"
)
def test_release_free_memory_returns_what_the_heap_holds_free() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", _FREED_BELOW_A_LIVE_BLOCK],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout)
    assert result["released"]
    assert result["freed"] - result["after"] > 30, result
