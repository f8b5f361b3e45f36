"""/api/v1/export and /api/v1/import: a full JSON export, contacts as CSV or vCard, imports.

No ``from __future__ import annotations`` here: the per-format import routes are declared by
one function, and their upload field's annotation holds that function's argument, which
only an annotation evaluated where it is written can see.
"""

import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from app.contacts.service import ContactFilters
from app.contract import upload_types
from app.errors import Invalid
from app.exchange.downloads import attachment, contact_filters
from app.exchange.export import service as export
from app.exchange.filelimits import MAX_IMPORT_BYTES
from app.exchange.formats import FORMAT_IMPORTS
from app.exchange.newcontacts.service import ImportOptions, import_file
from app.exchange.schemas import FileFormat, ImportPreview, ImportReport
from app.exchange.vcard.cards import MEDIA_TYPE as VCARD_MEDIA_TYPE
from app.web.deps import CurrentUser, SessionDep, SettingsDep
from app.web.resources import idempotent, problems
from app.web.routing import api_router

# What each upload route takes; the content decides in the end (a CSV saved as text/plain is
# still read), these are what clients and generated code should send.
_CSV = ("text/csv", "text/plain", "application/vnd.ms-excel", "application/octet-stream")
_VCARD = ("text/vcard", "text/x-vcard", "text/directory", "text/plain", "application/octet-stream")

router = api_router(tags=["import and export"])


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


@router.get(
    "/export/contacts.vcf",
    response_class=Response,
    responses={
        200: {
            "description": "The caller's contacts as vCard 3.0 cards (an attachment).",
            "content": {"text/vcard": {"schema": {"type": "string"}}},
        },
    },
    summary="Export your contacts as vCard",
)
def export_contacts_vcard(
    user: CurrentUser,
    db: SessionDep,
    filters: Annotated[ContactFilters, Depends(contact_filters)],
) -> StreamingResponse:
    """One vCard 3.0 card per contact (UID, REV, N, FN, ORG, TITLE, EMAIL, TEL, URL,
    CATEGORIES for tags, NOTE), for phone and desktop address books. All contacts, or those
    the same filters as `GET /api/v1/contacts` pick. A read-only token is enough."""
    return StreamingResponse(
        export.export_contacts_vcard(db, user, filters),
        media_type=VCARD_MEDIA_TYPE,
        headers=attachment(user, "vcf"),
    )


class _ImportFingerprint(BaseModel):
    sha256: str
    dry_run: bool
    options: str = ""


def _import(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    raw: bytes,
    dry_run: bool,
    run_import: Callable[[], BaseModel],
    options: str = "",
) -> Response:
    """Every contact import's answer: its report as JSON, replayed for a retried
    Idempotency-Key (the key is bound to the file's hash, the dry-run flag and the options)."""
    fingerprint = _ImportFingerprint(
        sha256=hashlib.sha256(raw).hexdigest(), dry_run=dry_run, options=options
    )

    def run() -> Response:
        return JSONResponse(run_import().model_dump(mode="json"))

    return idempotent(request, db, user, fingerprint, run)


_SHA256 = r"^[0-9a-fA-F]{64}$"


def _mapping(raw: str | None) -> dict[str, str | None] | None:
    """The ``mapping`` form field: a JSON object of contact field -> column name."""
    if raw is None or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    ):
        raise Invalid.one(
            "mapping", 'Send a JSON object of field to column, e.g. {"email": "E-mail"}.'
        )
    return value


@router.post(
    "/import/contacts",
    openapi_extra=upload_types(file=_CSV + _VCARD[:3]),
    response_model=ImportPreview,
    responses=problems(409),
    summary="Import contacts from any file: preview, then commit",
)
def import_contacts(
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile,
        File(
            description="A LinkedIn Connections.csv, a vCard file, a Google Contacts CSV or any "
            "CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab); up to 5 MB."
        ),
    ],
    format: Annotated[
        FileFormat, Form(description="The file's format; auto tells it from the content.")
    ] = "auto",
    mapping: Annotated[
        str | None,
        Form(
            max_length=4000,
            description="For any CSV: a JSON object of contact field to column name, over the "
            'guess from the headers (e.g. {"name": "Full Name", "email": "E-mail"}; an empty '
            "column unmaps a field). Fields: name, first_name, last_name, email, organization, "
            "title, phone, linkedin_url, tags, notes.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, Form(description="Preview only (the default): classify every row, write nothing.")
    ] = True,
    skip_lines: Annotated[
        list[int] | None,
        Form(description="Lines (from the preview) to leave out; repeat the field for each."),
    ] = None,
    update_empty: Annotated[
        bool, Form(description="Fill the empty fields of the contacts duplicate rows match.")
    ] = False,
    expected_sha256: Annotated[
        str | None,
        Form(
            pattern=_SHA256,
            description="The preview's file_sha256: a different file is refused (409).",
        ),
    ] = None,
) -> Response:
    """One import for every format. With `dry_run=true` (the default) the answer is a
    preview: each row (or card) classified `new`, `duplicate` (with the contact of yours it
    matches: same email, same normalised LinkedIn profile, or the same name at the same
    organization; or the earlier line of the file it repeats), `invalid` (with its line and
    reasons) or `skipped`, the format, encoding, delimiter and column mapping read, and the
    file's `file_sha256`. Send the same file with `dry_run=false` (and `expected_sha256`,
    `skip_lines`, `update_empty` as chosen) to import exactly what the preview showed, in
    one transaction: new rows are created, invalid and skipped ones left out. Importing the
    same file again creates nothing. Needs the write scope; honours Idempotency-Key."""
    raw = file.file.read(MAX_IMPORT_BYTES + 1)
    options = ImportOptions(
        file_format=format,
        mapping=_mapping(mapping),
        dry_run=dry_run,
        skip_lines=frozenset(skip_lines or ()),
        update_empty=update_empty,
        expected_sha256=expected_sha256,
    )
    region = settings.default_phone_region
    return _import(
        request,
        db,
        user,
        raw,
        dry_run,
        lambda: import_file(db, user, raw, options, phone_region=region),
        options=repr(options),
    )


