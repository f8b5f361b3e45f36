"""Pure-ASGI baseline for every response: request id, access log, Host check, body limit,
security headers, and a problem+json 500 that never shows a stack trace."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import time
import weakref
from typing import Any

import structlog
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import logs
from app.config import bare_host
from app.httpserver import request_began, request_ended
from app.web.deps import close_request_session
from app.web.problems import problem_response

log = structlog.get_logger("rapport.http")
# File uploads (the LinkedIn import) may be larger than any form or JSON body.
UPLOAD_PATHS = ("/api/v1/import/", "/import-export", "/api/v1/resumes", "/resumes/new")
# Liveness and readiness probes come from the orchestrator under whatever host it dials
# (Docker's HEALTHCHECK uses 127.0.0.1); they reveal nothing, so the Host check skips them.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
UNKNOWN_ADDRESS = "unknown"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ids = random.Random()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# Swagger UI sets inline styles on its own elements; scripts stay 'self' only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# Encoded once: these go on every response.
_CSP_BYTES, _DOCS_CSP_BYTES = CSP.encode(), DOCS_CSP.encode()
_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class BodyTooLarge(StarletteHTTPException):
    """The request body went over the configured limit while streaming.

    An HTTPException so that FastAPI's body and form parsing pass it through (a plain
    exception there becomes a 400 "error parsing the body") and the 413 handler maps it.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body is over {limit} bytes.")


