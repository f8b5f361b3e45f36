"""Interview pages: the list, create and edit forms, the interview page with preparation,
status changes and the printable sheet. Agenda, run mode and answer pages are sub-routers
(agenda_views, run_views, answers_views) included here, so the registry has one entry."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.errors import Conflict, Invalid, NotFound
from app.interviews import listing_service, prep_service, service
from app.interviews.agenda_views import router as agenda_router
from app.interviews.answers_views import router as answers_router
from app.interviews.models import Interview
from app.interviews.pages import (
    CHOICES,
    aware_from_local,
    detail_context,
    detail_section,
    page_version,
    record_values,
)
from app.interviews.run_views import router as run_router
from app.interviews.schemas import InterviewCreate, InterviewUpdate, ResearchLink, StatusChange
from app.schemakit import MAX_INT32, Page
from app.web.deps import PageUser, SessionDep
from app.web.forms import FormDep, field_errors, form_values, parse_form, see_other, small_int
from app.web.pages import save_form
from app.web.templating import render

router = APIRouter()
# Fixed paths (/interviews/compare) must be matched before /interviews/{interview_id}.
router.include_router(answers_router)
InterviewId = Annotated[int, Path(ge=1, le=MAX_INT32)]
FilterId = Annotated[int | None, Query(ge=1, le=MAX_INT32)]
ItemKey = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
Index = Annotated[int, Path(ge=0, le=1000)]
Tab = Literal["upcoming", "prep", "completed", "all"]
TABS = [
    ("upcoming", "Upcoming"),
    ("prep", "Needs preparation"),
    ("completed", "Completed"),
    ("all", "All"),
]
PAGE_SIZE = 25
RECORD_FIELDS = (
    "contact_id",
    "career_id",
    "status",
    "requested_at",
    "scheduled_at",
    "duration_minutes",
    "mode",
    "location",
    "purpose",
    "summary",
    "takeaways",
    "usefulness",
    "confidence",
)
NULLABLE = {"career_id", "mode", "requested_at", "scheduled_at", "usefulness", "confidence"}
DETAIL = "interviews/detail.html"
STALE_EDIT = (
    "Someone changed this interview since you opened the form (another tab?). "
    "Your text is kept below; the saved version is on the interview page. "
    "Save again to overwrite it."
)


# ---- list -----------------------------------------------------------------------------


@router.get("/interviews", response_class=HTMLResponse)
def interviews_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    tab: Tab = "upcoming",
    status: Annotated[str | None, Query(max_length=20)] = None,
    contact_id: FilterId = None,
    career_id: FilterId = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    filters = listing_service.InterviewFilters(contact_id=contact_id, career_id=career_id)
    sort = {"upcoming": "scheduled_at", "prep": "scheduled_at", "completed": "-scheduled_at"}
    if tab == "upcoming":
        filters.statuses = list(listing_service.OPEN_STATUSES)
    elif tab == "prep":
        filters.needs_preparation = True
    elif tab == "completed":
        filters.statuses = ["completed"]
    if status in service.STATUS_LABELS:
        filters.statuses = [status]
    text = (q or "").replace("\x00", "").strip() or None
    found = listing_service.list_interviews(
        db, user, filters, limit=PAGE_SIZE, offset=offset, sort=sort.get(tab), q=text
    )
    rows, total = found.items, found.total
    contacts, careers = service.form_choices(db, user)
    ctx = {
        **CHOICES,
        "section": "interviews",
        "tabs": TABS,
        "tab": tab,
        "rows": rows,
        "names": service.related(db, user, rows),
        "page": Page[Any](items=[], total=total, limit=PAGE_SIZE, offset=offset),
        "filters": {
            "status": status or "",
            "contact_id": contact_id or "",
            "career_id": career_id or "",
            "q": text or "",
        },
        "contacts": contacts,
        "careers": careers,
        "filtered_career": next((c for c in careers if c.id == career_id), None),
        "any_interviews": total > 0 or listing_service.count_interviews(db, user) > 0,
    }
    return render(request, "interviews/list.html", ctx, block="results")


# ---- create and edit ------------------------------------------------------------------


def _record_payload(values: dict[str, Any], tz_name: str, *, creating: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name not in values or (name == "status" and not creating):
            continue
        value = values[name]
        if isinstance(value, str) and value.strip() == "" and name in NULLABLE:
            value = None
        elif name in ("requested_at", "scheduled_at"):
            value = aware_from_local(value, tz_name)
        if creating and value is None:
            continue
        payload[name] = value
    return payload


def _form_page(
    request: Request,
    db: SessionDep,
    user: User,
    values: dict[str, Any],
    *,
    interview: Any = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    contacts, careers = service.form_choices(db, user, small_int(values.get("contact_id")))
    ctx = {
        **CHOICES,
        "section": "interviews",
        "interview": interview,
        "values": values,
        "errors": errors or {},
        "contacts": contacts,
        "careers": careers,
        "default_purpose": service.DEFAULT_PURPOSE,
    }
    return render(request, "interviews/form.html", ctx, status_code=status_code)


@router.get("/interviews/new", response_class=HTMLResponse)
def new_interview_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    contact_id: FilterId = None,
    career_id: FilterId = None,
) -> Response:
    values: dict[str, Any] = {
        "contact_id": contact_id or "",
        "career_id": career_id or "",
        "status": "planned",
        "duration_minutes": 30,
        "purpose": service.DEFAULT_PURPOSE,
    }
    return _form_page(request, db, user, values)


@router.post("/interviews", response_class=HTMLResponse)
def create_interview_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)

    def save() -> Interview:
        payload = _record_payload(values, user.timezone, creating=True)
        return service.create_interview(db, user, parse_form(InterviewCreate, payload))

    return save_form(
        db,
        save,
        done=lambda interview: f"/interviews/{interview.id}",
        invalid=lambda errors: _form_page(request, db, user, values, errors=errors),
    )


@router.get("/interviews/{interview_id}/edit", response_class=HTMLResponse)
def edit_interview_page(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    return _form_page(
        request, db, user, record_values(interview, user.timezone), interview=interview
    )


@router.post("/interviews/{interview_id}/edit", response_class=HTMLResponse)
def edit_interview_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    values = form_values(form, drop_empty=False)
    version = values.get("version", "")

    def save() -> Interview:
        payload = _record_payload(values, user.timezone, creating=False)
        data = parse_form(InterviewUpdate, payload)
        return service.update_interview(db, user, interview_id, data, page_version(version))

    def stale() -> Response:
        values["version"] = interview.version
        return _form_page(
            request, db, user, values, interview=interview, errors={"form": STALE_EDIT}
        )

    return save_form(
        db,
        save,
        done=lambda _: f"/interviews/{interview_id}",
        invalid=lambda errors: _form_page(
            request, db, user, values, interview=interview, errors=errors
        ),
        stale=stale,
    )


# ---- the interview page ---------------------------------------------------------------


@router.get("/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(
    interview_id: InterviewId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    bank_id: FilterId = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    extra: dict[str, Any] = {}
    if bank_id is not None:
        from app.interviews import agenda_service

        chosen = category if category in dict(CHOICES["category_choices"]) else None
        try:
            extra["picker"] = agenda_service.picker_questions(db, user, bank_id, chosen)
            extra["picker_bank_id"] = bank_id
            extra["picker_category"] = chosen or ""
        except NotFound:
            extra["errors"] = {"bank_id": "That question bank is not available."}
    ctx = detail_context(db, user, interview, **extra)
    block = "picker" if bank_id is not None else None
    return render(request, DETAIL, ctx, block=block)


@router.post("/interviews/{interview_id}/status", response_class=HTMLResponse)
def interview_status_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    values = form_values(form)
    payload: dict[str, Any] = {"status": values.get("status", "")}
    if values.get("scheduled_at"):
        payload["scheduled_at"] = aware_from_local(values["scheduled_at"], user.timezone)
    try:
        service.change_status(db, user, interview_id, parse_form(StatusChange, payload))
    except Invalid as exc:
        ctx = detail_context(db, user, interview, errors=field_errors(exc))
        return render(request, DETAIL, ctx, status_code=422)
    except Conflict as exc:
        ctx = detail_context(db, user, interview, errors={"status": exc.detail})
        return render(request, DETAIL, ctx, status_code=409)
    target = f"/interviews/{interview_id}"
    if values.get("status") == "completed":
        target += "#notes"
    return see_other(target)


@router.post("/interviews/{interview_id}/delete")
def delete_interview_submit(interview_id: InterviewId, db: SessionDep, user: PageUser) -> Response:
    service.delete_interview(db, user, interview_id)
    return see_other("/interviews")


@router.get("/interviews/{interview_id}/sheet", response_class=HTMLResponse)
def interview_sheet(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    return render(request, "interviews/sheet.html", detail_context(db, user, interview))


# ---- preparation ----------------------------------------------------------------------


def _prep(
    request: Request,
    db: SessionDep,
    user: User,
    interview_id: int,
    errors: dict[str, str] | None = None,
) -> Response:
    return detail_section(request, db, user, interview_id, "prep", errors=errors)


@router.post("/interviews/{interview_id}/checklist", response_class=HTMLResponse)
def checklist_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    done = {v for v in form.getlist("done") if isinstance(v, str)}
    prep_service.set_checklist_done(db, user, interview_id, done)
    return _prep(request, db, user, interview_id)


@router.post("/interviews/{interview_id}/checklist/add", response_class=HTMLResponse)
def checklist_add_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    label = form_values(form).get("label", "")
    try:
        if not label:
            raise Invalid.one("label", "Write the step to add.")
        prep_service.add_checklist_item(db, user, interview_id, label)
    except Invalid as exc:
        return _prep(request, db, user, interview_id, field_errors(exc))
    return _prep(request, db, user, interview_id)


@router.post("/interviews/{interview_id}/checklist/{key}/delete", response_class=HTMLResponse)
def checklist_remove_submit(
    interview_id: InterviewId, key: ItemKey, request: Request, db: SessionDep, user: PageUser
) -> Response:
    prep_service.remove_checklist_item(db, user, interview_id, key)
    return _prep(request, db, user, interview_id)


@router.post("/interviews/{interview_id}/links", response_class=HTMLResponse)
def research_link_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = {k: v for k, v in form_values(form).items() if k in ("url", "title", "read_on")}
    try:
        prep_service.add_research_link(db, user, interview_id, parse_form(ResearchLink, values))
    except Invalid as exc:
        return _prep(request, db, user, interview_id, field_errors(exc))
    return _prep(request, db, user, interview_id)


@router.post("/interviews/{interview_id}/links/{index}/delete", response_class=HTMLResponse)
def research_link_remove_submit(
    interview_id: InterviewId, index: Index, request: Request, db: SessionDep, user: PageUser
) -> Response:
    prep_service.remove_research_link(db, user, interview_id, index)
    return _prep(request, db, user, interview_id)


router.include_router(agenda_router)
router.include_router(run_router)
