"""/api/v1/question-banks: banks, their questions, order, copy, import and export."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import File, Form, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel

from app.contract import upload_types
from app.paging import sortable
from app.questions import service
from app.questions.io import service as files
from app.questions.items import service as questions
from app.questions.models import QuestionBank
from app.questions.schemas import (
    BankCopy,
    BankCreate,
    BankRead,
    BankScope,
    BankUpdate,
    Category,
    ExportFormat,
    QuestionCreate,
    QuestionOrder,
    QuestionOrderRead,
    QuestionRead,
    QuestionUpdate,
)
from app.schemas import MAX_INT32, NO_NUL_PATTERN, Page, normalise_tag
from app.web.deps import CurrentUser, SessionDep, SettingsDep
from app.web.listing import ListQueryDep, page_response
from app.web.resources import (
    IfMatchDep,
    created,
    no_content,
    problems,
    resource_response,
)
from app.web.routing import api_router

router = api_router("/question-banks", tags=["question banks"])
BankId = Annotated[int, Path(ge=1, le=MAX_INT32, description="Question bank id.")]
QuestionId = Annotated[int, Path(ge=1, le=MAX_INT32, description="Question id.")]
BANKS = "/api/v1/question-banks"
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def _bank_read(summary: service.BankSummary) -> BankRead:
    return BankRead.model_validate(summary.as_dict())


def _bank_created(db: SessionDep, user: CurrentUser, bank: QuestionBank) -> BankRead:
    return _bank_read(service.summarise(db, user, bank))


# ---- banks ------------------------------------------------------------------------------


@router.get("", response_model=Page[BankRead], openapi_extra=sortable(service.BANK_SORTS))
def list_question_banks(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    params: ListQueryDep,
    scope: Annotated[
        BankScope | None,
        Query(description="mine, shared (other users' shared banks) or builtin (starter)."),
    ] = None,
) -> Response:
    """Banks the caller may read: their own, other users' shared banks and the starter banks.

    `q` matches name and description; `sort` takes name, created_at, updated_at, id,
    question_count (prefix '-' for descending)."""
    found = service.list_banks(
        db,
        user,
        scope=scope,
        q=params.q,
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
    )
    items = [_bank_read(s) for s in found.items]
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post("", status_code=201, response_model=BankRead, responses=problems(409))
def create_question_bank(
    data: BankCreate, request: Request, user: CurrentUser, db: SessionDep
) -> Response:
    """Create an empty bank of the caller's own (honours Idempotency-Key)."""
    return created(
        request,
        db,
        user,
        data,
        lambda: _bank_created(db, user, service.create_bank(db, user, data)),
        collection=BANKS,
    )


class _ImportFingerprint(BaseModel):
    file_format: str | None
    name: str | None
    filename: str | None
    sha256: str


@router.post(
    "/import",
    status_code=201,
    response_model=BankRead,
    responses=problems(409),
    summary="Import a bank from a JSON, CSV or Markdown file",
    openapi_extra=upload_types(file=tuple(t.split(";")[0] for t in MEDIA_TYPES.values())),
)
def import_question_bank(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The file to import (UTF-8).")],
    file_format: Annotated[
        ExportFormat | None,
        Form(
            alias="format",
            description="json (as exported), csv (header text,category,tags,why_ask; tags "
            "separated by ';') or md ('## Category' headings, '- question' items, optional "
            "'  - Why: ...' and '  - Tags: a; b' sub-items). Left out: from the file name's "
            "extension (.json, .csv, .md or .markdown).",
        ),
    ] = None,
    name: Annotated[
        str | None,
        Form(max_length=200, description="Name of the new bank (else from the file)."),
    ] = None,
) -> Response:
    """Create a new bank of the caller's own from an uploaded file (multipart/form-data).

    A file with any problem imports nothing; the 422 problem lists each one with its
    `row N` (CSV), `line N` (Markdown, encoding, JSON syntax) or `question N` (JSON).
    Honours Idempotency-Key."""
    raw = file.file.read()
    fingerprint = _ImportFingerprint(
        file_format=file_format,
        name=name,
        filename=file.filename,
        sha256=hashlib.sha256(raw).hexdigest(),
    )

    def create() -> BankRead:
        bank = files.import_bank(
            db,
            user,
            raw,
            file_format,
            max_questions=settings.max_bank_questions,
            name=name.strip() if name and name.strip() else None,
            filename=file.filename,
        )
        return _bank_created(db, user, bank)

    return created(request, db, user, fingerprint, create, collection=BANKS)


@router.get("/{bank_id}", response_model=BankRead, responses=problems(404))
def get_question_bank(bank_id: BankId, user: CurrentUser, db: SessionDep) -> Response:
    """One bank the caller may read (its ETag is the bank's version)."""
    return resource_response(_bank_read(service.bank_summary(db, user, bank_id)))


@router.patch("/{bank_id}", response_model=BankRead, responses=problems(404, 412))
def update_question_bank(
    bank_id: BankId, data: BankUpdate, user: CurrentUser, db: SessionDep, expected: IfMatchDep
) -> Response:
    """Rename, describe, share or unshare one of the caller's banks (403 for read-only banks)."""
    bank = service.update_bank(db, user, bank_id, data, expected)
    return resource_response(_bank_read(service.summarise(db, user, bank)))


@router.delete("/{bank_id}", status_code=204, responses=problems(404, 412))
def delete_question_bank(
    bank_id: BankId, user: CurrentUser, db: SessionDep, expected: IfMatchDep
) -> Response:
    """Delete one of the caller's banks and its questions."""
    service.delete_bank(db, user, bank_id, expected)
    return no_content()


