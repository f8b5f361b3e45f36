"""create_app(): settings, middleware, routers, error handlers, static files."""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.config import Settings, get_settings
from app.contract import install_contract
from app.db import make_engine
from app.httpserver import release_free_memory, release_free_memory_forever
from app.logs import configure_logging
from app.questions.starter.service import ensure_starter_banks
from app.registry import domain_modules, import_all_models
from app.web.middleware import HttpBaseline
from app.web.problems import install_error_handlers
from app.web.routing import operation_id, page_router
from app.web.templating import configure_templates

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def _lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the running event loop, so it is sized here, not at import.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield

    return lifespan


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application; tests pass their own settings and engine."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)
    configure_templates(settings)
    import_all_models()
    app = FastAPI(
        title="Rapport API",
        version="1",
        description=(
            "Careers, contacts, question banks and informational interviews. "
            "Authenticate with `Authorization: Bearer <token>` (create one with "
            "`POST /api/v1/auth/token`)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=operation_id,
        lifespan=_lifespan(settings),
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.effective_database_url,
        busy_seconds=settings.db_busy_seconds,
        connect_timeout=settings.db_connect_timeout,
        pool_timeout=settings.db_pool_timeout,
    )
    app.state.secret_key = settings.effective_secret_key()
    try:
        ensure_starter_banks(app.state.engine)  # shipped question banks, created or upgraded
    except OperationalError as exc:
        # The database may come up after the app (compose, restarts); /readyz says 503 meanwhile.
        structlog.get_logger("rapport").warning(
            "starter_banks_skipped", reason=f"database unreachable: {exc.__class__.__name__}"
        )

    install_error_handlers(app)
    app.add_middleware(
        HttpBaseline,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        secure=settings.secure_cookies,
        max_in_flight=settings.max_in_flight,
        allowed_hosts=settings.served_hosts,
        body_timeout=settings.body_timeout_seconds,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # The routes are adopted, not included: app.web.routing built each one final, and
    # include_router would copy it (its dependency tree and pydantic fields, 5 MB in all).
    # Every app built in a process serves the same route objects: a route refers to no app
    # (no dependency_overrides_provider; Rapport overrides no dependency).
    for kind in ("api", "views"):
        for module in domain_modules(kind):
            app.router.routes.extend(module.router.routes)
    app.router.routes.extend(_system_router().routes)
    install_contract(app)  # the OpenAPI every operation shares, and 405 with Allow
    return app


@functools.cache  # built once, like the domains' routes, whatever number of apps
def _system_router() -> APIRouter:
    router = page_router()

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz(request: Request) -> JSONResponse:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ready", "database": "ok"})

    @router.get("/docs", response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_HTML)

    return router


_DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rapport API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>"""


def _app_factory() -> Any:
    """The served app (``rapport serve``): built, then its objects moved out of the GC's sight."""
    app = create_app()
    # Routes, schemas, templates and imported modules live as long as the worker; without
    # freezing them every full collection walks them all again (most of a collection's cost
    # during a 10,000-row import). Collected first, so no garbage is frozen with them.
    gc.collect()
    gc.freeze()
    # What start-up freed (ANALYZE's pages, the collection's garbage) would stay resident:
    # 2 MB at 100k contacts. Then the same every second for what requests free.
    release_free_memory()
    threading.Thread(
        target=release_free_memory_forever, name="release-free-memory", daemon=True
    ).start()
    return app
