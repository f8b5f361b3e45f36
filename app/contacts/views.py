"""Contact pages: detail with the timeline, create / edit forms (also the quick-add from
career and organization pages), delete with confirmation. The list pages live in
list_views.py, interaction forms in interactions_views.py."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.auth.models import User
from app.contacts import (
    delete_service,
    interactions_views,
    list_views,
    pages_service,
    service,
)
from app.contacts.list_views import CHOICES
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from app.errors import Conflict
from app.schemakit import MAX_INT32
from app.web.deps import PageUser, SessionDep, SettingsDep
from app.web.forms import FormDep, form_version, parse_form
from app.web.pages import confirm_delete, save_form
from app.web.templating import render

router = APIRouter()
# The list's fixed paths (/contacts/due, /contacts/suggest, ...) before /contacts/{id}.
router.include_router(list_views.router)
ContactId = Annotated[int, Path(ge=1, le=MAX_INT32)]

TEXT_FIELDS = ("full_name", "title", "location", "how_we_met", "notes", "stage")
OPTIONAL_FIELDS = (
    "organization_id",
    "email",
    "phone",
    "linkedin_url",
    "introduced_by_id",
    "stay_in_touch_days",
)
# Typed with suggestions in the form, each standing for the id field beside it.
TYPED_FIELDS = ("organization", "introduced_by")


# ---- create and edit -------------------------------------------------------------------


def _read_form(form: FormData) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the values as typed, for re-rendering; the payload for the schema)."""
    typed: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, *OPTIONAL_FIELDS, *TYPED_FIELDS, "tags", "version", "next"):
        raw = form.get(name)
        if isinstance(raw, str):
            typed[name] = raw
    for name in TEXT_FIELDS:
        if name in typed and not (name == "stage" and not typed[name].strip()):
            payload[name] = typed[name]
    for name in OPTIONAL_FIELDS:
        if name in typed:
            payload[name] = typed[name].strip() or None
    career_ids = [v for v in form.getlist("career_ids") if isinstance(v, str) and v.strip()]
    typed["career_ids"] = career_ids
    payload["career_ids"] = career_ids
    payload["tags"] = [t for t in typed.get("tags", "").split(",") if t.strip()]
    return typed, payload


def _safe_next(target: str | None) -> str | None:
    """A same-site path to go back to, or None for anything else."""
    if not target or len(target) > 500 or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _form_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    contact: Contact | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    conflict: ContactRead | None = None,
    duplicate_id: int | None = None,
) -> HTMLResponse:
    context = {
        "section": "contacts",
        "contact": contact,
        "values": pages_service.typed_from_ids(db, user, values),
        "errors": errors or {},
        "conflict": conflict,
        "duplicate_id": duplicate_id,
        "careers": pages_service.career_choices(db, user),
        "organization_help": not pages_service.has_organizations(db, user),
        **CHOICES,
    }
    return render(request, "contacts/form.html", context)


def _values_of(read: ContactRead) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: "" if (value := getattr(read, name)) is None else str(value)
        for name in (*TEXT_FIELDS, *OPTIONAL_FIELDS)
    }
    values["career_ids"] = [str(i) for i in read.career_ids]
    values["tags"] = ", ".join(read.tags)
    values["version"] = str(read.version)
    return values


@router.get("/contacts/new", response_class=HTMLResponse)
def new_contact_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    organization_id: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
    career_id: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
    introduced_by_id: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
) -> Response:
    values: dict[str, Any] = {"stage": "prospect", "career_ids": []}
    # Prefills from links on other pages; the service still checks them on submit.
    values.update(pages_service.reference_values(db, user, organization_id, introduced_by_id))
    if career_id:
        values["career_ids"] = [str(career_id)]
    return _form_page(request, db, user, contact=None, values=values)


