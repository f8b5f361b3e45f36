"""Agenda forms on the interview page (add from a bank or free text, reorder, edit, remove)
and the agenda items of run mode (notes autosaved against the version the page holds)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import (
    AgendaFromBank,
    AgendaItemCreate,
    AgendaItemUpdate,
    AgendaMove,
)
from app.interviews.interview_page import CHOICES, save_detail_section, save_section
from app.web.deps import PageUser, RowId, SessionDep
from app.web.forms import FormDep, form_values, form_version, parse_form, see_other
from app.web.pages import save_form
from app.web.routing import page_router
from app.web.templating import is_htmx, render
from app.wording import plural

router = page_router()
RUN_ITEM = "interviews/run_item.html"
# The run-mode mark buttons: (asked, skipped).
MARKS = {"asked": (True, False), "skipped": (False, True), "open": (False, False)}
STALE_ITEM = (
    "This question was changed elsewhere; it now reads: “{text}”. "
    "Save again to replace it with your text."
)


def _agenda_url(interview_id: int) -> str:
    return f"/interviews/{interview_id}#agenda"


def _added(result: tuple[list[InterviewQuestion], int]) -> str:
    added, skipped = result
    message = f"Added {plural(len(added), 'question')}."
    if skipped:
        message += f" {skipped} already on the agenda."
    return message


@router.post("/interviews/{interview_id}/agenda", response_class=HTMLResponse)
def agenda_add_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = {k: v for k, v in form_values(form).items() if k in ("text", "category")}

    def save() -> InterviewQuestion:
        data = parse_form(AgendaItemCreate, values)
        return agenda_service.add_agenda_item(db, user, interview_id, data)

    return save_detail_section(request, db, user, interview_id, "agenda", form, save)


@router.post("/interviews/{interview_id}/agenda/bank", response_class=HTMLResponse)
def agenda_bank_submit(
    interview_id: RowId, request: Request, db: SessionDep, user: PageUser, form: FormDep
) -> Response:
    values = form_values(form, lists=("question_ids",))
    payload: dict[str, Any] = {"bank_id": values.get("bank_id", "")}
    if values.get("category"):
        payload["category"] = values["category"]
    # "Add all" sends no choice; "Add ticked" sends the ticked ones (maybe none).
    if values.get("mode") != "all" and (values.get("question_ids") or values.get("mode")):
        payload["question_ids"] = values.get("question_ids", [])

    def save() -> tuple[list[InterviewQuestion], int]:
        data = parse_form(AgendaFromBank, payload)
        return agenda_service.add_from_bank(db, user, interview_id, data)

    return save_detail_section(
        request, db, user, interview_id, "agenda", form, save, message=_added
    )


@router.post("/interviews/{interview_id}/agenda/{item_id}/move", response_class=HTMLResponse)
def agenda_move_submit(
    interview_id: RowId,
    item_id: RowId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    values = form_values(form)

    def save() -> list[InterviewQuestion]:
        data = parse_form(AgendaMove, {"direction": values.get("direction", "")})
        version = form_version(values.get("version"))
        return agenda_service.move_agenda_item(db, user, interview_id, item_id, data, version)

    return save_detail_section(request, db, user, interview_id, "agenda", form, save)


@router.post("/interviews/{interview_id}/agenda/{item_id}/delete", response_class=HTMLResponse)
def agenda_remove_submit(
    interview_id: RowId,
    item_id: RowId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    version = form_values(form).get("version")

    def save() -> None:
        agenda_service.delete_agenda_item(db, user, interview_id, item_id, form_version(version))

    return save_detail_section(request, db, user, interview_id, "agenda", form, save)


def _edit_page(
    request: Request,
    interview: Any,
    item: InterviewQuestion,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> Response:
    ctx = {
        **CHOICES,
        "section": "interviews",
        "interview": interview,
        "item": item,
        "values": values,
        "errors": errors or {},
    }
    return render(request, "interviews/agenda_item.html", ctx)


@router.get("/interviews/{interview_id}/agenda/{item_id}/edit", response_class=HTMLResponse)
def agenda_edit_page(
    interview_id: RowId, item_id: RowId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    interview = service.get_interview(db, user, interview_id)
    values = {"text": item.text, "category": item.category, "version": item.version}
    return _edit_page(request, interview, item, values)


@router.post("/interviews/{interview_id}/agenda/{item_id}/edit", response_class=HTMLResponse)
def agenda_edit_submit(
    interview_id: RowId,
    item_id: RowId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    interview = service.get_interview(db, user, interview_id)
    values = form_values(form, drop_empty=False)
    payload = {k: values[k] for k in ("text", "category") if k in values}

    def save() -> InterviewQuestion:
        data = parse_form(AgendaItemUpdate, payload)
        version = form_version(values.get("version"))
        return agenda_service.update_agenda_item(db, user, interview_id, item_id, data, version)

    def stale() -> Response:
        current = agenda_service.get_agenda_item(db, user, interview_id, item_id)
        values["version"] = current.version
        message = STALE_ITEM.format(text=current.text)
        return _edit_page(request, interview, current, values, {"form": message})

    return save_form(
        db,
        save,
        done=lambda _: _agenda_url(interview_id),
        invalid=lambda errors: _edit_page(request, interview, item, values, errors),
        stale=stale,
    )


# ---- run mode -------------------------------------------------------------------------


@router.get("/interviews/{interview_id}/run/items/{item_id}", response_class=HTMLResponse)
def run_item(
    interview_id: RowId, item_id: RowId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    """One agenda item's run-mode form with the saved text (the 'use saved text' choice)."""
    item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
    if not is_htmx(request):
        return see_other(f"/interviews/{interview_id}/run#item-{item_id}")
    ctx = {"item": item, "interview_id": interview_id, "number": item.position + 1}
    return render(request, RUN_ITEM, ctx, block="item")


