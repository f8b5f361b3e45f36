"""The Import & export page: download everything; import contacts from any file through a
preview (the file kept server-side as a draft), or with the format-specific forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from app.auth.models import User
from app.contacts.service import ContactFilters
from app.errors import Conflict, FieldError, Invalid
from app.exchange.downloads import attachment, contact_filters
from app.exchange.drafts import service as drafts
from app.exchange.export import service as export
from app.exchange.filelimits import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from app.exchange.formats import FORMAT_IMPORTS
from app.exchange.schemas import FILE_FORMATS, FORMAT_LABELS, ImportReport
from app.exchange.spreadsheet.columns import FIELD_LABELS, FIELDS, guess_mapping
from app.exchange.vcard import service as vcard
from app.exchange.vcard.cards import MEDIA_TYPE as VCARD_MEDIA_TYPE
from app.web.deps import PageUser, SessionDep, SettingsDep
from app.web.forms import FormDep, see_other, small_int
from app.web.pages import save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
PAGE = "/import-export"
# What a finished import carries to the page it redirects to (POST, then 303, then GET).
_DONE_FIELDS = ("created", "duplicates", "organizations")


def _page(request: Request, **extra: Any) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "section": "exchange",
        "report": None,
        "done": None,
        "problems": [],
        "detail": "",
        "dry_run": False,
        "source": "linkedin",  # which upload form the report or the problems belong to
        "vcard_max_cards": vcard.MAX_CARDS,
        "max_rows": MAX_IMPORT_ROWS,
        "max_mb": MAX_IMPORT_BYTES // (1024 * 1024),
        "formats": [(name, FORMAT_LABELS[name]) for name in FILE_FORMATS],
    }
    ctx.update(extra)
    return render(request, "exchange/page.html", ctx)


def _done(request: Request) -> dict[str, int] | None:
    """The counts of a finished import, from the redirect's query string (when all are there)."""
    values = {name: request.query_params.get(name, "") for name in _DONE_FIELDS}
    counts = {name: small_int(value) for name, value in values.items()}
    if any(count is None for count in counts.values()):
        return None
    return counts  # type: ignore[return-value]


def _problem_rows(errors: list[FieldError]) -> list[tuple[str, str, str]]:
    """(line, field, message) for the error table, from ``row N: field`` names."""
    rows = []
    for error in errors:
        where, _, field = error.field.partition(": ")
        line = where.removeprefix("row ") if where.startswith("row ") and field else ""
        rows.append((line, field if line else error.field, error.message))
    return rows


@router.get(PAGE, response_class=HTMLResponse)
def exchange_page(request: Request, user: PageUser) -> Response:
    asked = request.query_params.get("source")
    source = asked if asked in ("vcard", "google", "any") else "linkedin"
    return _page(request, done=_done(request), source=source)


def _format_form(source: str, *, missing: str) -> None:
    """Declare ``POST /import-export/{source}``, a format-specific form: check, report or
    redirect, or the errors. ``missing`` asks for the file when none came."""
    run = FORMAT_IMPORTS[source]

    def route(
        request: Request, user: PageUser, db: SessionDep, form: FormDep, settings: SettingsDep
    ) -> Response:
        upload = form.get("file")
        dry_run = form.get("dry_run") not in (None, "", "0", "false")
        region = settings.default_phone_region

        def save() -> ImportReport:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Invalid.one("file", missing)
            return run(db, user, upload.file.read(MAX_IMPORT_BYTES + 1), region, dry_run)

        def imported(report: ImportReport) -> Response:
            if dry_run:
                return _page(request, report=report, dry_run=True, source=source)
            counts = (report.created, report.duplicates, report.organizations_created)
            pairs = [*zip(_DONE_FIELDS, counts, strict=True)]
            anchor = "import"
            if source != "linkedin":
                pairs.append(("source", source))
                anchor = f"import-{source}"
            query = "&".join(f"{name}={value}" for name, value in pairs)
            return see_other(f"{PAGE}?{query}#{anchor}")

        def refused(exc: Invalid) -> Response:
            return _page(
                request,
                problems=_problem_rows(exc.errors or [FieldError("file", exc.detail)]),
                detail=exc.detail,
                dry_run=dry_run,
                source=source,
            )

        return save_form(db, save, success=imported, problems=refused)

    router.add_api_route(
        f"{PAGE}/{source}",
        route,
        methods=["POST"],
        name=f"exchange_import_{source}",
        response_class=HTMLResponse,
    )


_format_form("linkedin", missing="Choose your Connections.csv file.")
_format_form("vcard", missing="Choose a .vcf file.")
_format_form("google", missing="Choose your Google Contacts CSV file.")


# ---- any file: upload, preview (the draft kept here), commit ------------------------------

PREVIEW = f"{PAGE}/preview"
# Rows listed with a checkbox on the preview page; the others are imported as classified.
MAX_PREVIEW_ROWS = 2000


@router.post(f"{PAGE}/contacts", response_class=HTMLResponse)
def exchange_upload_contacts(
    request: Request, user: PageUser, db: SessionDep, form: FormDep, settings: SettingsDep
) -> Response:
    upload = form.get("file")
    chosen = str(form.get("format") or "auto")

    def save() -> object:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid.one("file", "Choose a file of contacts.")
        raw = upload.file.read(MAX_IMPORT_BYTES + 1)
        return drafts.save_draft(
            db,
            user,
            raw,
            file_name=upload.filename,
            file_format=chosen,
            phone_region=settings.default_phone_region,
        )

    def refused(exc: Invalid) -> Response:
        rows = _problem_rows(exc.errors or [FieldError("file", exc.detail)])
        return _page(request, problems=rows, detail=exc.detail, source="any")

    return save_form(db, save, done=lambda _: PREVIEW, problems=refused)