@router.post("/contacts/new", response_class=HTMLResponse)
def create_contact_submit(
    request: Request, db: SessionDep, user: PageUser, settings: SettingsDep, form: FormDep
) -> Response:
    typed, payload = _read_form(form)
    return save_form(
        db,
        lambda: service.create_contact(
            db,
            user,
            parse_form(ContactCreate, pages_service.with_references(db, user, typed, payload)),
            phone_region=settings.default_phone_region,
        ),
        done=lambda contact: _safe_next(typed.get("next")) or f"/contacts/{contact.id}",
        invalid=lambda errors: _form_page(
            request, db, user, contact=None, values=typed, errors=errors
        ),
        conflict=lambda exc: _duplicate_page(request, db, user, None, typed, exc),
    )


def _duplicate_page(
    request: Request,
    db: SessionDep,
    user: User,
    contact: Contact | None,
    typed: dict[str, Any],
    exc: Conflict,
) -> HTMLResponse:
    """The form again, naming the contact that already has this LinkedIn profile."""
    return _form_page(
        request,
        db,
        user,
        contact=contact,
        values=typed,
        errors={"linkedin_url": exc.detail},
        duplicate_id=exc.existing_id,
    )


@router.get("/contacts/{contact_id}/edit", response_class=HTMLResponse)
def edit_contact_page(
    request: Request, contact_id: ContactId, db: SessionDep, user: PageUser
) -> Response:
    read = service.read_contact(db, user, contact_id)
    contact = service.get_contact(db, user, contact_id)
    references = pages_service.reference_values(
        db, user, read.organization_id, read.introduced_by_id
    )
    values = {**_values_of(read), **references}
    return _form_page(request, db, user, contact=contact, values=values)


@router.post("/contacts/{contact_id}/edit", response_class=HTMLResponse)
def edit_contact_submit(
    request: Request,
    contact_id: ContactId,
    db: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    contact = service.get_contact(db, user, contact_id)
    typed, payload = _read_form(form)

    def save() -> Contact:
        expected = form_version(typed.get("version"))
        data = parse_form(ContactUpdate, pages_service.with_references(db, user, typed, payload))
        return service.update_contact(
            db,
            user,
            contact_id,
            data,
            expected_version=expected,
            phone_region=settings.default_phone_region,
        )

    def stale() -> Response:
        current = service.read_contact(db, user, contact_id)
        # Saving again from the re-rendered form is a deliberate overwrite of the newer version.
        typed["version"] = str(current.version)
        return _form_page(request, db, user, contact=contact, values=typed, conflict=current)

    return save_form(
        db,
        save,
        done=lambda _: f"/contacts/{contact_id}",
        invalid=lambda errors: _form_page(
            request, db, user, contact=contact, values=typed, errors=errors
        ),
        stale=stale,
        conflict=lambda exc: _duplicate_page(request, db, user, contact, typed, exc),
    )


# ---- detail and delete -----------------------------------------------------------------


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(
    request: Request, contact_id: ContactId, db: SessionDep, user: PageUser
) -> Response:
    return interactions_views.detail_page(request, db, user, contact_id)


def _delete_page(
    request: Request,
    db: SessionDep,
    user: User,
    contact_id: int,
    *,
    message: str | None = None,
) -> HTMLResponse:
    contact = service.get_contact(db, user, contact_id)
    context = {
        "section": "contacts",
        "contact": contact,
        "dependents": delete_service.contact_dependents(db, user, contact_id),
        "message": message,
    }
    return render(request, "contacts/delete.html", context)


@router.get("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def delete_contact_page(
    request: Request, contact_id: ContactId, db: SessionDep, user: PageUser
) -> Response:
    return _delete_page(request, db, user, contact_id)


@router.post("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def delete_contact_submit(
    request: Request, contact_id: ContactId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    service.get_contact(db, user, contact_id)
    version = form.get("version")
    return confirm_delete(
        db,
        version if isinstance(version, str) else None,
        lambda expected: delete_service.delete_contact(
            db, user, contact_id, cascade=form.get("cascade") == "true", expected_version=expected
        ),
        refused=lambda message: _delete_page(request, db, user, contact_id, message=message),
        done="/contacts",
        stale_message="This contact changed since you opened this page; "
        "check what would be deleted again.",
    )


router.include_router(interactions_views.router)
