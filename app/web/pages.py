"""Page flows the domains' views share: list pages, form saves, delete confirmations.

Every HTML write runs through ``save_form`` (or ``confirm_delete``): the one place that maps
a refused write to its status (422 invalid, 409 stale or conflicting) and rolls back, through
``app.db.rollback``, so routers never end transactions themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from app.db import rollback
from app.errors import Conflict, Invalid, PayloadTooLarge, PreconditionFailed
from app.web.forms import field_errors, form_version, parse_form, see_other
from app.web.templating import EncodedMarkup, render

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
    spliced: Iterable[EncodedMarkup] = (),
    **context: Any,
) -> HTMLResponse:
    """A list page; search-as-you-type (HTMX) gets only its ``results`` block.

    ``filtered`` (whether to offer clearing the filters) is worked out from ``filters``
    unless the page says it; ``spliced`` as ``render``'s."""
    ctx = {
        "section": section,
        "page": page,
        "filters": filters,
        "sort": sort,
        "sort_choices": sort_choices,
        **context,
    }
    if "filtered" not in ctx:
        ctx["filtered"] = is_filtered(filters)
    return render(request, template, ctx, block="results", spliced=spliced)


def _refused(response: Response, status_code: int) -> Response:
    response.status_code = status_code
    return response


STALE_MESSAGE = (
    "This record was changed since you loaded the page (perhaps in another tab). "
    "Your input is kept below; review the current version and save again."
)


def save_form(
    db: Session,
    save: Callable[[], T],
    *,
    done: Callable[[T], str] | None = None,
    success: Callable[[T], Response] | None = None,
    invalid: Callable[[dict[str, str]], Response] | None = None,
    problems: Callable[[Invalid], Response] | None = None,
    stale: Callable[[], Response] | None = None,
    conflict: Callable[[Conflict], Response] | None = None,
) -> Response:
    """Run an HTML write; on success 303 to ``done(result)`` (or answer ``success(result)``).

    A refusal rolls the transaction back and re-renders the form: Invalid input (and an
    upload past its size limit) with 422 through ``invalid(field -> message)``, or
    ``problems(exc)`` for pages that list every problem; a stale version with 409 through
    ``stale()``, else ``invalid({"form": STALE_MESSAGE})``; a Conflict with 409 through
    ``conflict(exc)``, else ``invalid({"form": exc.detail})``. Other errors (NotFound...)
    propagate to the error pages; the request's session is closed unsaved."""
    if (done is None) == (success is None):
        raise TypeError("save_form needs exactly one of done= or success=")
    if (invalid is None) == (problems is None):
        raise TypeError("save_form needs exactly one of invalid= or problems=")
    try:
        result = save()
    except (Invalid, PayloadTooLarge) as exc:
        rollback(db)
        error = exc if isinstance(exc, Invalid) else Invalid(detail=exc.detail)
        return _refused(_form_again(invalid, problems, error), 422)
    except PreconditionFailed:
        rollback(db)
        if stale is not None:
            return _refused(stale(), 409)
        return _refused(_form_again(invalid, problems, Invalid(detail=STALE_MESSAGE)), 409)
    except Conflict as exc:
        rollback(db)
        if conflict is not None:
            return _refused(conflict(exc), 409)
        return _refused(_form_again(invalid, problems, Invalid(detail=exc.detail)), 409)
    if success is not None:
        return success(result)
    assert done is not None
    return see_other(done(result))


def _form_again(
    invalid: Callable[[dict[str, str]], Response] | None,
    problems: Callable[[Invalid], Response] | None,
    error: Invalid,
) -> Response:
    """The form re-rendered with the refusal (a message alone lands on the "form" key)."""
    if problems is not None:
        return problems(error)
    assert invalid is not None
    return invalid(field_errors(error))


def confirm_delete(
    db: Session,
    version: str | None,
    delete: Callable[[int | None], object],
    *,
    refused: Callable[[str], Response],
    done: str,
    stale_message: str | None = None,
) -> Response:
    """A delete confirmation's POST: 303 to ``done``, or ``refused(why)`` again.

    ``delete`` gets the version the page showed (read by ``form_version``). Dependents
    (Conflict) or a newer version (PreconditionFailed, said as ``stale_message`` when given)
    are refused with 409, a damaged form with 422; the transaction is rolled back first."""
    try:
        delete(form_version(version))
    except (Conflict, PreconditionFailed, Invalid) as exc:
        rollback(db)
        message = (
            stale_message
            if stale_message is not None and isinstance(exc, PreconditionFailed)
            else exc.detail
        )
        return _refused(refused(message), 422 if isinstance(exc, Invalid) else 409)
    return see_other(done)
