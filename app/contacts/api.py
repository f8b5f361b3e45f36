"""/api/v1/contacts: thin JSON routes over app.contacts.service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse

from app.contacts import service
from app.contacts.referrals import service as referrals_service
from app.contacts.schemas import (
    ContactCreate,
    ContactListQuery,
    ContactRead,
    ContactUpdate,
    ReferralsRead,
)
from app.paging import sortable
from app.schemas import Page
from app.web.deps import CurrentUser, RowId, SessionDep, SettingsDep, run_db, run_db_scan
from app.web.listing import json_page_response, parsed_query
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/contacts", tags=["contacts"])


@router.get("", response_model=Page[ContactRead], openapi_extra=sortable(service.CONTACT_SORTS))
async def list_contacts(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    query: Annotated[ContactListQuery, parsed_query(ContactListQuery)],
) -> Response:
    """The caller's contacts. Sort by full_name, created_at, updated_at, last_contacted_at,
    next_touch_due or stage; `q` matches name, title, organization, email and tags."""
    filters = service.ContactFilters(**query.filter_values())
    found = await (run_db_scan if filters.q else run_db)(
        request,
        service.contact_encoded_page,
        db,
        user,
        filters,
        limit=query.limit,
        offset=query.offset,
        sort=query.sort,
    )
    return json_page_response(
        request, found.items, total=found.total, limit=found.limit, offset=found.offset
    )


@router.post("", status_code=201, response_model=ContactRead, responses=problems(409))
def create_contact(
    data: ContactCreate, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> Response:
    """Create a contact. A LinkedIn profile already on another contact is a 409 naming it."""

    def create() -> ContactRead:
        contact = service.create_contact(db, user, data, phone_region=settings.default_phone_region)
        assert contact.id is not None
        return service.read_contact(db, user, contact.id)

    return created(request, db, user, data, create, collection="/api/v1/contacts")


@router.get("/{contact_id}", response_model=ContactRead, responses=problems(404))
def get_contact(contact_id: RowId, user: CurrentUser, db: SessionDep) -> JSONResponse:
    """One contact, with an ETag for If-Match."""
    return resource_response(service.read_contact(db, user, contact_id))


@router.patch("/{contact_id}", response_model=ContactRead, responses=problems(404, 409, 412))
def update_contact(
    contact_id: RowId,
    data: ContactUpdate,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    expected: IfMatchDep,
) -> JSONResponse:
    """Change the fields sent; `null` clears an optional one."""
    service.update_contact(
        db,
        user,
        contact_id,
        data,
        expected_version=expected,
        phone_region=settings.default_phone_region,
    )
    return resource_response(service.read_contact(db, user, contact_id))


@router.delete("/{contact_id}", status_code=204, responses=problems(404, 409, 412))
def delete_contact(
    contact_id: RowId,
    user: CurrentUser,
    db: SessionDep,
    expected: IfMatchDep,
    cascade: Annotated[
        bool,
        Query(
            description="Also delete its interactions and interviews, and clear the introducer "
            "of people it introduced. Without it, a contact with any of these is a 409."
        ),
    ] = False,
) -> Response:
    """Delete a contact (409 with `dependents` unless `cascade=true`)."""
    service.delete_contact(db, user, contact_id, cascade=cascade, expected_version=expected)
    return no_content()


@router.get("/{contact_id}/referrals", response_model=ReferralsRead, responses=problems(404))
def get_contact_referrals(contact_id: RowId, user: CurrentUser, db: SessionDep) -> ReferralsRead:
    """Who introduced the contact (nearest first, up to the first) and whom it introduced."""
    return referrals_service.referrals(db, user, contact_id)