@router.api_route(
    "/interviews/{interview_id}/agenda/{item_id}/notes",
    methods=["POST", "PATCH"],
    response_class=HTMLResponse,
)
def notes_autosave(
    interview_id: RowId,
    item_id: RowId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    form: FormDep,
) -> Response:
    """Save one question's notes (and asked / skipped) against the version the page holds;
    a stale one shows both texts (409) instead of overwriting."""
    agenda_service.get_agenda_item(db, user, interview_id, item_id)
    values = form_values(form, drop_empty=False)
    payload: dict[str, Any] = {}
    if "answer_notes" in values:
        payload["answer_notes"] = values["answer_notes"]
    if values.get("mark") in MARKS:
        payload["asked"], payload["skipped"] = MARKS[values["mark"]]
    mine = str(values.get("answer_notes", ""))

    def save() -> InterviewQuestion:
        data = parse_form(AgendaItemUpdate, payload)
        # "Keep my text" after a conflict sends the version it was shown.
        version = form_version(values.get("version_override") or values.get("version"))
        return agenda_service.update_agenda_item(db, user, interview_id, item_id, data, version)

    def show(
        errors: dict[str, str] | None = None, message: str | None = None, stale: bool = False
    ) -> Response:
        item = agenda_service.get_agenda_item(db, user, interview_id, item_id)
        ctx: dict[str, Any] = {"item": item, "interview_id": interview_id, "mine": mine}
        if stale:
            ctx["conflict"] = True
        elif errors:
            ctx["error"] = "; ".join(errors.values())
        else:
            ctx["saved"] = True
        if is_htmx(request):
            return render(request, RUN_ITEM, ctx, block="status")
        # Without JavaScript: a page showing both texts (or the error), so nothing is lost.
        return render(request, "interviews/notes_problem.html", ctx)

    url = f"/interviews/{interview_id}/run#item-{item_id}"
    return save_section(request, db, save, show, url=url)
