"""The Import & export page: download everything, upload LinkedIn connections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from app.errors import FieldError, Invalid
from app.exchange.downloads import attachment
from app.exchange.export import service as export
from app.exchange.linkedin import service as linkedin
from app.exchange.schemas import ImportReport
from app.web.deps import PageUser, SessionDep
from app.web.forms import FormDep, see_other, small_int
from app.web.pages import save_form
from app.web.templating import render

router = APIRouter()
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
        "max_rows": linkedin.MAX_IMPORT_ROWS,
        "max_mb": linkedin.MAX_IMPORT_BYTES // (1024 * 1024),
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
    return _page(request, done=_done(request))


@router.post(f"{PAGE}/linkedin", response_class=HTMLResponse)
def exchange_import_linkedin(
    request: Request, user: PageUser, db: SessionDep, form: FormDep
) -> Response:
    upload = form.get("file")
    dry_run = form.get("dry_run") not in (None, "", "0", "false")

    def save() -> ImportReport:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid.one("file", "Choose your Connections.csv file.")
        raw = upload.file.read(linkedin.MAX_IMPORT_BYTES + 1)
        return linkedin.import_linkedin_csv(db, user, raw, dry_run=dry_run)

    def imported(report: ImportReport) -> Response:
        if dry_run:
            return _page(request, report=report, dry_run=True)
        counts = (report.created, report.duplicates, report.organizations_created)
        pairs = zip(_DONE_FIELDS, counts, strict=True)
        return see_other(f"{PAGE}?{'&'.join(f'{name}={value}' for name, value in pairs)}#import")

    def refused(exc: Invalid) -> Response:
        return _page(
            request,
            problems=_problem_rows(exc.errors or [FieldError("file", exc.detail)]),
            detail=exc.detail,
            dry_run=dry_run,
        )

    return save_form(db, save, success=imported, problems=refused)


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
