"""Pages: the bank list (mine, shared with me, starter) and a bank with its questions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.errors import Invalid
from app.questions import service
from app.questions.io import service as files
from app.questions.items import service as questions
from app.questions.models import CATEGORY_LABELS, QUESTION_CATEGORIES, QuestionBank
from app.questions.schemas import (
    BankCopy,
    BankCreate,
    BankUpdate,
    QuestionCreate,
    QuestionUpdate,
)
from app.schemas import MAX_INT32
from app.validation import small_int
from app.web.deps import PageUser, RowId, SessionDep, SettingsDep
from app.web.forms import FormDep, form_values, form_version, parse_form, see_other
from app.web.pages import confirm_delete, save_form
from app.web.routing import page_router
from app.web.templating import is_htmx, render

router = page_router()
T = TypeVar("T")
SECTION_LIMIT = 100
CATEGORY_OPTIONS = [(key, CATEGORY_LABELS[key]) for key in QUESTION_CATEGORIES]
QUESTION_FIELDS = ("text", "category", "tags", "why_ask")


# ---- the list ---------------------------------------------------------------------------


def _list_page(request: Request, user: PageUser, db: SessionDep, **extra: Any) -> HTMLResponse:
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
    return render(request, "questions/list.html", ctx)


@router.get("/question-banks", response_class=HTMLResponse)
def question_banks_page(request: Request, user: PageUser, db: SessionDep) -> Response:
    return _list_page(request, user, db)


@router.post("/question-banks", response_class=HTMLResponse)
def question_banks_create(
    request: Request, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    fields = {k: v for k, v in values.items() if k in ("name", "description")}
    return save_form(
        db,
        lambda: service.create_bank(db, user, parse_form(BankCreate, fields)),
        done=lambda bank: f"/question-banks/{bank.id}",
        invalid=lambda errors: _list_page(request, user, db, values=fields, errors=errors),
    )


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

    def save() -> QuestionBank:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid.one("file", "Choose a file to import.")
        return files.import_bank(
            db,
            user,
            upload.file.read(),
            kept["format"] or None,
            max_questions=settings.max_bank_questions,
            name=kept["name"].strip() or None,
            filename=upload.filename,
        )

    def refused(exc: Invalid) -> Response:
        problems = [(e.field, e.message) for e in exc.errors] or [("file", exc.detail)]
        return _list_page(
            request,
            user,
            db,
            import_values=kept,
            import_errors=problems,
            import_detail=exc.detail,
        )

    return save_form(db, save, done=lambda bank: f"/question-banks/{bank.id}", problems=refused)


# ---- one bank ---------------------------------------------------------------------------


def _bank_page(
    request: Request,
    user: PageUser,
    db: SessionDep,
    bank_id: int,
    **extra: Any,
) -> HTMLResponse:
    summary = service.bank_summary(db, user, bank_id)
    category = request.query_params.get("category")
    if category not in QUESTION_CATEGORIES:
        category = None
    shown = service.readable_questions(db, user, bank_id, category=category)
    every = shown if category is None else service.readable_questions(db, user, bank_id)
    # The "Show category" filter offers only the categories this bank has questions in.
    present = {q.category for q in every}
    edit_raw = request.query_params.get("edit", "")
    editing = small_int(edit_raw)
    ctx: dict[str, Any] = {
        "section": "questions",
        "summary": summary,
        "bank": summary.bank,
        "questions": shown,
        "category": category,
        "category_options": CATEGORY_OPTIONS,
        "filter_options": [o for o in CATEGORY_OPTIONS if o[0] in present or o[0] == category],
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
    return render(request, "questions/bank.html", ctx, block="bank_body")


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
    bank_id: RowId,
    user: PageUser,
    db: SessionDep,
    category: Annotated[str | None, Query(max_length=64)] = None,
    edit: Annotated[int | None, Query(ge=1, le=MAX_INT32)] = None,
) -> Response:
    return _bank_page(request, user, db, bank_id)


@router.post("/question-banks/{bank_id}", response_class=HTMLResponse)
def question_bank_update(
    request: Request, bank_id: RowId, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    fields = {k: v for k, v in values.items() if k in ("name", "description")}
    return save_form(
        db,
        lambda: service.update_bank(
            db, user, bank_id, parse_form(BankUpdate, fields), form_version(values.get("version"))
        ),
        success=lambda _: _after_change(request, user, db, bank_id),
        invalid=lambda errors: _bank_page(
            request, user, db, bank_id, details_values=fields, details_errors=errors
        ),
    )


def _button(
    request: Request,
    user: PageUser,
    db: SessionDep,
    bank_id: int,
    write: Callable[[], T],
    *,
    anchor: str = "",
    done: Callable[[T], str] | None = None,
) -> Response:
    """A button's write on the bank page (its form has no fields): the bank again
    (``_after_change``, or a redirect to ``done(result)``), or the bank page saying why the
    write was refused."""

    def refused(errors: dict[str, str]) -> Response:
        message = errors.get("form") or next(iter(errors.values()))
        return _bank_page(request, user, db, bank_id, message=message)

    if done is not None:
        return save_form(db, write, done=done, invalid=refused)
    return save_form(
        db,
        write,
        success=lambda _: _after_change(request, user, db, bank_id, anchor),
        invalid=refused,
    )


@router.post("/question-banks/{bank_id}/share", response_class=HTMLResponse)
def question_bank_share(
    request: Request, bank_id: RowId, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    shared = values.get("shared") in ("on", "true", "1")
    return _button(
        request,
        user,
        db,
        bank_id,
        lambda: service.update_bank(
            db, user, bank_id, BankUpdate(shared=shared), form_version(values.get("version"))
        ),
    )


@router.post("/question-banks/{bank_id}/delete")
def question_bank_delete(
    request: Request, bank_id: RowId, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form, drop_empty=False)
    return confirm_delete(
        db,
        values.get("version"),
        lambda expected: service.delete_bank(db, user, bank_id, expected),
        refused=lambda message: _bank_page(request, user, db, bank_id, message=message),
        done="/question-banks",
    )


@router.post("/question-banks/{bank_id}/copy")
def question_bank_copy(
    request: Request, bank_id: RowId, user: PageUser, db: SessionDep, settings: SettingsDep
) -> Response:
    return _button(
        request,
        user,
        db,
        bank_id,
        lambda: service.copy_bank(
            db, user, bank_id, BankCopy(), max_questions=settings.max_bank_questions
        ),
        done=lambda copy: f"/question-banks/{copy.id}",
    )


# ---- questions --------------------------------------------------------------------------


def _question_fields(form: FormDep) -> dict[str, Any]:
    values = form_values(form, drop_empty=False)
    fields: dict[str, Any] = {k: v for k, v in values.items() if k in QUESTION_FIELDS}
    if "tags" in fields:
        # Commas like every tag field; ";" too, the separator of the import formats.
        fields["tags"] = [t for t in str(fields["tags"]).replace(";", ",").split(",") if t.strip()]
    if not fields.get("category"):
        fields.pop("category", None)
    return fields


def _typed(fields: dict[str, Any]) -> dict[str, Any]:
    """Form values as typed (tags joined back) for re-rendering."""
    shown = dict(fields)
    if isinstance(shown.get("tags"), list):
        shown["tags"] = ", ".join(shown["tags"])
    return shown


@router.post("/question-banks/{bank_id}/questions", response_class=HTMLResponse)
def question_add(
    request: Request,
    bank_id: RowId,
    user: PageUser,
    db: SessionDep,
    settings: SettingsDep,
    form: FormDep,
) -> Response:
    fields = _question_fields(form)
    return save_form(
        db,
        lambda: questions.create_question(
            db,
            user,
            bank_id,
            parse_form(QuestionCreate, fields),
            max_questions=settings.max_bank_questions,
        ),
        success=lambda question: _after_change(request, user, db, bank_id, f"#q-{question.id}"),
        invalid=lambda errors: _bank_page(
            request, user, db, bank_id, add_values=_typed(fields), add_errors=errors
        ),
    )


@router.post("/question-banks/{bank_id}/questions/{question_id}", response_class=HTMLResponse)
def question_edit(
    request: Request,
    bank_id: RowId,
    question_id: RowId,
    user: PageUser,
    db: SessionDep,
    form: FormDep,
) -> Response:
    fields = _question_fields(form)
    fields.setdefault("tags", [])
    version = form.get("version")
    return save_form(
        db,
        lambda: questions.update_question(
            db,
            user,
            bank_id,
            question_id,
            parse_form(QuestionUpdate, fields),
            form_version(version),
        ),
        success=lambda _: _after_change(request, user, db, bank_id, f"#q-{question_id}"),
        invalid=lambda errors: _bank_page(
            request,
            user,
            db,
            bank_id,
            editing=question_id,
            edit_values=_typed(fields),
            edit_errors=errors,
        ),
    )


@router.post("/question-banks/{bank_id}/questions/{question_id}/delete")
def question_delete(
    request: Request,
    bank_id: RowId,
    question_id: RowId,
    user: PageUser,
    db: SessionDep,
    form: FormDep,
) -> Response:
    version = form.get("version")
    return _button(
        request,
        user,
        db,
        bank_id,
        lambda: questions.delete_question(db, user, bank_id, question_id, form_version(version)),
        anchor="#questions",
    )


@router.post("/question-banks/{bank_id}/questions/{question_id}/move")
def question_move(
    request: Request,
    bank_id: RowId,
    question_id: RowId,
    user: PageUser,
    db: SessionDep,
    form: FormDep,
) -> Response:
    direction = form.get("direction")
    return _button(
        request,
        user,
        db,
        bank_id,
        lambda: questions.move_question(
            db, user, bank_id, question_id, direction if isinstance(direction, str) else ""
        ),
        anchor=f"#q-{question_id}",
    )
