"""/api/v1/export and /api/v1/import: a full JSON export, contacts as CSV, LinkedIn import."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from app.exchange.downloads import attachment
from app.exchange.export import service as export
from app.exchange.linkedin import service as linkedin
from app.exchange.schemas import ImportReport
from app.web.deps import CurrentUser, SessionDep
from app.web.resources import idempotent, problems

router = APIRouter(tags=["import and export"])


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "Everything the caller owns, as one JSON document (an attachment).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    summary="Export everything you own as JSON",
)
def export_everything(user: CurrentUser, db: SessionDep) -> StreamingResponse:
    """One JSON document, streamed: `format`, `version`, `exported_at`, `account`, then
    `careers` (with resources), `organizations`, `tags`, `contacts` (with `career_ids` and
    `tags`), `interactions`, `question_banks` (the caller's own, with `questions`) and
    `interviews` (with their `agenda` and answer notes), and `counts` of each at the end.
    A read-only token is enough."""
    return StreamingResponse(
        export.export_json(db, user),
        media_type="application/json",
        headers=attachment(user, "json"),
    )


@router.get(
    "/export/contacts",
    response_class=Response,
    responses={
        200: {
            "description": "The caller's contacts as CSV (an attachment).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    summary="Export your contacts as CSV",
)
def export_contacts(user: CurrentUser, db: SessionDep) -> StreamingResponse:
    """One row per contact with its organization's name and its tags (separated by '; ').

    Cells starting with = + - or @ get a leading apostrophe, so a spreadsheet shows them
    as text instead of running them as formulas."""
    return StreamingResponse(
        export.export_contacts_csv(db, user),
        media_type="text/csv; charset=utf-8",
        headers=attachment(user, "csv"),
    )


class _ImportFingerprint(BaseModel):
    sha256: str
    dry_run: bool


@router.post(
    "/import/linkedin",
    response_model=ImportReport,
    responses=problems(409),
    summary="Import your LinkedIn connections (Connections.csv)",
)
def import_linkedin(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    file: Annotated[
        UploadFile, File(description="LinkedIn's Connections.csv export (UTF-8, up to 5 MB).")
    ],
    dry_run: Annotated[
        bool, Query(description="Check the file and report what would happen; write nothing.")
    ] = False,
) -> Response:
    """Create a contact for each connection in the uploaded file (multipart/form-data, field
    `file`): name, LinkedIn URL, email, Position as title, Company as organization (matched
    by name, case-insensitively, or created) and how you met.

    Connections whose LinkedIn profile is already one of your contacts, or appears earlier in
    the file, are skipped and counted. A file with any invalid row imports nothing: the 422
    problem lists every problem as `row N: field` (N is the line in the file). Up to 20,000
    rows. Needs the write scope; honours Idempotency-Key."""
    raw = file.file.read(linkedin.MAX_IMPORT_BYTES + 1)
    fingerprint = _ImportFingerprint(sha256=hashlib.sha256(raw).hexdigest(), dry_run=dry_run)

    def run() -> Response:
        report = linkedin.import_linkedin_csv(db, user, raw, dry_run=dry_run)
        return JSONResponse(report.model_dump(mode="json"))

    return idempotent(request, db, user, fingerprint, run)
