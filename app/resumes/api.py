"""/api/v1/resumes: thin JSON routes over app.resumes.service (uploads are multipart)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel

from app.contract import upload_types
from app.paging import sortable
from app.resumes import service
from app.resumes.files import EXTENSIONS, MAX_RESUME_BYTES, download_headers
from app.resumes.models import Resume
from app.resumes.schemas import ResumeCreate, ResumeRead, ResumeUpdate
from app.schemas import Page
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.forms import parse_form
from app.web.listing import ListQueryDep, page_response
from app.web.resources import IfMatchDep, created, no_content, problems, resource_response
from app.web.routing import api_router

router = api_router("/resumes", tags=["resumes"])

UNSUPPORTED = {
    415: {
        **problems(415)[415],
        "description": "Unsupported media type: the bytes are not PDF, DOCX or UTF-8 text",
    }
}
_DOWNLOAD_TYPES = sorted({t.split(";")[0] for t in EXTENSIONS})
DOWNLOAD = {
    200: {
        "description": "The stored file, as an attachment, in the type it was stored as.",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _DOWNLOAD_TYPES},
        "headers": {
            "Content-Disposition": {
                "description": "attachment with filename and filename* (RFC 6266)",
                "schema": {"type": "string"},
            }
        },
    }
}


def _read(resume: Resume) -> ResumeRead:
    return ResumeRead.model_validate(resume)


class _UploadFingerprint(BaseModel):
    sha256: str
    file_name: str
    label: str
    notes: str


@router.get("", response_model=Page[ResumeRead], openapi_extra=sortable(service.SORTABLE))
def list_resumes(
    request: Request, db: SessionDep, user: CurrentUser, listing: ListQueryDep
) -> Response:
    """The caller's resume versions (never their bytes): `q` matches label and file name;
    sort by label, file_name, size_bytes, created_at or updated_at."""
    found = service.list_resumes(
        db, user, q=listing.q, sort=listing.sort, limit=listing.limit, offset=listing.offset
    )
    items = [_read(r) for r in found.items]
    return page_response(request, items, total=found.total, limit=found.limit, offset=found.offset)


@router.post(
    "",
    status_code=201,
    response_model=ResumeRead,
    responses={**problems(409), **UNSUPPORTED},
    openapi_extra=upload_types(file=tuple(_DOWNLOAD_TYPES)),
)
def create_resume(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    file: Annotated[
        UploadFile,
        File(description="The resume: PDF, DOCX, plain text or Markdown, up to 5 MB."),
    ],
    label: Annotated[
        str, Form(min_length=1, max_length=200, description="What this version is for.")
    ],
    notes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Upload a version (multipart/form-data: `file`, `label`, `notes`). The type is judged
    by the bytes, not the name or declared type: anything else is a 415, over 5 MB a 413, an
    empty file a 422, and nothing is stored. Honours Idempotency-Key."""
    data = parse_form(ResumeCreate, {"label": label, "notes": notes})
    content = file.file.read(MAX_RESUME_BYTES + 1)
    name = file.filename or ""
    fingerprint = _UploadFingerprint(
        sha256=hashlib.sha256(content).hexdigest(), file_name=name, **data.model_dump()
    )

    def create() -> ResumeRead:
        return _read(service.create_resume(db, user, data, content, name))

    return created(request, db, user, fingerprint, create)


@router.get("/{resume_id}", response_model=ResumeRead, responses=problems(404))
def get_resume(resume_id: RowId, db: SessionDep, user: CurrentUser) -> Response:
    """One version's metadata, with its ETag."""
    return resource_response(_read(service.get_resume(db, user, resume_id)))


@router.patch("/{resume_id}", response_model=ResumeRead, responses=problems(404, 412))
def update_resume(
    resume_id: RowId,
    data: ResumeUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Change the label or notes; `If-Match` makes a stale write fail with 412."""
    resume = service.update_resume(db, user, resume_id, data, expected_version=expected)
    return resource_response(_read(resume))


@router.delete("/{resume_id}", status_code=204, responses=problems(404, 409, 412))
def delete_resume(
    resume_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
    confirm: Annotated[
        bool,
        Query(description="Delete even though it was shared (the share records are kept)."),
    ] = False,
) -> Response:
    """Delete a version and its file; 409 when it was shared, unless `confirm=true`."""
    service.delete_resume(db, user, resume_id, expected_version=expected, confirm=confirm)
    return no_content()


@router.get(
    "/{resume_id}/file",
    response_class=Response,
    responses={**DOWNLOAD, **problems(404)},
)
def download_resume(resume_id: RowId, db: SessionDep, user: CurrentUser) -> Response:
    """The stored file, as an attachment with a sanitised name and its stored type."""
    resume, content = service.resume_content(db, user, resume_id)
    return Response(
        content, media_type=resume.content_type, headers=download_headers(resume.file_name)
    )