def _preview_page(
    request: Request,
    db: SessionDep,
    user: User,
    region: str,
    *,
    message: str = "",
    errors: list[FieldError] | None = None,
    typed: dict[str, str | None] | None = None,
) -> HTMLResponse:
    """The preview of the pending file; its mapping form alone when it cannot be read so.
    ``typed`` is a refused mapping, shown again as chosen."""
    draft = drafts.get_draft(db, user)
    preview = None
    problems = list(errors or [])
    try:
        preview = drafts.preview_draft(db, user, phone_region=region)
    except Invalid as exc:
        problems.extend(exc.errors or [FieldError("file", exc.detail)])
        message = message or exc.detail
    columns = preview.columns if preview else drafts.draft_columns(db, user)
    mapping = preview.mapping if preview else guess_mapping(columns)
    if not preview:
        chosen = drafts.draft_mapping(draft)
        mapping.update({name: column for name, column in chosen.items() if column})
    if typed is not None:
        mapping = {name: column for name, column in typed.items() if column}
    items = preview.items[:MAX_PREVIEW_ROWS] if preview else []
    return render(
        request,
        "exchange/preview.html",
        {
            "section": "exchange",
            "draft": draft,
            "preview": preview,
            "items": items,
            "listed": ",".join(str(item.line) for item in items if item.status in _TICKABLE),
            "message": message,
            "problems": _problem_rows(problems),
            "columns": columns,
            "mapping": mapping,
            "fields": [(name, FIELD_LABELS[name]) for name in FIELDS],
            "formats": [(name, FORMAT_LABELS[name]) for name in FILE_FORMATS],
            "max_rows": MAX_PREVIEW_ROWS,
        },
    )


_TICKABLE = ("new", "duplicate")


@router.get(PREVIEW, response_class=HTMLResponse)
def exchange_preview(
    request: Request, user: PageUser, db: SessionDep, settings: SettingsDep
) -> Response:
    return _preview_page(request, db, user, settings.default_phone_region)


@router.post(f"{PREVIEW}/reading", response_class=HTMLResponse)
def exchange_preview_reading(
    request: Request, user: PageUser, db: SessionDep, form: FormDep, settings: SettingsDep
) -> Response:
    mapping = {name: str(form.get(f"map_{name}") or "") or None for name in FIELDS}

    region = settings.default_phone_region

    def save() -> object:
        chosen = str(form.get("format") or "auto")
        return drafts.set_reading(
            db, user, file_format=chosen, mapping=mapping, phone_region=region
        )

    def refused(exc: Invalid) -> Response:
        return _preview_page(
            request, db, user, region, message=exc.detail, errors=exc.errors, typed=mapping
        )

    return save_form(db, save, done=lambda _: PREVIEW, problems=refused)


@router.post(f"{PREVIEW}/commit", response_class=HTMLResponse)
def exchange_preview_commit(
    request: Request, user: PageUser, db: SessionDep, form: FormDep, settings: SettingsDep
) -> Response:
    region = settings.default_phone_region
    listed = _lines(str(form.get("listed") or "").split(","))
    ticked = _lines(v for v in form.getlist("line") if isinstance(v, str))

    def save() -> ImportReport:
        preview = drafts.commit_draft(
            db,
            user,
            expected_sha256=str(form.get("sha256") or ""),
            skip_lines=frozenset(listed - ticked),
            update_empty=form.get("update_empty") not in (None, "", "0", "false"),
            phone_region=region,
        )
        return ImportReport(
            dry_run=False,
            rows=preview.rows,
            created=preview.created,
            duplicates=preview.duplicates,
            duplicate_lines=[],
            organizations_created=preview.organizations_created,
            organizations_matched=preview.organizations_matched,
        )

    def done(report: ImportReport) -> str:
        counts = (report.created, report.duplicates, report.organizations_created)
        query = "&".join(f"{n}={v}" for n, v in zip(_DONE_FIELDS, counts, strict=True))
        return f"{PAGE}?{query}&source=any#import-any"

    def refused(exc: Invalid) -> Response:
        return _preview_page(request, db, user, region, message=exc.detail, errors=exc.errors)

    def changed(exc: Conflict) -> Response:
        return _preview_page(request, db, user, region, message=exc.detail)

    return save_form(db, save, done=done, problems=refused, conflict=changed)


def _lines(values: Iterable[object]) -> set[int]:
    """Line numbers from form values; anything else is ignored (it names no row)."""
    found: set[int] = set()
    for value in values:
        number = small_int(value)
        if number is not None:
            found.add(number)
    return found


@router.get(f"{PAGE}/export.json")
def exchange_download_json(user: PageUser, db: SessionDep) -> Response:
    return StreamingResponse(
        export.export_json(db, user),
        media_type="application/json",
        headers=attachment(user, "json"),
    )


@router.get(f"{PAGE}/contacts.csv")
def exchange_download_csv(user: PageUser, db: SessionDep) -> Response:
    return StreamingResponse(
        export.export_contacts_csv(db, user),
        media_type="text/csv; charset=utf-8",
        headers=attachment(user, "csv"),
    )


@router.get(f"{PAGE}/contacts.vcf")
def exchange_download_vcard(
    user: PageUser,
    db: SessionDep,
    filters: Annotated[ContactFilters, Depends(contact_filters)],
) -> Response:
    return StreamingResponse(
        export.export_contacts_vcard(db, user, filters),
        media_type=VCARD_MEDIA_TYPE,
        headers=attachment(user, "vcf"),
    )
