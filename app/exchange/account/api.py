"""/api/v1/import/account: a whole-account JSON export read back into an empty account."""

from __future__ import annotations

import hashlib

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.errors import Invalid, UnsupportedMediaType
from app.exchange.account import service
from app.exchange.account.schemas import AccountImportReport, DocumentFingerprint
from app.exchange.export.service import FORMAT
from app.web.deps import CurrentUser, SessionDep, SettingsDep
from app.web.resources import idempotent, problems
from app.web.routing import api_router

router = api_router(tags=["import and export"])

_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "A document from GET /api/v1/export (this version or older).",
                "required": ["format", "version"],
                "properties": {
                    "format": {"type": "string", "enum": [FORMAT]},
                    "version": {"type": "integer", "enum": sorted(service.SECTIONS)},
                },
            }
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}


async def read_upload(request: Request, limit: int) -> bytes:
    """The document: the JSON body, or the ``file`` field of a multipart form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        return await request.body()  # the middleware stops it past the upload limit (413)
    if kind != "multipart/form-data":
        raise UnsupportedMediaType(
            detail="Send the export as application/json, or as the file field of a form."
        )
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Invalid.one("file", "Choose the JSON file of a Rapport export.")
    return await upload.read(limit + 1)


@router.post(
    "/import/account",
    response_model=AccountImportReport,
    status_code=201,
    responses=problems(409, 413, 415, 422),
    openapi_extra={"requestBody": _BODY},
    summary="Import a whole account (a JSON export) into this empty account",
)
async def import_account(
    request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> Response:
    """Read a document from `GET /api/v1/export` (this version or an older one, by its
    `format` and `version` fields) into the caller's account, which must hold nothing yet
    (otherwise 409, naming what it holds). Every record and link is kept: ids are the
    document's own and are given new ones; an id the document does not hold is refused.
    Timestamps and versions are kept; the account keeps its own username, name and email,
    and takes the document's time zone, job-search status and follow-up settings.

    All or nothing: any bad row is a 422 problem whose `errors` name the JSON path (such as
    `contacts[12].email`), and nothing is stored. The body is the JSON document, or a
    multipart form with the document in `file`; at most RAPPORT_MAX_UPLOAD_BYTES (413
    beyond). Needs the write scope; honours Idempotency-Key."""
    limit = settings.max_upload_bytes
    raw = await read_upload(request, limit)

    def run() -> Response:
        report = service.import_account(
            db,
            user,
            raw,
            max_bytes=limit,
            max_questions=settings.max_bank_questions,
            phone_region=settings.default_phone_region,
        )
        return JSONResponse(report.model_dump(mode="json"), status_code=201)

    # A retry with the same Idempotency-Key replays the report instead of answering 409.
    fingerprint = DocumentFingerprint(sha256=hashlib.sha256(raw).hexdigest())
    return await run_in_threadpool(idempotent, request, db, user, fingerprint, run)
