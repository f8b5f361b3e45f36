"""The one place that turns errors into responses: problem+json, an HTML page, or a toast."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import errors, validation
from app.db import database_fault
from app.web.templating import is_htmx, templates

log = structlog.get_logger("rapport.errors")
PROBLEM_JSON = "application/problem+json"

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.Invalid: 422,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
    errors.InsufficientStorage: 507,
}


class LoginRequired(Exception):
    """A page needs a signed-in user; the browser is sent to the login page."""


def wants_problem_json(request: Request) -> bool:
    """API paths (and clients that ask for JSON) get problem+json."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An RFC 9457 problem document, or its HTML / HTMX equivalent."""
    slug = title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"urn:rapport:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(extra or {})
    if wants_problem_json(request):
        return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    if is_htmx(request):
        toast = json.dumps({"rapport:toast": {"level": "error", "message": detail}})
        hx_headers = {"HX-Reswap": "none", "HX-Trigger": toast, "X-Toast": quote(detail)}
        return Response(status_code=status, headers={**(headers or {}), **hx_headers})
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "detail": detail,
            "user": getattr(request.state, "user", None),
            "csrf_token": "",
        },
        status_code=status,
        headers=headers,
    )


async def _domain_error(request: Request, exc: errors.DomainError) -> Response:
    status = STATUS_BY_ERROR.get(type(exc), 400)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Invalid | errors.BadRequest) and exc.errors:
        extra["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    if isinstance(exc, errors.Conflict) and exc.dependents:
        extra["dependents"] = exc.dependents
    if isinstance(exc, errors.Conflict) and exc.existing_id is not None:
        extra["existing_id"] = exc.existing_id
    if isinstance(exc, errors.PreconditionFailed) and exc.current_version is not None:
        extra["current_version"] = exc.current_version
    if isinstance(exc, errors.RateLimited | errors.Unavailable | errors.InsufficientStorage):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.Unauthorized) and request.url.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="rapport"'
    return problem_response(request, status, exc.title, exc.detail, extra=extra, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    # The catalogue words each error, so the API says what the form beside the field says.
    fields = validation.field_errors_of(exc.errors())
    items = [{"field": f.field, "message": f.message} for f in fields]
    detail = " ".join(f.message for f in fields[:5]) or "Invalid input."
    return problem_response(request, 422, "Validation failed", detail, extra={"errors": items})


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail != phrase
        else {
            404: "There is nothing at this address.",
            405: "This method is not allowed here.",
        }.get(status, phrase)
    )
    response = problem_response(request, status, phrase, detail, headers=exc.headers)
    return response


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    target = "/login?next=" + quote(
        request.url.path + (f"?{request.url.query}" if request.url.query else "")
    )
    if is_htmx(request) or request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _database_error(request: Request, exc: Exception) -> Response:
    # Busy, full or unreachable is the database's state, not a bug: 503/507 with Retry-After.
    fault = database_fault(exc)
    if fault is None:
        return await _unhandled(request, exc)
    log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
    return await _domain_error(request, fault)


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path)
    return problem_response(
        request,
        500,
        "Internal Server Error",
        "Something went wrong on our side. The error was logged; please try again.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping for every error the application can raise."""
    app.add_exception_handler(errors.DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)
    app.add_exception_handler(sa_exc.TimeoutError, _database_error)
    app.add_exception_handler(Exception, _unhandled)
