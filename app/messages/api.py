"""/api/v1/message-templates: thin JSON routes over app.messages.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from app.messages import service
from app.messages.drafts import VARIABLES
from app.messages.models import MessageTemplate
from app.messages.schemas import (
    DraftRead,
    MessageKind,
    MessageTemplateCreate,
    MessageTemplateFilters,
    MessageTemplateRead,
    MessageTemplateUpdate,
    RenderRequest,
)
from app.paging import sortable
from app.schemas import Page
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.forms import parse_form
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/message-templates", tags=["message-templates"])
_VARIABLES_DOC = "; ".join(f"`{name}`: {text}" for name, text in VARIABLES.items())


def template_filters(
    listing: ListQueryDep,
    kind: Annotated[MessageKind | None, Query(description="Only of this kind.")] = None,
    builtin: Annotated[
        bool | None, Query(description="true: only built-ins; false: only your own.")
    ] = None,
) -> MessageTemplateFilters:
    """The list filters, validated by the schema the page uses too."""
    values = {"kind": kind, "builtin": builtin, "q": listing.q}
    return parse_form(MessageTemplateFilters, {k: v for k, v in values.items() if v is not None})


TemplateFiltersDep = Annotated[MessageTemplateFilters, Depends(template_filters)]


def _read(row: MessageTemplate) -> MessageTemplateRead:
    return MessageTemplateRead.model_validate(row)


@router.get("", response_model=Page[MessageTemplateRead], openapi_extra=sortable(service.SORTABLE))
def list_message_templates(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
    filters: TemplateFiltersDep,
) -> Response:
    """The built-ins and the caller's own; `q` matches name and subject; sort by name, kind,
    created_at or updated_at."""
    found = service.list_templates(
        db, user, filters, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    items = [_read(t) for t in found.items]
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post(
    "",
    status_code=201,
    response_model=MessageTemplateRead,
    responses=problems(409),
    description=(
        "Save a template of your own. Subject and body use Jinja syntax (`{{ contact.first_name }}`, "
        "`{% if %}`, `{% for %}`) in a sandbox over these variables: "
        + _VARIABLES_DOC
        + ". A syntax error or anything the sandbox refuses is a 422 naming the line."
    ),
)
def create_message_template(
    data: MessageTemplateCreate, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Save a template of your own."""
    return created(request, db, user, data, lambda: _read(service.create_template(db, user, data)))


@router.get("/{template_id}", response_model=MessageTemplateRead, responses=problems(404))
def get_message_template(template_id: RowId, db: SessionDep, user: CurrentUser) -> Response:
    """One template (a built-in or your own), with its ETag."""
    return resource_response(_read(service.get_template(db, user, template_id)))


@router.post(
    "/{template_id}/copy",
    status_code=201,
    response_model=MessageTemplateRead,
    responses=problems(404, 409),
)
def copy_message_template(
    template_id: RowId, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Copy a template (typically a built-in) into one of your own to edit."""
    return created(
        request,
        db,
        user,
        None,
        lambda: _read(service.copy_template(db, user, template_id)),
        collection="/api/v1/message-templates",
    )


@router.patch("/{template_id}", response_model=MessageTemplateRead, responses=problems(404, 412))
def update_message_template(
    template_id: RowId,
    data: MessageTemplateUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Change one of your templates (built-ins are read-only: 403)."""
    row = service.update_template(db, user, template_id, data, expected_version=expected)
    return resource_response(_read(row))


@router.delete("/{template_id}", status_code=204, responses=problems(404, 412))
def delete_message_template(
    template_id: RowId, db: SessionDep, user: CurrentUser, expected: IfMatchDep
) -> Response:
    """Delete one of your templates (built-ins: 403)."""
    service.delete_template(db, user, template_id, expected_version=expected)
    return no_content()


@router.post("/{template_id}/render", response_model=DraftRead, responses=problems(404))
def render_message_template(
    template_id: RowId, data: RenderRequest, db: SessionDep, user: CurrentUser
) -> Response:
    """The draft for a contact and/or interview: subject, body, warnings and a mailto: link."""
    draft = service.render_template(
        db, user, template_id, contact_id=data.contact_id, interview_id=data.interview_id
    )
    return resource_response(DraftRead.model_validate(draft))
