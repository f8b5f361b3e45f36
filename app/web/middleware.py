"""Pure-ASGI baseline for every response: request id, access log, body limit,
security headers, and a problem+json 500 that never shows a stack trace."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.problems import problem_response

log = structlog.get_logger("rapport.http")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# Swagger UI sets inline styles on its own elements; scripts stay 'self' only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class BodyTooLarge(StarletteHTTPException):
    """The request body went over the configured limit while streaming.

    An HTTPException so that FastAPI's body and form parsing pass it through (a plain
    exception there becomes a 400 "error parsing the body") and the 413 handler maps it.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body is over {limit} bytes.")


class HttpBaseline:
    """Wraps the whole application; see the module docstring."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, secure: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        path: str = scope["path"]
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
            await send(message)

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        try:
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise BodyTooLarge(self.max_body_bytes)
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLarge:
            if not response_started:
                await self._send_problem(
                    scope,
                    send_wrapper,
                    413,
                    "Payload Too Large",
                    f"The request body is over {self.max_body_bytes} bytes.",
                )
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
            log.info(
                "request",
                method=scope["method"],
                path=path,
                status=status_code,
                ms=round((time.perf_counter() - started) * 1000, 1),
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
        present = {k.lower() for k, _ in raw}
        extra: dict[str, str] = {
            "content-security-policy": DOCS_CSP if path == "/docs" else CSP,
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            "cross-origin-opener-policy": "same-origin",
            "x-request-id": request_id,
        }
        if not path.startswith("/static/"):
            extra["cache-control"] = "no-store"
        if self.secure:
            extra["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        out = list(raw)
        for name, value in extra.items():
            if name.encode() not in present:
                out.append((name.encode(), value.encode("latin-1")))
        return out


def client_ip(scope_or_request: Any) -> str:
    """The peer address (a reverse proxy should set it through uvicorn's --proxy-headers)."""
    client = getattr(scope_or_request, "client", None)
    return client.host if client else "unknown"
