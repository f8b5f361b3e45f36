"""Agenda forms on the interview page: add from a bank or free text, reorder, edit, remove."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.errors import Invalid
from app.interviews import agenda_service, service
from app.interviews.models import InterviewQuestion
from app.interviews.pages import CHOICES, detail_section, page_version
from app.interviews.schemas import AgendaFromBank, AgendaItemCreate, AgendaItemUpdate
from app.schemakit import MAX_INT32
from app.web.deps import PageUser, SessionDep
from app.web.forms import FormDep, field_errors, form_values, parse_form
from app.web.pages import save_form
from app.web.templating import render

router = APIRouter()
InterviewId = Annotated[int, Path(ge=1, le=MAX_INT32)]
ItemId = Annotated[int, Path(ge=1, le=MAX_INT32)]
DETAIL = "interviews/detail.html"


def _agenda(
    request: Request,
    db: SessionDep,
    user: User,
    interview_id: int,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    return detail_section(request, db, user, interview_id, "agenda", errors=errors, message=message)


@router.post("/interviews/{interview_id}/agenda", response_class=HTMLResponse)
def agenda_add_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = {k: v for k, v in form_values(form).items() if k in ("text", "category")}
    try:
        if not values.get("text"):
            raise Invalid.one("text", "Write the question to add.")
        agenda_service.add_agenda_item(db, user, interview_id, parse_form(AgendaItemCreate, values))
    except Invalid as exc:
        return _agenda(request, db, user, interview_id, field_errors(exc))
    return _agenda(request, db, user, interview_id)


@router.post("/interviews/{interview_id}/agenda/bank", response_class=HTMLResponse)
def agenda_bank_submit(
    interview_id: InterviewId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form, lists=("question_ids",))
    payload: dict[str, Any] = {"bank_id": values.get("bank_id", "")}
    if values.get("category"):
        payload["category"] = values["category"]
    if values.get("mode") != "all" and (values.get("question_ids") or values.get("mode")):
        payload["question_ids"] = values.get("question_ids", [])
    try:
        data = parse_form(AgendaFromBank, payload)
        if data.question_ids == []:
            raise Invalid.one("question_ids", "Tick the questions to add, or add them all.")
        added, skipped = agenda_service.add_from_bank(db, user, interview_id, data)
    except Invalid as exc:
        return _agenda(request, db, user, interview_id, field_errors(exc))
    message = f"Added {len(added)} question{'s' if len(added) != 1 else ''}."
    if skipped:
        message += f" {skipped} already on the agenda."
    return _agenda(request, db, user, interview_id, message=message)


@router.post("/interviews/{interview_id}/agenda/{item_id}/move", response_class=HTMLResponse)
def agenda_move_submit(
    interview_id: InterviewId,
    item_id: ItemId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    direction: Literal["up", "down"] = "up" if form.get("direction") == "up" else "down"
    agenda_service.move_agenda_item(db, user, interview_id, item_id, -1 if direction == "up" else 1)
    return _agenda(request, db, user, interview_id)


@router.post("/interviews/{interview_id}/agenda/{item_id}/delete", response_class=HTMLResponse)
def agenda_remove_submit(
    interview_id: InterviewId, item_id: ItemId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    agenda_service.delete_agenda_item(db, user, interview_id, item_id)
    return _agenda(request, db, user, interview_id)


def _edit_page(
    request: Request,
    interview: Any,
    item: Any,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        **CHOICES,
        "section": "interviews",
        "interview": interview,
        "item": item,
        "values": values,
        "errors": errors or {},
    }
    return render(request, "interviews/agenda_item.html", ctx, status_code=status_code)


@router.get("/interviews/{interview_id}/agenda/{item_id}/edit", response_class=HTMLResponse)
def agenda_edit_page(
    interview_id: InterviewId, item_id: ItemId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    interview = service.get_interview(db, user, interview_id)
    values = {"text": item.text, "category": item.category, "version": item.version}
    return _edit_page(request, interview, item, values)


@router.post("/interviews/{interview_id}/agenda/{item_id}/edit", response_class=HTMLResponse)
def agenda_edit_submit(
    interview_id: InterviewId,
    item_id: ItemId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    interview = service.get_interview(db, user, interview_id)
    values = form_values(form, drop_empty=False)
    version = values.get("version", "")
    payload = {k: values[k] for k in ("text", "category") if k in values}

    def save() -> InterviewQuestion:
        data = parse_form(AgendaItemUpdate, payload)
        return agenda_service.update_agenda_item(
            db, user, interview_id, item_id, data, page_version(version)
        )

    def stale() -> Response:
        values["version"] = item.version
        message = (
            f"This question was changed elsewhere; it now reads: “{item.text}”. "
            "Save again to replace it with your text."
        )
        return _edit_page(request, interview, item, values, {"form": message})

    return save_form(
        db,
        save,
        done=lambda _: f"/interviews/{interview_id}#agenda",
        invalid=lambda errors: _edit_page(request, interview, item, values, errors),
        stale=stale,
    )
