"""Interview pages: the list, the create and edit forms, the interview page (status,
preparation, promises and referrals), run mode, the printable sheet, and the interviews
section other pages load. Agenda items and the answer matrix have their own packages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.auth.models import User
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.interview_page import (
    CHOICES,
    DETAIL,
    aware_from_local,
    contact_text,
    detail_context,
    record_values,
    save_detail_section,
    save_section,
    typed_contact_id,
)
from app.interviews.models import DEFAULT_PURPOSE, Interview
from app.interviews.schemas import (
    InterviewCreate,
    InterviewTab,
    InterviewUpdate,
    PromiseCreate,
    ReferralCreate,
    ResearchLink,
    StatusChange,
)
from app.schemas import MAX_INT32, Page
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, form_values, form_version, parse_form, see_other
from app.web.pages import confirm_delete, query_filters, save_form
from app.web.routing import page_router
from app.web.templating import is_htmx, render

router = page_router()
FilterId = Annotated[int | None, Query(ge=1, le=MAX_INT32)]
ItemKey = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
Index = Annotated[int, Path(ge=0, le=1000)]
TABS = [
    ("upcoming", "Upcoming"),
    ("prep", "Needs preparation"),
    ("completed", "Completed"),
    ("all", "All"),
]
TAB_FIELDS = ("tab", "status", "contact_id", "career_id")
PAGE_SIZE = 25
SECTION_ROWS = 20
RECORD_FIELDS = (
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
STALE_EDIT = (
    "Someone changed this interview since you opened the form (another tab?). "
    "Your text is kept below; the saved version is on the interview page. "
    "Save again to overwrite it."
)
CAPTURE = "interviews/capture.html"


# ---- list -----------------------------------------------------------------------------


@router.get("/interviews", response_class=HTMLResponse)
def interviews_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    contact: Annotated[str | None, Query(max_length=300)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    # The contact filter is typed ("Name (#id)"); links from other pages give contact_id.
    typed = {"contact_id": typed_contact_id(db, user, contact)} if contact is not None else {}
    query = query_filters(request, InterviewTab, TAB_FIELDS, **typed)
    if contact is not None and not typed["contact_id"]:
        query.contact_id = None
    if "tab" not in request.query_params:
        query.tab = service.opening_tab(db, user, query)
    text = (q or "").replace("\x00", "").strip() or None
    found = service.list_tab(db, user, query, limit=PAGE_SIZE, offset=offset, q=text)
    careers = service.career_choices(db, user)
    ctx = {
        **CHOICES,
        "section": "interviews",
        "tabs": TABS,
        "tab": query.tab,
        "rows": found.items,
        "names": service.related(db, user, found.items),
        "page": Page[Any](items=[], total=found.total, limit=PAGE_SIZE, offset=offset),
        "filters": {
            "status": query.status or "",
            "contact": contact_text(db, user, query.contact_id),
            "contact_id": query.contact_id or "",
            "career_id": query.career_id or "",
            "q": text or "",
        },
        "career_options": [(c.id, c.title) for c in careers],
        "filtered_career": next((c for c in careers if c.id == query.career_id), None),
        "any_interviews": found.total > 0 or service.count_interviews(db, user) > 0,
        "has_contacts": service.has_contacts(db, user),
    }
    return render(request, "interviews/list.html", ctx, block="results")


@router.get("/interviews/section", response_class=HTMLResponse)
def interviews_section(
    request: Request,
    db: SessionDep,
    user: PageUser,
    career_id: FilterId = None,
    contact_id: FilterId = None,
) -> Response:
    """The interviews about a career or with a contact: a block of the list page that other
    pages load in place (templates/interviews/_section.html); a plain visit gets the list."""
    query = "career_id=" + str(career_id) if career_id else f"contact_id={contact_id or ''}"
    if not is_htmx(request):
        return see_other(f"/interviews?tab=all&{query}")
    rows = service.interviews_for(db, user, career_id=career_id, contact_id=contact_id)
    ctx = {
        **CHOICES,
        "section_rows": rows[:SECTION_ROWS],
        "section_more": len(rows) > SECTION_ROWS,
        "section_names": service.related(db, user, rows[:SECTION_ROWS]),
        "section_query": query,
        "career_id": career_id,
        "contact_id": None if career_id else contact_id,
    }
    return render(request, "interviews/list.html", ctx, block="section")


# ---- create and edit ------------------------------------------------------------------


def _record_payload(
    db: SessionDep, user: User, values: dict[str, Any], *, creating: bool
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    # The page types the contact; a form without that field may send its id (as the API does).
    if "contact" in values:
        payload["contact_id"] = typed_contact_id(db, user, str(values["contact"]))
    elif values.get("contact_id"):
        payload["contact_id"] = values["contact_id"]
    if creating and payload.get("contact_id") is None:
        payload.pop("contact_id", None)  # the schema then names the missing contact
    for name in RECORD_FIELDS:
        if name not in values or (name == "status" and not creating):
            continue
        value = values[name]
        if isinstance(value, str) and value.strip() == "" and name in NULLABLE:
            value = None
        elif name in ("requested_at", "scheduled_at"):
            value = aware_from_local(value, user.timezone)
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
    interview: Interview | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    careers = service.career_choices(db, user)
    ctx = {
        **CHOICES,
        "section": "interviews",
        "interview": interview,
        "values": values,
        "errors": errors or {},
        "has_contacts": interview is not None or service.has_contacts(db, user),
        "career_options": [(c.id, c.title) for c in careers],
        "default_purpose": DEFAULT_PURPOSE,
    }
    return render(request, "interviews/form.html", ctx)


@router.get("/interviews/new", response_class=HTMLResponse)
def new_interview_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    contact_id: FilterId = None,
    career_id: FilterId = None,
) -> Response:
    values: dict[str, Any] = {
        "contact": contact_text(db, user, contact_id),
        "career_id": career_id or "",
        "status": "planned",
        "duration_minutes": 30,
        "purpose": DEFAULT_PURPOSE,
    }
    return _form_page(request, db, user, values)


@router.post("/interviews", response_class=HTMLResponse)
def create_interview_submit(
    request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)

    def save() -> Interview:
        payload = _record_payload(db, user, values, creating=True)
        return service.create_interview(db, user, parse_form(InterviewCreate, payload))

    return save_form(
        db,
        save,
        done=lambda interview: f"/interviews/{interview.id}",
        invalid=lambda errors: _form_page(request, db, user, values, errors=errors),
    )


@router.get("/interviews/{interview_id}/edit", response_class=HTMLResponse)
def edit_interview_page(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    values = record_values(db, user, interview)
    return _form_page(request, db, user, values, interview=interview)


@router.post("/interviews/{interview_id}/edit", response_class=HTMLResponse)
def edit_interview_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    values = form_values(form, drop_empty=False)

    def save() -> Interview:
        data = parse_form(InterviewUpdate, _record_payload(db, user, values, creating=False))
        version = form_version(values.get("version"))
        return service.update_interview(db, user, interview_id, data, version)

    def stale() -> Response:
        current = service.get_interview(db, user, interview_id)
        values["version"] = current.version
        return _form_page(request, db, user, values, interview=current, errors={"form": STALE_EDIT})

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
    interview_id: RowId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    bank_id: FilterId = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    extra: dict[str, Any] = {}
    if bank_id is not None:
        chosen = category if category in CHOICES["category_labels"] else None
        questions = agenda_service.picker_questions(db, user, bank_id, None)
        if questions is None:
            extra["errors"] = {"bank_id": "That question bank is not available."}
        else:
            # The category filter offers only the categories this bank has questions in.
            present = {q.category for q in questions}
            extra.update(
                picker=[q for q in questions if chosen is None or q.category == chosen],
                picker_bank_id=bank_id,
                picker_category=chosen or "",
                picker_categories=[c for c in CHOICES["category_choices"] if c[0] in present],
            )
    ctx = detail_context(db, user, interview, **extra)
    block = "picker" if bank_id is not None else None
    return render(request, DETAIL, ctx, block=block)


def _detail_page(
    request: Request,
    db: SessionDep,
    user: User,
    interview_id: int,
    errors: dict[str, str],
    **typed: str,
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    context = detail_context(db, user, interview, errors=errors)
    context.update({f"{name}_value": value for name, value in typed.items() if value})
    return render(request, DETAIL, context)


@router.post("/interviews/{interview_id}/status", response_class=HTMLResponse)
def interview_status_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    payload: dict[str, Any] = {"status": values.get("status", "")}
    for name in ("scheduled_at", "held_at"):
        if values.get(name):
            payload[name] = aware_from_local(values[name], user.timezone)

    def save() -> Interview:
        data = parse_form(StatusChange, payload)
        version = form_version(values.get("version"))
        return service.change_status(db, user, interview_id, data, version)

    def done(interview: Interview) -> str:
        suffix = "#notes" if interview.status == "completed" else ""
        return f"/interviews/{interview_id}{suffix}"

    return save_form(
        db,
        save,
        done=done,
        invalid=lambda errors: _detail_page(
            request,
            db,
            user,
            interview_id,
            errors,
            scheduled=values.get("scheduled_at", ""),
            held=values.get("held_at", ""),
        ),
        stale=lambda: _detail_page(request, db, user, interview_id, {"status": STALE_EDIT}),
        conflict=lambda exc: _detail_page(request, db, user, interview_id, {"status": exc.detail}),
    )


@router.post("/interviews/{interview_id}/delete", response_class=HTMLResponse)
def delete_interview_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    return confirm_delete(
        db,
        form_values(form).get("version"),
        lambda version: service.delete_interview(db, user, interview_id, version),
        refused=lambda why: _detail_page(request, db, user, interview_id, {"status": why}),
        done="/interviews",
        stale_message=STALE_EDIT.replace("Save again to overwrite it.", "Delete it again."),
    )


@router.get("/interviews/{interview_id}/sheet", response_class=HTMLResponse)
def interview_sheet(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    return render(request, "interviews/sheet.html", detail_context(db, user, interview))


# ---- preparation ----------------------------------------------------------------------


def _save_prep(
    request: Request,
    db: SessionDep,
    user: User,
    interview_id: int,
    form: FormData,
    change: Callable[[int | None], Interview],
) -> Response:
    """Save a change to the preparation section; ``change`` gets the version the form was
    shown at (a damaged one is refused, never read as "no check")."""

    def save() -> Interview:
        return change(form_version(form.get("version")))

    return save_detail_section(request, db, user, interview_id, "prep", form, save)


@router.post("/interviews/{interview_id}/checklist", response_class=HTMLResponse)
def checklist_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    done = {v for v in form.getlist("done") if isinstance(v, str)}

    def change(version: int | None) -> Interview:
        return service.set_checklist_done(db, user, interview_id, done, version)

    return _save_prep(request, db, user, interview_id, form, change)


@router.post("/interviews/{interview_id}/checklist/add", response_class=HTMLResponse)
def checklist_add_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    label = str(form_values(form, drop_empty=False).get("label", ""))

    def change(version: int | None) -> Interview:
        return service.add_checklist_item(db, user, interview_id, label, version)

    return _save_prep(request, db, user, interview_id, form, change)


@router.post("/interviews/{interview_id}/checklist/{key}/delete", response_class=HTMLResponse)
def checklist_remove_submit(
    interview_id: RowId,
    key: ItemKey,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    def change(version: int | None) -> Interview:
        return service.remove_checklist_item(db, user, interview_id, key, version)

    return _save_prep(request, db, user, interview_id, form, change)


@router.post("/interviews/{interview_id}/links", response_class=HTMLResponse)
def research_link_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    link = {k: v for k, v in values.items() if k in ("url", "title", "read_on")}

    def change(version: int | None) -> Interview:
        data = parse_form(ResearchLink, link)
        return service.add_item(db, user, interview_id, "research_links", data, version)

    return _save_prep(request, db, user, interview_id, form, change)


@router.post("/interviews/{interview_id}/links/{index}/delete", response_class=HTMLResponse)
def research_link_remove_submit(
    interview_id: RowId,
    index: Index,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    def change(version: int | None) -> Interview:
        return service.remove_item(db, user, interview_id, "research_links", index, version)

    return _save_prep(request, db, user, interview_id, form, change)


# ---- run mode and quick capture -------------------------------------------------------


def _run_context(db: SessionDep, user: User, interview: Interview, **extra: Any) -> dict[str, Any]:
    ctx = detail_context(db, user, interview, back="run", capture_errors={}, capture_message=None)
    ctx.update(extra)
    return ctx


@router.get("/interviews/{interview_id}/run", response_class=HTMLResponse)
def run_page(interview_id: RowId, request: Request, db: SessionDep, user: PageUser) -> Response:
    interview = service.get_interview(db, user, interview_id)
    return render(request, "interviews/run.html", _run_context(db, user, interview))


def _save_capture(
    request: Request,
    db: SessionDep,
    user: User,
    interview_id: int,
    values: dict[str, Any],
    save: Any,
    *,
    field_prefix: str = "",
    message: Any = lambda _: None,
) -> Response:
    """Promises and referrals, on the interview page or in run mode (``back`` says which)."""
    back = "run" if values.get("back") == "run" else "detail"

    def show(
        errors: dict[str, str] | None = None, message: str | None = None, stale: bool = False
    ) -> Response:
        interview = service.get_interview(db, user, interview_id)
        shown = {f"{field_prefix}{k}": v for k, v in (errors or {}).items()}
        if stale:
            shown = {"form": "These promises were changed elsewhere; here they are as saved now."}
        ctx = _run_context(
            db,
            user,
            interview,
            back=back,
            capture_errors=shown,
            capture_message=message,
            refresh_version=is_htmx(request),
        )
        if is_htmx(request):
            return render(request, CAPTURE, ctx, block="capture")
        return render(request, "interviews/run.html" if back == "run" else DETAIL, ctx)

    suffix = "/run" if back == "run" else ""
    url = f"/interviews/{interview_id}{suffix}#capture"
    return save_section(request, db, save, show, url=url, message=message)


@router.post("/interviews/{interview_id}/referrals", response_class=HTMLResponse)
def referral_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    payload = {k: v for k, v in values.items() if k in ("full_name", "note")}

    def save() -> Any:
        data = parse_form(ReferralCreate, payload)
        return service.capture_referral(db, user, interview_id, data)

    return _save_capture(
        request,
        db,
        user,
        interview_id,
        values,
        save,
        message=lambda contact: f"Added {contact.full_name} as a contact introduced by them.",
    )


@router.post("/interviews/{interview_id}/promises", response_class=HTMLResponse)
def promise_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    payload = {k: v for k, v in values.items() if k in ("text", "by")}

    def save() -> Interview:
        data, version = parse_form(PromiseCreate, payload), form_version(form.get("version"))
        return service.add_item(db, user, interview_id, "promises", data, version)

    return _save_capture(
        request,
        db,
        user,
        interview_id,
        values,
        save,
        field_prefix="promise_",
        message=lambda _: "Promise noted.",
    )


@router.post("/interviews/{interview_id}/promises/{index}/toggle", response_class=HTMLResponse)
def promise_toggle_submit(
    interview_id: RowId,
    index: Index,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    values = form_values(form)

    def save() -> Interview:
        done, version = values.get("done") == "1", form_version(form.get("version"))
        return service.set_promise_done(db, user, interview_id, index, done, version)

    return _save_capture(request, db, user, interview_id, values, save, field_prefix="promise_")


@router.post("/interviews/{interview_id}/promises/{index}/delete", response_class=HTMLResponse)
def promise_remove_submit(
    interview_id: RowId,
    index: Index,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    values = form_values(form)

    def save() -> Interview:
        version = form_version(form.get("version"))
        return service.remove_item(db, user, interview_id, "promises", index, version)

    return _save_capture(request, db, user, interview_id, values, save, field_prefix="promise_")
