"""Contact list pages: the list with live search and filters, due for a touch, and the
suggestion fragments (tags, contacts) that typed fields fill their datalists from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.contacts import list_service, pages_service, tags_service
from app.contacts.schemas import ContactPageFilters
from app.errors import Invalid
from app.web.deps import PageUser, SessionDep, run_db
from app.web.listing import ListQueryDep
from app.web.pages import list_page, query_filters
from app.web.templating import is_htmx, render

router = APIRouter()

STAGE_CHOICES = [
    ("prospect", "Prospect"),
    ("contacted", "Contacted"),
    ("met", "Met"),
    ("in_network", "In network"),
]
SORT_CHOICES = [
    ("full_name", "Name (A–Z)"),
    ("next_touch_due", "Next touch due"),
    ("-last_contacted_at", "Recently contacted"),
    ("-updated_at", "Recently updated"),
    ("-created_at", "Newest first"),
    ("stage", "Stage"),
]
FILTER_FIELDS = ("career_id", "organization_id", "tag", "stage", "introduced_by_id", "due")
CHOICES = {"stages": STAGE_CHOICES, "stage_labels": dict(STAGE_CHOICES)}


# ---- list ------------------------------------------------------------------------------


def _list_page(
    request: Request, db: SessionDep, user: User, listing: Any, *, due_view: bool
) -> Response:
    page_filters = query_filters(request, ContactPageFilters, FILTER_FIELDS)
    if due_view:
        page_filters.due = True
    # The organization filter is a typed name (with suggestions) beside the id it resolved to.
    organization = pages_service.organization_choice(
        db, user, page_filters.organization_id, _organization_text(request)
    )
    page_filters.organization_id = organization.id
    sort = listing.sort or ("next_touch_due" if due_view else "full_name")
    filters = list_service.ContactFilters(**page_filters.model_dump(), q=listing.q)
    if organization.unknown:  # a name no organization has: nobody works there
        page = pages_service.ContactListPage(rows=[], total=0, limit=listing.limit, offset=0)
    else:
        page = pages_service.contact_list_page(
            db,
            user,
            filters,
            limit=listing.limit,
            offset=listing.offset,
            sort=sort,
            stage_labels=CHOICES["stage_labels"],
        )
    return list_page(
        request,
        "contacts/list.html",
        section="contacts",
        page=page,
        filters=page_filters,
        sort=sort,
        sort_choices=SORT_CHOICES,
        # The due view's own "due" is not a filter the person could clear.
        filtered=bool(listing.q)
        or organization.unknown
        or any(
            v is not None
            for k, v in page_filters.model_dump().items()
            if not (due_view and k == "due")
        ),
        q=listing.q or "",
        due_view=due_view,
        # Search-as-you-type gets only the results block, which has no career filter to fill.
        careers=[] if is_htmx(request) else pages_service.career_choices(db, user),
        organization=organization,
        stages=STAGE_CHOICES,
    )


def _organization_text(request: Request) -> str | None:
    """The organization filter's typed name (None when the query has no such field)."""
    text = request.query_params.get("organization")
    if text is not None and (len(text) > 200 or "\x00" in text):
        raise Invalid.one("organization", "Type an organization's name (200 characters at most).")
    return text


# The list pages are async and read through run_db: inline on SQLite (a thread hop costs
# more than the page's queries), in the thread pool on PostgreSQL.
@router.get("/contacts", response_class=HTMLResponse)
async def contacts_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    return await run_db(request, _list_page, request, db, user, listing, due_view=False)


@router.get("/contacts/due", response_class=HTMLResponse)
async def contacts_due_page(
    request: Request, db: SessionDep, user: PageUser, listing: ListQueryDep
) -> Response:
    return await run_db(request, _list_page, request, db, user, listing, due_view=True)


@router.get("/contacts/tag-options", response_class=HTMLResponse)
def contact_tag_options(
    request: Request,
    db: SessionDep,
    user: PageUser,
    tags: Annotated[str, Query(max_length=2000)] = "",
    tag: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """<option>s completing the form's comma-separated tags (or the list filter's one tag)."""
    head, _, last = (tags or tag).replace("\x00", "").rpartition(",")
    chosen = {t.strip().casefold() for t in head.split(",") if t.strip()}
    suggestions = [
        name
        for name in tags_service.tag_suggestions(db, user, last, limit=12)
        if name not in chosen
    ]
    prefix = f"{head.strip()}, " if head.strip() else ""
    options = [f"{prefix}{name}" for name in suggestions[:10]]
    return render(request, "contacts/_tag_options.html", {"options": options})


@router.get("/contacts/suggest", response_class=HTMLResponse)
def contact_suggestions(
    request: Request,
    db: SessionDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=200)] = "",
    introduced_by: Annotated[str, Query(max_length=220)] = "",
) -> Response:
    """<option>s for a contact field's <datalist>: "Name (#id)" with title and organization.

    The form's "introduced by" field sends its own name, so it is read as well as ``q``."""
    options = pages_service.contact_suggestions(db, user, q or introduced_by)
    return render(request, "contacts/_contact_options.html", {"options": options})