class BodyTimedOut(StarletteHTTPException):
    """The request body did not arrive in time (a slow or stalled upload); see BodyTooLarge."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            status_code=408, detail=f"The request body did not arrive within {seconds:g} seconds."
        )


class HttpBaseline:
    """Wraps the whole application; see the module docstring.

    ``max_in_flight`` (RAPPORT_MAX_IN_FLIGHT): requests past this many wait here, in the
    event loop, holding no thread and no database connection. Without a bound, requests
    that hold a pooled connection while waiting for a worker thread, and threads blocked
    waiting for a pooled connection, deadlock each other (seen under load on PostgreSQL).
    It must stay below the pool size (app.db). Each in-flight request holds a SQLite
    connection and its page cache, so this also bounds a worker's memory.

    ``allowed_hosts`` (Settings.served_hosts): any other Host header is a 400 before any
    handler runs, which closes DNS rebinding against an instance on a private address.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        secure: bool,
        max_in_flight: int,
        allowed_hosts: frozenset[str],
        max_upload_bytes: int | None = None,
        body_timeout: float = 60.0,
    ) -> None:
        self.app = app
        # A slow upload holds an in-flight slot; this bounds how long (RAPPORT_BODY_TIMEOUT_SECONDS).
        self.body_timeout = body_timeout
        self.allowed_hosts = allowed_hosts
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max(max_upload_bytes or max_body_bytes, max_body_bytes)
        self.secure = secure
        # The headers every response gets, built once: three sets by the kind of address.
        common = [*_SECURITY_HEADERS]
        if secure:
            common.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        no_store = (b"cache-control", b"no-store")
        self._headers = ((b"content-security-policy", _CSP_BYTES), *common, no_store)
        self._docs_headers = ((b"content-security-policy", _DOCS_CSP_BYTES), *common, no_store)
        self._static_headers = ((b"content-security-policy", _CSP_BYTES), *common)
        self._header_names = frozenset(name for name, _ in (*self._headers, (b"x-request-id", b"")))
        self.max_in_flight = max_in_flight
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _slots_for_loop(self) -> asyncio.Semaphore:
        # One semaphore per event loop (tests run several loops against one app).
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.max_in_flight)
        return slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming, declared, host = "", "", ""
        chunked = False
        # Only four request headers matter here; ASGI gives names in lower case.
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"content-length":
                declared = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
            elif name == b"transfer-encoding":
                chunked = True
        # Correlation ids need to be unique, not secret: no system call per request.
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else f"{_ids.getrandbits(128):032x}"
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        path: str = scope["path"]
        stays_on_post = scope["method"] not in _SAFE_METHODS and not path.startswith("/api/")
        limit = self.max_upload_bytes if path.startswith(UPLOAD_PATHS) else self.max_body_bytes
        started = time.perf_counter()
        response_started = False
        status_code = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal response_started, status_code
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                message["headers"] = self._with_security_headers(
                    list(message.get("headers", [])), path, request_id
                )
                if stays_on_post and not 300 <= status_code < 400:
                    # A page answering a form post in place (a 422 form, a preview) must not
                    # become the address: HTMX would push the POST-only URL, and a reload
                    # of it would be "405 Method Not Allowed". Redirects push their target.
                    message["headers"].append((b"hx-push-url", b"false"))
            await send(message)

        received = 0
        body_deadline: float | None = None
        body_done = False

        async def receive_wrapper() -> Message:
            nonlocal received, body_deadline, body_done
            if body_done:  # after the body only a disconnect can come: no deadline
                return await receive()
            loop = asyncio.get_running_loop()
            body_deadline = body_deadline or loop.time() + self.body_timeout
            try:
                async with asyncio.timeout_at(body_deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            if bare_host(host) not in self.allowed_hosts and path not in PROBE_PATHS:
                status_code = 400
                await self._send_problem(
                    scope,
                    send_wrapper,
                    400,
                    "Unknown host",
                    "This server does not answer to that host name; use the address in "
                    "RAPPORT_BASE_URL (or add the name to RAPPORT_ALLOWED_HOSTS).",
                )
                return
            if declared.isascii() and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            if path == "/favicon.ico":
                # Browsers ask here on pages that name no icon (the API docs, a JSON answer):
                # point them at the one icon instead of logging a 404 in their console.
                status_code = 301
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": 301,
                        "headers": [(b"location", FAVICON.encode()), (b"content-length", b"0")],
                    }
                )
                await send_wrapper({"type": "http.response.body", "body": b""})
                return
            # A request that declares no body (no Content-Length, or 0, and no
            # Transfer-Encoding) has none: the server hands over an empty one at once, so the
            # size and time limits have nothing to watch, and the wrapper's timer (a timeout
            # scheduled and cancelled per receive) is skipped for most reads.
            bodyless = not chunked and declared in ("", "0")
            async with self._slots_for_loop():
                request_began()
                try:
                    await self.app(scope, receive if bodyless else receive_wrapper, send_wrapper)
                finally:
                    try:
                        # Its database session (app.web.deps.get_db), once the response is
                        # sent and before the slot is handed on.
                        await close_request_session(scope)
                    finally:
                        request_ended()
        except BodyTooLarge:
            if not response_started:
                await self._send_problem(
                    scope,
                    send_wrapper,
                    413,
                    "Payload Too Large",
                    f"The request body is over {limit} bytes.",
                )
        except BodyTimedOut as exc:
            if not response_started:
                status_code = 408
                await self._send_problem(scope, send_wrapper, 408, "Request Timeout", exc.detail)
        except Exception:
            log.exception("unhandled_error", path=path)
            if not response_started:
                await self._send_problem(
                    scope,
                    send_wrapper,
                    500,
                    "Internal Server Error",
                    "Something went wrong on our side. The error was logged; please try again.",
                )
        finally:
            logs.write_access(
                scope["method"],
                path,
                status_code,
                round((time.perf_counter() - started) * 1000, 1),
                request_id,
            )
            structlog.contextvars.unbind_contextvars("request_id")

    async def _send_problem(
        self, scope: Scope, send: Send, status: int, title: str, detail: str
    ) -> None:
        request = Request(scope)
        response = problem_response(request, status, title, detail)

        async def empty_receive() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, empty_receive, send)

    def _with_security_headers(
        self, raw: list[tuple[bytes, bytes]], path: str, request_id: str
    ) -> list[tuple[bytes, bytes]]:
        if path == "/docs":
            extra = self._docs_headers
        elif path.startswith("/static/"):
            extra = self._static_headers
        else:
            extra = self._headers
        own = (b"x-request-id", request_id.encode("latin-1"))
        present = {k.lower() for k, _ in raw}
        if present.isdisjoint(self._header_names):
            return [*raw, *extra, own]  # the usual case: the response set none of them
        return [*raw, *(item for item in (*extra, own) if item[0] not in present)]


FAVICON = "/static/favicon.svg"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_ip(request: Any) -> str:
    """The client's IP address, normalised, or "unknown"; never an arbitrary string.

    The peer is the client unless it is one of RAPPORT_TRUSTED_PROXIES, whose
    X-Forwarded-For uvicorn has already applied (``rapport serve``); a value that is not an
    address (a test client's name, a proxy passing garbage through) counts as "unknown".
    """
    client = getattr(request, "client", None)
    if not client or not client.host:
        return UNKNOWN_ADDRESS
    try:
        return ipaddress.ip_address(client.host.strip("[]")).compressed
    except ValueError:
        return UNKNOWN_ADDRESS
