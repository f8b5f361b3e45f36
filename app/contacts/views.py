"""Contact pages: the list with live search and filters, due for a touch, the suggestion
fragments typed fields fill their datalists from, detail with the timeline, create / edit
forms (also the quick-add from career and organization pages), delete with confirmation.
The timeline's own forms are app.interactions.views."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.auth.models import User
from app.contacts import service
from app.contacts.models import STAGE_LABELS, Contact
from app.contacts.references import service as references
from app.contacts.rows import draw_count_line, draw_pager, draw_stored_rows, draw_toolbar
from app.contacts.schemas import ContactCreate, ContactPageFilters, ContactRead, ContactUpdate
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.interactions import service as interactions_service
from app.interactions.models import KIND_LABELS
from app.organizations import service as organizations_service
from app.resumes.shares import service as resume_shares
from app.schemas import MAX_INT32
from app.tags import service as tags_service
from app.timezones import user_zone
from app.web.deps import PageUser, RowId, SessionDep, SettingsDep, run_db, run_db_scan
from app.web.forms import FormDep, form_version
from app.web.listing import ListQueryDep
from app.web.pages import confirm_delete, query_filters, save_form
from app.web.routing import page_router
from app.web.templating import is_htmx, render

router = page_router()
STAGE_CHOICES = list(STAGE_LABELS.items())
CHOICES = {"stages": STAGE_CHOICES, "stage_labels": STAGE_LABELS}
FILTER_FIELDS = ("career_id", "organization_id", "tag", "stage", "introduced_by_id", "due")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


# ---- list ------------------------------------------------------------------------------
# The list's fixed paths (/contacts/due, /contacts/suggest, ...) come before /contacts/{id}.


def _list_page(
    request: Request, db: SessionDep, user: User, listing: Any, *, due_view: bool
) -> Response:
    page_filters = query_filters(request, ContactPageFilters, FILTER_FIELDS)
    if due_view:
        page_filters.due = True
    # The organization filter is a typed name (with suggestions) beside the id it resolved to.
    organization = references.organization_choice(
        db, user, page_filters.organization_id, _organization_text(request)
    )
    page_filters.organization_id = organization.id
    sort = listing.sort or ("next_touch_due" if due_view else "full_name")
    chosen = page_filters.model_dump()
    # Search-as-you-type gets only the results block: no head or filter form, no careers.
    full_page = not is_htmx(request)
    careers: list[tuple[int, str]] = []
    if organization.unknown:  # a name no organization has: nobody works there
        page = service.ListPage.model_construct(items=[], total=0, limit=listing.limit, offset=0)
        if full_page:
            careers = service.career_choices(db, user)
    else:
        filters = service.ContactFilters(**chosen, q=listing.q)
        # The careers come with the page's own statements (contact_list_view); the rows
        # as stored, converted only for a page not drawn yet (draw_stored_rows).
        page, careers = service.contact_list_view(
            db,
            user,
            filters,
            limit=listing.limit,
            offset=listing.offset,
            sort=sort,
            careers=full_page,
        )
    rows = draw_stored_rows(page.items, user.timezone)
    # The due view's own "due" is not a filter the person could clear.
    filtered = (
        bool(listing.q)
        or organization.unknown
        or any(v is not None for k, v in chosen.items() if not (due_view and k == "due"))
    )
    toolbar = (
        draw_toolbar(due_view, listing.q or "", careers, page_filters, organization, sort)
        if full_page
        else None
    )
    # Kept by its key (render's ``kept``): these values are all the page shows.
    return render(
        request,
        "contacts/list.html",
        {
            "section": "contacts",
            "due_view": due_view,
            "filtered": filtered,
            "has_rows": bool(page.items),
            "toolbar": toolbar,
            "count_line": draw_count_line(page.total, filtered, due_view) if page.items else None,
            "rows": rows,
            "pager": draw_pager(page, request.query_params.multi_items()) if page.items else None,
        },
        block="results",
        kept=True,
    )


def _organization_text(request: Request) -> str | None:
    """The organization filter's typed name (None when the query has no such field)."""
    text = request.query_params.get("organization")
    if text is not None and (len(text) > 200 or "\x00" in text):
        raise Invalid.one("organization", "Type an organization's name (200 characters at most).")
    return text


# The list pages are async and read through run_db: inline on SQLite (a thread hop costs
# more than the page's queries), in the thread pool on PostgreSQL; a text search through
# run_db_scan, in the thread pool on both.
@router.get("/contacts", response_class=HTMLResponse)
async def contacts_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    run = run_db_scan if listing.q else run_db  # a text search is SQLite's own work
    return await run(request, _list_page, request, db, user, listing, due_view=False)


@router.get("/contacts/due", response_class=HTMLResponse)
async def contacts_due_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    run = run_db_scan if listing.q else run_db  # a text search is SQLite's own work
    return await run(request, _list_page, request, db, user, listing, due_view=True)


