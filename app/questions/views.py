"""Pages: the bank list (mine, shared with me, starter) and a bank with its questions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.errors import Conflict, Invalid, PreconditionFailed
from app.questions import io_service, question_service, service
from app.questions.models import CATEGORY_LABELS, QUESTION_CATEGORIES
from app.questions.schemas import (
    BankCopy,
    BankCreate,
    BankUpdate,
    QuestionCreate,
    QuestionUpdate,
)
from app.schemakit import MAX_INT32
from app.web.deps import PageUser, SessionDep, SettingsDep
from app.web.forms import FormDep, field_errors, form_values, parse_form, see_other, small_int
from app.web.templating import is_htmx, render

router = APIRouter()
BankId = Annotated[int, Path(ge=1, le=MAX_INT32)]
QuestionId = Annotated[int, Path(ge=1, le=MAX_INT32)]
SECTION_LIMIT = 100
CATEGORY_OPTIONS = [(key, CATEGORY_LABELS[key]) for key in QUESTION_CATEGORIES]
QUESTION_FIELDS = ("text", "category", "tags", "why_ask")


# ---- the list ---------------------------------------------------------------------------


def _list_page(
    request: Request, user: PageUser, db: SessionDep, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    q = (request.query_params.get("q") or "").strip()[:200] or None
    if q and "\x00" in q:
        q = None
    # Starter banks keep their shipped order (essentials first); the others go by name.
    sections = {
        scope: service.list_banks(
            db,
            user,
            scope=scope,  # type: ignore[arg-type]
            q=q,
            sort="id" if scope == "builtin" else "name",
            limit=SECTION_LIMIT,
        )
        for scope in ("mine", "shared", "builtin")
    }
    ctx: dict[str, Any] = {
        "section": "questions",
        "sections": sections,
        "q": q or "",
        "values": {},
        "errors": {},
        "import_values": {},
        "import_errors": [],
        "limit": SECTION_LIMIT,
    }
    ctx.update(extra)
    return render(request, "questions/list.html", ctx, status_code=status_code)


@router.get("/question-banks", response_class=HTMLResponse)
def question_banks_page(request: Request, user: PageUser, db: SessionDep) -> Response:
    return _list_page(request, user, db)


@router.post("/question-banks", response_class=HTMLResponse)
def question_banks_create(
    request: Request, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    fields = {k: v for k, v in values.items() if k in ("name", "description")}
    try:
        bank = service.create_bank(db, user, parse_form(BankCreate, fields))
    except Invalid as exc:
        return _list_page(
            request, user, db, status_code=422, values=fields, errors=field_errors(exc)
        )
    return see_other(f"/question-banks/{bank.id}")


_FORMAT_BY_EXTENSION = {"json": "json", "csv": "csv", "md": "md", "markdown": "md"}


@router.post("/question-banks/import", response_class=HTMLResponse)
def question_banks_import(
    request: Request, user: PageUser, db: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    upload = form.get("file")
    file_format = form.get("format")
    name = form.get("name")
    kept = {
        "format": file_format if isinstance(file_format, str) else "",
        "name": name if isinstance(name, str) else "",
    }
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid.one("file", "Choose a file to import.")
        if not file_format:
            file_format = _FORMAT_BY_EXTENSION.get(upload.filename.rsplit(".", 1)[-1].lower())
        if file_format not in ("json", "csv", "md"):
            raise Invalid.one(
                "format", "Choose JSON, CSV or Markdown (the file name does not tell)."
            )
        bank = io_service.import_bank(
            db,
            user,
            upload.file.read(),
            file_format,  # type: ignore[arg-type]
            max_questions=settings.max_bank_questions,
            name=name.strip() if isinstance(name, str) and name.strip() else None,
            filename=upload.filename,
        )
    except Invalid as exc:
        problems = [(e.field, e.message) for e in exc.errors] or [("file", exc.detail)]
        return _list_page(
            request,
            user,
            db,
            status_code=422,
            import_values=kept,
            import_errors=problems,
            import_detail=exc.detail,
        )
    return see_other(f"/question-banks/{bank.id}")


# ---- one bank ---------------------------------------------------------------------------


def _bank_page(
    request: Request,
    user: PageUser,
    db: SessionDep,
    bank_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    summary = service.bank_summary(db, user, bank_id)
    category = request.query_params.get("category")
    if category not in QUESTION_CATEGORIES:
        category = None
    questions = service.readable_questions(db, user, bank_id, category=category)
    edit_raw = request.query_params.get("edit", "")
    editing = small_int(edit_raw)
    ctx: dict[str, Any] = {
        "section": "questions",
        "summary": summary,
        "bank": summary.bank,
        "questions": questions,
        "category": category,
        "category_options": CATEGORY_OPTIONS,
        "category_labels": CATEGORY_LABELS,
        "editing": editing if summary.editable else None,
        "add_values": {"category": category or "other"},
        "add_errors": {},
        "edit_values": {},
        "edit_errors": {},
        "details_values": {"name": summary.bank.name, "description": summary.bank.description},
        "details_errors": {},
        "message": None,
    }
    ctx.update(extra)
    return render(request, "questions/bank.html", ctx, block="bank_body", status_code=status_code)


def _after_change(
    request: Request, user: PageUser, db: SessionDep, bank_id: int, anchor: str = ""
) -> Response:
    """HTMX gets the refreshed bank body; a plain browser is redirected (POST, then GET)."""
    if is_htmx(request):
        return _bank_page(request, user, db, bank_id)
    return see_other(f"/question-banks/{bank_id}{anchor}")


@router.get("/question-banks/{bank_id}", response_class=HTMLResponse)
def question_bank_page(
    request: Request,
    bank_id: BankId,
    user: PageUser,
    db: SessionDep,
    category: Annotated[str | None, Query(max_length=64)] = None,
    edit: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
) -> Response:
    return _bank_page(request, user, db, bank_id)


@router.post("/question-banks/{bank_id}", response_class=HTMLResponse)
def question_bank_update(
    request: Request, bank_id: BankId, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    fields = {k: v for k, v in values.items() if k in ("name", "description")}
    try:
        data = parse_form(BankUpdate, fields)
        service.update_bank(db, user, bank_id, data, _version(values))
    except Invalid as exc:
        return _bank_page(
            request,
            user,
            db,
            bank_id,
            status_code=422,
            details_values=fields,
            details_errors=field_errors(exc),
        )
    except PreconditionFailed:
        return _bank_page(
            request,
            user,
            db,
            bank_id,
            status_code=409,
            details_values=fields,
            details_errors={"form": _CONFLICT},
        )
    return _after_change(request, user, db, bank_id)


_CONFLICT = (
    "This bank was changed since you loaded the page (perhaps in another tab). "
    "Your text is kept below; review the current version and save again."
)


def _version(values: dict[str, Any]) -> int | None:
    raw = str(values.get("version", ""))
    return small_int(raw)


@router.post("/question-banks/{bank_id}/share", response_class=HTMLResponse)
def question_bank_share(
    request: Request, bank_id: BankId, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    shared = values.get("shared") in ("on", "true", "1")
    try:
        service.update_bank(db, user, bank_id, BankUpdate(shared=shared), _version(values))
    except PreconditionFailed:
        return _bank_page(request, user, db, bank_id, status_code=409, message=_CONFLICT)
    return _after_change(request, user, db, bank_id)


@router.post("/question-banks/{bank_id}/delete")
def question_bank_delete(
    request: Request, bank_id: BankId, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    try:
        service.delete_bank(db, user, bank_id, _version(values))
    except PreconditionFailed:
        return _bank_page(request, user, db, bank_id, status_code=409, message=_CONFLICT)
    return see_other("/question-banks")


@router.post("/question-banks/{bank_id}/copy")
def question_bank_copy(
    bank_id: BankId, user: PageUser, db: SessionDep, settings: SettingsDep
) -> Response:
    copy = service.copy_bank(
        db, user, bank_id, BankCopy(), max_questions=settings.max_bank_questions
    )
    return see_other(f"/question-banks/{copy.id}")


# ---- questions --------------------------------------------------------------------------


def _question_fields(form: FormDep) -> dict[str, Any]:
    values = form_values(form, drop_empty=False)
    fields: dict[str, Any] = {k: v for k, v in values.items() if k in QUESTION_FIELDS}
    if "tags" in fields:
        fields["tags"] = [t for t in str(fields["tags"]).replace(",", ";").split(";") if t.strip()]
    if not fields.get("category"):
        fields.pop("category", None)
    return fields


def _typed(fields: dict[str, Any]) -> dict[str, Any]:
    """Form values as typed (tags joined back) for re-rendering."""
    shown = dict(fields)
    if isinstance(shown.get("tags"), list):
        shown["tags"] = "; ".join(shown["tags"])
    return shown


@router.post("/question-banks/{bank_id}/questions", response_class=HTMLResponse)
def question_add(
    request: Request,
    bank_id: BankId,
    user: PageUser,
    db: SessionDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    fields = _question_fields(form)
    try:
        data = parse_form(QuestionCreate, fields)
        question = question_service.create_question(
            db, user, bank_id, data, max_questions=settings.max_bank_questions
        )
    except (Invalid, Conflict) as exc:
        errors = field_errors(exc) if isinstance(exc, Invalid) else {"form": exc.detail}
        return _bank_page(
            request,
            user,
            db,
            bank_id,
            status_code=422,
            add_values=_typed(fields),
            add_errors=errors,
        )
    return _after_change(request, user, db, bank_id, f"#q-{question.id}")


@router.post("/question-banks/{bank_id}/questions/{question_id}", response_class=HTMLResponse)
def question_edit(
    request: Request,
    bank_id: BankId,
    question_id: QuestionId,
    user: PageUser,
    db: SessionDep,
    form: FormDep,
) -> Response:
    fields = _question_fields(form)
    fields.setdefault("tags", [])
    version = _version(form_values(form, drop_empty=False))
    try:
        data = parse_form(QuestionUpdate, fields)
        question_service.update_question(db, user, bank_id, question_id, data, version)
    except (Invalid, PreconditionFailed) as exc:
        conflict = isinstance(exc, PreconditionFailed)
        return _bank_page(
            request,
            user,
            db,
            bank_id,
            status_code=409 if conflict else 422,
            editing=question_id,
            edit_values=_typed(fields),
            edit_errors={"form": _CONFLICT} if conflict else field_errors(exc),  # type: ignore[arg-type]
        )
    return _after_change(request, user, db, bank_id, f"#q-{question_id}")


@router.post("/question-banks/{bank_id}/questions/{question_id}/delete")
def question_delete(
    request: Request, bank_id: BankId, question_id: QuestionId, user: PageUser, db: SessionDep
) -> Response:
    question_service.delete_question(db, user, bank_id, question_id)
    return _after_change(request, user, db, bank_id, "#questions")


@router.post("/question-banks/{bank_id}/questions/{question_id}/move")
def question_move(
    request: Request,
    bank_id: BankId,
    question_id: QuestionId,
    user: PageUser,
    db: SessionDep,
    form: FormDep,
) -> Response:
    direction = form.get("direction")
    if direction not in ("up", "down"):
        raise Invalid.one("direction", "Move a question 'up' or 'down'.")
    move: Literal["up", "down"] = "up" if direction == "up" else "down"
    question_service.move_question(db, user, bank_id, question_id, move)
    return _after_change(request, user, db, bank_id, f"#q-{question_id}")