@router.post(
    "/{bank_id}/copy", status_code=201, response_model=BankRead, responses=problems(404, 409)
)
def copy_question_bank(
    bank_id: BankId,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    data: BankCopy | None = None,
) -> Response:
    """Copy a starter, shared or own bank into a new bank of the caller's own."""
    options = data or BankCopy()

    def create() -> BankRead:
        bank = service.copy_bank(
            db, user, bank_id, options, max_questions=settings.max_bank_questions
        )
        return _bank_created(db, user, bank)

    return created(request, db, user, options, create, collection=BANKS)


@router.get(
    "/{bank_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The bank as a file (Content-Disposition: attachment).",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
                "text/markdown": {"schema": {"type": "string"}},
            },
        },
        **problems(404),
    },
)
def export_question_bank(
    bank_id: BankId,
    user: CurrentUser,
    db: SessionDep,
    file_format: Annotated[
        ExportFormat, Query(alias="format", description="json, csv or md.")
    ] = "json",
) -> Response:
    """A readable bank as JSON (everything), CSV (text,category,tags,why_ask) or Markdown."""
    exported = files.export_bank(db, user, bank_id, file_format)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", exported.bank.name).strip("-").lower()[:80]
    filename = f"{slug or 'question-bank'}.{file_format}"
    return Response(
        exported.content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# ---- questions --------------------------------------------------------------------------


@router.get(
    "/{bank_id}/questions",
    response_model=Page[QuestionRead],
    responses=problems(404),
    openapi_extra=sortable(questions.QUESTION_SORTS),
)
def list_bank_questions(
    bank_id: BankId,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    params: ListQueryDep,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    tag: Annotated[
        str | None, Query(max_length=50, description="Only this tag.", pattern=NO_NUL_PATTERN)
    ] = None,
) -> Response:
    """A readable bank's questions, in order (`sort` takes position, text, category,
    created_at, updated_at, id); `q` matches the text."""
    found = questions.list_questions(
        db,
        user,
        bank_id,
        category=category,
        tag=normalise_tag(tag) if tag else None,
        q=params.q,
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
    )
    items = [QuestionRead.model_validate(r) for r in found.items]
    return page_response(
        request, items, total=found.total, limit=params.limit, offset=params.offset
    )


@router.post(
    "/{bank_id}/questions",
    status_code=201,
    response_model=QuestionRead,
    responses=problems(404, 409),
)
def create_bank_question(
    bank_id: BankId,
    data: QuestionCreate,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Append a question to one of the caller's banks (409 when the bank is full)."""

    def create() -> QuestionRead:
        question = questions.create_question(
            db, user, bank_id, data, max_questions=settings.max_bank_questions
        )
        return QuestionRead.model_validate(question)

    return created(request, db, user, data, create, collection=f"{BANKS}/{bank_id}/questions")


@router.get("/{bank_id}/questions/order", response_model=QuestionOrderRead, responses=problems(404))
def get_bank_question_order(bank_id: BankId, user: CurrentUser, db: SessionDep) -> Response:
    """The ids of the bank's questions in order; the ETag is the bank's version."""
    bank = service.readable_bank(db, user, bank_id)
    ids = questions.question_ids(db, user, bank_id)
    assert bank.id is not None
    return resource_response(
        QuestionOrderRead(bank_id=bank.id, version=bank.version, question_ids=ids)
    )


@router.put(
    "/{bank_id}/questions/order", response_model=QuestionOrderRead, responses=problems(404, 412)
)
def reorder_bank_questions(
    bank_id: BankId, data: QuestionOrder, user: CurrentUser, db: SessionDep, expected: IfMatchDep
) -> Response:
    """Reorder a bank: send every question id exactly once, in the new order.

    A list that adds, drops or repeats an id is a 422 naming `question_ids`. If-Match takes
    the bank's ETag."""
    bank = questions.reorder_questions(db, user, bank_id, data.question_ids, expected)
    assert bank.id is not None
    return resource_response(
        QuestionOrderRead(bank_id=bank.id, version=bank.version, question_ids=data.question_ids)
    )


@router.get(
    "/{bank_id}/questions/{question_id}", response_model=QuestionRead, responses=problems(404)
)
def get_bank_question(
    bank_id: BankId, question_id: QuestionId, user: CurrentUser, db: SessionDep
) -> Response:
    """One question of a readable bank."""
    question = questions.get_question(db, user, bank_id, question_id)
    return resource_response(QuestionRead.model_validate(question))


@router.patch(
    "/{bank_id}/questions/{question_id}",
    response_model=QuestionRead,
    responses=problems(404, 412),
)
def update_bank_question(
    bank_id: BankId,
    question_id: QuestionId,
    data: QuestionUpdate,
    user: CurrentUser,
    db: SessionDep,
    expected: IfMatchDep,
) -> Response:
    """Edit a question of one of the caller's banks."""
    question = questions.update_question(db, user, bank_id, question_id, data, expected)
    return resource_response(QuestionRead.model_validate(question))


@router.delete("/{bank_id}/questions/{question_id}", status_code=204, responses=problems(404, 412))
def delete_bank_question(
    bank_id: BankId,
    question_id: QuestionId,
    user: CurrentUser,
    db: SessionDep,
    expected: IfMatchDep,
) -> Response:
    """Remove a question from one of the caller's banks."""
    questions.delete_question(db, user, bank_id, question_id, expected)
    return no_content()
