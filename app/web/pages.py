"""Page flows the domains' views share: list pages, form saves, delete confirmations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from app.errors import Conflict, Invalid, PreconditionFailed
from app.web.forms import field_errors, form_version, parse_form, see_other
from app.web.templating import render

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def query_filters(request: Request, schema: type[M], fields: tuple[str, ...], **extra: Any) -> M:
    """A list page's filters from its query string, validated by ``schema``."""
    # A filter form sends every field; a blank one means "any", not an invalid value.
    values: dict[str, Any] = {
        name: value.strip()
        for name in fields
        if (value := request.query_params.get(name)) and value.strip()
    }
    values.update({name: value for name, value in extra.items() if value})
    return parse_form(schema, values)


def is_filtered(filters: BaseModel) -> bool:
    """True when any filter is set (the page then offers to clear them)."""
    return any(value is not None for value in filters.model_dump().values())


def list_page(
    request: Request,
    template: str,
    *,
    section: str,
    page: Any,
    filters: BaseModel,
    sort: str,
    sort_choices: list[tuple[str, str]],
    **context: Any,
) -> HTMLResponse:
    """A list page; search-as-you-type (HTMX) gets only its ``results`` block."""
    ctx = {
        "section": section,
        "page": page,
        "filters": filters,
        "filtered": is_filtered(filters),
        "sort": sort,
        "sort_choices": sort_choices,
        **context,
    }
    return render(request, template, ctx, block="results")


def _refused(response: Response, status_code: int) -> Response:
    response.status_code = status_code
    return response


def save_form(
    db: Session,
    save: Callable[[], T],
    *,
    done: Callable[[T], str],
    invalid: Callable[[dict[str, str]], Response],
    stale: Callable[[], Response] | None = None,
    conflict: Callable[[Conflict], Response] | None = None,
) -> Response:
    """Run a form's save, then 303 to ``done(result)``; a refusal re-renders the form.

    Invalid input gets ``invalid(field errors)`` with 422; a stale version (when ``stale`` is
    given) gets ``stale()`` and a Conflict (when ``conflict`` is given) ``conflict(exc)``, both
    409. The transaction is rolled back first, so nothing half-done is kept."""
    try:
        result = save()
    except Invalid as exc:
        db.rollback()
        return _refused(invalid(field_errors(exc)), 422)
    except PreconditionFailed:
        if stale is None:
            raise
        db.rollback()
        return _refused(stale(), 409)
    except Conflict as exc:
        if conflict is None:
            raise
        db.rollback()
        return _refused(conflict(exc), 409)
    return see_other(done(result))


def confirm_delete(
    db: Session,
    version: str | None,
    delete: Callable[[int | None], object],
    *,
    refused: Callable[[str], Response],
    done: str,
    stale_message: str | None = None,
) -> Response:
    """A delete confirmation's POST: 303 to ``done``, or ``refused(why)`` again with 409.

    ``delete`` gets the version the page showed; dependents (Conflict), a newer version
    (PreconditionFailed, said as ``stale_message`` when given) or a damaged form are refused."""
    try:
        delete(form_version(version))
    except (Conflict, PreconditionFailed, Invalid) as exc:
        db.rollback()
        message = (
            stale_message
            if stale_message is not None and isinstance(exc, PreconditionFailed)
            else exc.detail
        )
        return _refused(refused(message), 409)
    return see_other(done)