@router.get("/contacts/tag-options", response_class=HTMLResponse)
def contact_tag_options(
    request: Request,
    db: SessionDep,
    user: PageUser,
    tags: Annotated[str, Query(max_length=2000)] = "",
    tag: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """<option>s completing the form's comma-separated tags (or the list filter's one tag)."""
    options = tags_service.tag_completions(db, user, tags or tag)
    return render(request, "contacts/_tag_options.html", {"options": options})


@router.get("/contacts/suggest", response_class=HTMLResponse)
def contact_suggestions(
    request: Request,
    db: SessionDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=200)] = "",
    introduced_by: Annotated[str, Query(max_length=220)] = "",
    contact: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """<option>s for a contact field's <datalist>: "Name (#id)" with title and organization.

    HTMX sends a typed field under its own name ("introduced_by" on the contact form,
    "contact" on interview forms), so those are read as well as ``q``."""
    options = references.contact_suggestions(db, user, q or introduced_by or contact)
    return render(request, "contacts/_contact_options.html", {"options": options})


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
    extra = ("tags", "version", "next", "create_organization")
    for name in (*TEXT_FIELDS, *OPTIONAL_FIELDS, *TYPED_FIELDS, *extra):
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
        "values": references.typed_from_ids(db, user, values),
        "errors": errors or {},
        "conflict": conflict,
        "duplicate_id": duplicate_id,
        "careers": service.career_choices(db, user),
        "organization_help": not organizations_service.has_organizations(db, user),
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
    values.update(references.reference_values(db, user, organization_id, introduced_by_id))
    if career_id:
        values["career_ids"] = [str(career_id)]
    return _form_page(request, db, user, contact=None, values=values)


@router.post("/contacts/new", response_class=HTMLResponse)
def create_contact_submit(
    request: Request, db: SessionDep, user: PageUser, settings: SettingsDep, form: FormDep
) -> Response:
    typed, payload = _read_form(form)
    region = settings.default_phone_region

    def save() -> Contact:
        checked = references.parse_contact_form(
            db, user, ContactCreate, typed, payload, phone_region=region
        )
        return service.create_contact(
            db,
            user,
            checked.data,
            phone_region=region,
            new_organization=checked.new_organization,
        )

    return save_form(
        db,
        save,
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
    request: Request, contact_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    read = service.read_contact(db, user, contact_id)
    contact = service.get_contact(db, user, contact_id)
    typed = references.reference_values(db, user, read.organization_id, read.introduced_by_id)
    values = {**_values_of(read), **typed}
    return _form_page(request, db, user, contact=contact, values=values)


@router.post("/contacts/{contact_id}/edit", response_class=HTMLResponse)
def edit_contact_submit(
    request: Request,
    contact_id: RowId,
    db: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    contact = service.get_contact(db, user, contact_id)
    typed, payload = _read_form(form)

    def save() -> Contact:
        expected = form_version(typed.get("version"))
        region = settings.default_phone_region
        checked = references.parse_contact_form(
            db, user, ContactUpdate, typed, payload, phone_region=region
        )
        return service.update_contact(
            db,
            user,
            contact_id,
            checked.data,
            expected_version=expected,
            phone_region=region,
            new_organization=checked.new_organization,
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


def local_input(value: datetime, user: User) -> str:
    """A time as a datetime-local field shows it, in the reader's zone."""
    return value.astimezone(user_zone(user.timezone)).strftime(LOCAL_INPUT)


def detail_page(
    request: Request,
    db: SessionDep,
    user: User,
    contact_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    """The contact page; HTMX requests from the timeline form get the timeline block only."""
    detail = service.contact_detail(db, user, contact_id)
    context = {
        "section": "contacts",
        "detail": detail,
        "contact": detail.contact,
        "interactions": interactions_service.timeline(db, user, contact_id),
        "resume_shares": resume_shares.shared_with_contact(db, user, contact_id),
        "values": values or {"kind": "email", "occurred_at": local_input(utcnow(), user)},
        "errors": errors or {},
        "kinds": list(KIND_LABELS.items()),
        "kind_labels": KIND_LABELS,
        "stage_labels": STAGE_LABELS,
        "now": utcnow(),
    }
    return render(request, "contacts/detail.html", context, block="timeline")


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, contact_id: RowId, db: SessionDep, user: PageUser) -> Response:
    return detail_page(request, db, user, contact_id)


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
        "dependents": service.contact_dependents(db, user, contact_id),
        "message": message,
    }
    return render(request, "contacts/delete.html", context)


@router.get("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def delete_contact_page(
    request: Request, contact_id: RowId, db: SessionDep, user: PageUser
) -> Response:
    return _delete_page(request, db, user, contact_id)


@router.post("/contacts/{contact_id}/delete", response_class=HTMLResponse)
def delete_contact_submit(
    request: Request, contact_id: RowId, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    service.get_contact(db, user, contact_id)
    version = form.get("version")
    return confirm_delete(
        db,
        version if isinstance(version, str) else None,
        lambda expected: service.delete_contact(
            db, user, contact_id, cascade=form.get("cascade") == "true", expected_version=expected
        ),
        refused=lambda message: _delete_page(request, db, user, contact_id, message=message),
        done="/contacts",
        stale_message="This contact changed since you opened this page; "
        "check what would be deleted again.",
    )
