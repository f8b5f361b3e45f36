"""Run mode: the page used during the meeting. Notes autosave per question (a stale version
shows both texts instead of overwriting), asked / skipped marks, and quick capture of
referrals and promises."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.errors import Conflict, Invalid, PreconditionFailed
from app.interviews import agenda_service, prep_service, service
from app.interviews.models import Interview, InterviewQuestion
from app.interviews.pages import detail_context, page_version
from app.interviews.schemas import AgendaItemUpdate, PromiseCreate, ReferralCreate
from app.schemakit import MAX_INT32
from app.web.deps import PageUser, SessionDep
from app.web.forms import FormDep, field_errors, form_values, parse_form, see_other
from app.web.templating import is_htmx, render

router = APIRouter()
InterviewId = Annotated[int, Path(ge=1, le=MAX_INT32)]
ItemId = Annotated[int, Path(ge=1, le=MAX_INT32)]
Index = Annotated[int, Path(ge=0, le=1000)]
RUN_ITEM = "interviews/run_item.html"
CAPTURE = "interviews/capture.html"
MARKS = {"asked": (True, False), "skipped": (False, True), "open": (False, False)}


def _run_context(db: SessionDep, user: User, interview: Interview, **extra: Any) -> dict[str, Any]:
    ctx = detail_context(db, user, interview, back="run", capture_errors={}, capture_message=None)
    ctx.update(extra)
    return ctx


@router.get("/interviews/{interview_id}/run", response_class=HTMLResponse)
def run_page(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    return render(request, "interviews/run.html", _run_context(db, user, interview))


@router.get("/interviews/{interview_id}/run/items/{item_id}", response_class=HTMLResponse)
def run_item(
    interview_id: InterviewId, item_id: ItemId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    """One agenda item's run-mode form with the saved text (the 'use saved text' choice)."""
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    if not is_htmx(request):
        return see_other(f"/interviews/{interview_id}/run#item-{item_id}")
    ctx = {"item": item, "interview_id": interview_id, "number": item.position + 1}
    return render(request, RUN_ITEM, ctx, block="item")


def _version(values: dict[str, Any]) -> int | None:
    return page_version(values.get("version_override") or values.get("version"))


@router.api_route(
    "/interviews/{interview_id}/agenda/{item_id}/notes",
    methods=["POST", "PATCH"],
    response_class=HTMLResponse,
)
def notes_autosave(
    interview_id: InterviewId,
    item_id: ItemId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    """Save one question's notes (and asked / skipped) against the version the page holds."""
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    values = form_values(form, drop_empty=False)
    payload: dict[str, Any] = {}
    if "answer_notes" in values:
        payload["answer_notes"] = values["answer_notes"]
    if values.get("mark") in MARKS:
        payload["asked"], payload["skipped"] = MARKS[values["mark"]]
    mine = str(values.get("answer_notes", ""))
    ctx: dict[str, Any] = {"item": item, "interview_id": interview_id, "mine": mine}
    try:
        data = parse_form(AgendaItemUpdate, payload)
        item = agenda_service.update_agenda_item(
            db, user, interview_id, item_id, data, _version(values)
        )
    except Invalid as exc:
        ctx["error"] = "; ".join(field_errors(exc).values())
        return _notes_response(request, interview_id, item, ctx, 422)
    except PreconditionFailed:
        ctx["conflict"] = True
        return _notes_response(request, interview_id, item, ctx, 412)
    ctx["item"] = item
    ctx["saved"] = True
    return _notes_response(request, interview_id, item, ctx, 200)


def _notes_response(
    request: Request,
    interview_id: int,
    item: InterviewQuestion,
    ctx: dict[str, Any],
    status_code: int,
) -> Response:
    if is_htmx(request):
        return render(request, RUN_ITEM, ctx, block="status", status_code=status_code)
    if status_code == 200:
        return see_other(f"/interviews/{interview_id}/run#item-{item.id}")
    # Without JavaScript: a page showing both texts (or the error), so nothing typed is lost.
    return render(request, "interviews/notes_problem.html", ctx, status_code=status_code)


# ---- quick capture --------------------------------------------------------------------


def _capture(
    request: Request,
    db: SessionDep,
    user: User,
    interview_id: int,
    back: str,
    *,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    interview = service.get_interview(db, user, interview_id)
    back = "run" if back == "run" else "detail"
    ctx = _run_context(
        db, user, interview, back=back, capture_errors=errors or {}, capture_message=message
    )
    status_code = 422 if errors else 200
    if is_htmx(request):
        return render(request, CAPTURE, ctx, block="capture", status_code=status_code)
    if errors:
        page = "interviews/run.html" if back == "run" else "interviews/detail.html"
        return render(request, page, ctx, status_code=status_code)
    suffix = "/run" if back == "run" else ""
    return see_other(f"/interviews/{interview_id}{suffix}#capture")


@router.post("/interviews/{interview_id}/referrals", response_class=HTMLResponse)
def referral_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    back = values.get("back", "detail")
    payload = {k: v for k, v in values.items() if k in ("full_name", "note")}
    try:
        contact = prep_service.capture_referral(
            db, user, interview_id, parse_form(ReferralCreate, payload)
        )
    except Invalid as exc:
        return _capture(request, db, user, interview_id, back, errors=field_errors(exc))
    except Conflict as exc:
        return _capture(request, db, user, interview_id, back, errors={"full_name": exc.detail})
    message = f"Added {contact.full_name} as a contact introduced by them."
    return _capture(request, db, user, interview_id, back, message=message)


@router.post("/interviews/{interview_id}/promises", response_class=HTMLResponse)
def promise_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form)
    back = values.get("back", "detail")
    payload = {k: v for k, v in values.items() if k in ("text", "by")}
    try:
        prep_service.add_promise(db, user, interview_id, parse_form(PromiseCreate, payload))
    except Invalid as exc:
        errors = {f"promise_{k}": v for k, v in field_errors(exc).items()}
        return _capture(request, db, user, interview_id, back, errors=errors)
    return _capture(request, db, user, interview_id, back, message="Promise noted.")


@router.post("/interviews/{interview_id}/promises/{index}/toggle", response_class=HTMLResponse)
def promise_toggle_submit(
    interview_id: InterviewId,
    index: Index,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    values = form_values(form)
    prep_service.set_promise_done(db, user, interview_id, index, values.get("done") == "1")
    return _capture(request, db, user, interview_id, values.get("back", "detail"))


@router.post("/interviews/{interview_id}/promises/{index}/delete", response_class=HTMLResponse)
def promise_remove_submit(
    interview_id: InterviewId,
    index: Index,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    prep_service.remove_promise(db, user, interview_id, index)
    return _capture(request, db, user, interview_id, form_values(form).get("back", "detail"))
