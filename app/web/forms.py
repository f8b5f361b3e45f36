"""HTML form handling: read a submitted form, validate it with the API's schema."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app import validation
from app.errors import Invalid
from app.validation import small_int

M = TypeVar("M", bound=BaseModel)


async def read_form(request: Request) -> FormData:
    """The submitted form (already parsed and cached by the CSRF check)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def form_values(
    form: FormData, *, lists: tuple[str, ...] = (), drop_empty: bool = True
) -> dict[str, Any]:
    """A dict of the form's fields: ``lists`` keep every value; empty optionals are dropped."""
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in lists:
            values[key] = [v for v in form.getlist(key) if isinstance(v, str) and v.strip()]
            continue
        value = form.get(key)
        if isinstance(value, str):
            if drop_empty and value.strip() == "":
                continue
            values[key] = value
    return values


def invalid_from(exc: ValidationError) -> Invalid:
    """Pydantic's errors as our Invalid, worded by the one catalogue (``app.validation``)."""
    return validation.invalid(validation.field_errors_of(exc.errors()))


def parse_form(schema: type[M], values: dict[str, Any]) -> M:
    """Validate form values with a schema; Invalid (field by field) when they do not fit."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def field_errors(exc: Invalid) -> dict[str, str]:
    """field name -> first message, for templates (nested paths keep their first part too)."""
    out: dict[str, str] = {}
    for err in exc.errors:
        out.setdefault(err.field, err.message)
        out.setdefault(err.field.split(".")[0], err.message)
    if not exc.errors:
        out["form"] = exc.detail
    return out


def form_version(raw: object) -> int | None:
    """An edit form's hidden version field (None when absent); a damaged one is Invalid.

    The one way to read it: a value that is not plain digits (blank, "abc", a file) must not
    turn into "no check", which would let the save overwrite a newer edit."""
    if raw is None:
        return None
    version = small_int(raw) if isinstance(raw, str) else None
    if version is None:
        raise Invalid.one("version", "The form is damaged; reload the page and try again.")
    return version


def see_other(url: str) -> RedirectResponse:
    """POST-redirect-GET."""
    return RedirectResponse(url, status_code=303)