# The per-format imports, kept for the clients written before /import/contacts: one
# declaration serves them all; only the words, the accepted types and the reader differ.
_DryRun = Annotated[
    bool, Query(description="Check the file and report what would happen; write nothing.")
]


def _format_import(
    name: str,
    *,
    summary: str,
    description: str,
    upload: Any,
    media_types: tuple[str, ...],
) -> None:
    """Declare ``POST /import/{name}``: the format's import runs on the uploaded file, its
    report the answer (replayed for a retried Idempotency-Key). ``upload`` is the file
    field's ``File(...)``; ``description`` is the operation's text."""
    run = FORMAT_IMPORTS[name]

    def route(
        request: Request,
        user: CurrentUser,
        db: SessionDep,
        settings: SettingsDep,
        file: Annotated[UploadFile, upload],
        dry_run: _DryRun = False,
    ) -> Response:
        raw = file.file.read(MAX_IMPORT_BYTES + 1)
        region = settings.default_phone_region
        return _import(request, db, user, raw, dry_run, lambda: run(db, user, raw, region, dry_run))

    router.add_api_route(
        f"/import/{name}",
        route,
        methods=["POST"],
        name=f"import_{name}",
        summary=summary,
        description=inspect.cleandoc(description),
        openapi_extra=upload_types(file=media_types),
        response_model=ImportReport,
        responses=problems(409),
    )


_format_import(
    "linkedin",
    summary="Import your LinkedIn connections (Connections.csv)",
    description="""Create a contact for each connection in the uploaded file (multipart/form-data, field
    `file`): name, LinkedIn URL, email, Position as title, Company as organization (matched
    by name, case-insensitively, or created) and how you met.

    Connections already among your contacts (same LinkedIn profile, email, or name at the
    same organization), or earlier in the file, are skipped and counted. A file with any invalid row imports nothing: the 422
    problem lists every problem as `row N: field` (N is the line in the file). Up to 20,000
    rows. Needs the write scope; honours Idempotency-Key.""",
    upload=File(description="LinkedIn's Connections.csv export (UTF-8, up to 5 MB)."),
    media_types=_CSV,
)
_format_import(
    "vcard",
    summary="Import an address book (vCard .vcf)",
    description="""Create a contact for each card in the uploaded file (multipart/form-data, field
    `file`): FN (or N) as the name, the preferred (or first) EMAIL and TEL (the others go to
    the notes), ORG as organization (matched by name or created), TITLE, NOTE, ADR's city,
    region and country as location, and a LinkedIn profile among the URLs. PHOTO and BDAY
    are ignored. A phone number that is not valid for the instance's region is kept in the
    notes as written.

    Cards already among your contacts (same email, LinkedIn profile, or name at the same
    organization), or earlier in the file, are skipped and counted; CATEGORIES become tags. A file with any invalid card (one without
    a name, for instance) imports nothing: the 422 problem lists every problem as
    `row N: field` (N is the line where the card begins). Up to 20,000 cards. Needs the
    write scope; honours Idempotency-Key.""",
    upload=File(
        description="A .vcf file of one or many cards (vCard 2.1, 3.0 or 4.0; UTF-8, "
        "UTF-16 or Windows-1252; up to 5 MB).",
        media_type="text/vcard",
    ),
    media_types=_VCARD,
)
_format_import(
    "google",
    summary="Import your Google Contacts (CSV export)",
    description="""Create a contact for each row of the uploaded file (multipart/form-data, field `file`),
    read as the vCard import reads a card: the name (Name, or First/Middle/Last Name), the
    primary ("* ") or first email and phone (the others, and values joined by " ::: ", go to
    the notes), organization, title, department, notes, city/region/country and a LinkedIn
    profile among the websites.

    Rows already among your contacts (same email, LinkedIn profile, or name at the same
    organization), or earlier in the file, are skipped and counted. A file with any invalid row imports nothing: the
    422 problem lists every problem as `row N: field` (N is the line in the file). Up to
    20,000 rows. Needs the write scope; honours Idempotency-Key.""",
    upload=File(
        description="contacts.csv from Google Contacts (Export > Google CSV), current or "
        "older header style; UTF-8, UTF-16 or Windows-1252; up to 5 MB."
    ),
    media_types=_CSV,
)
