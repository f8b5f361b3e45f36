"""The account import page: upload a whole-account export into this (empty) account."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.auth import service as auth_service
from app.errors import Conflict, FieldError, Invalid
from app.exchange.account import service
from app.exchange.account.schemas import AccountImportReport
from app.web.deps import PageActor, SessionDep, SettingsDep
from app.web.forms import FormDep
from app.web.pages import save_form
from app.web.routing import page_router
from app.web.templating import render
from app.wording import noun

router = page_router()
PAGE = "/import-export/account"
_FLASH = "account_imported"  # the flash note carrying the finished import's counts


def _page(request: Request, status_code: int = 200, **extra: Any) -> HTMLResponse:
    settings = request.app.state.settings
    ctx: dict[str, Any] = {
        "section": "exchange",
        "imported": None,
        "problems": [],
        "detail": "",
        "max_mb": settings.max_upload_bytes // (1024 * 1024),
    }
    ctx.update(extra)
    return render(request, "exchange/account/page.html", ctx, status_code=status_code)


def _imported(notes: dict[str, str]) -> list[tuple[str, int]] | None:
    """(what was imported, how many) of the import that just finished, from the session's
    flash note; the noun in the number its count asks for ("1 contact", "3 contacts")."""
    try:
        counts = json.loads(notes.get(_FLASH, ""))
    except ValueError:
        return None
    if not isinstance(counts, dict):
        return None
    return [(noun(int(v), service.kind_label(str(k))), int(v)) for k, v in counts.items() if int(v)]


@router.get(PAGE, response_class=HTMLResponse)
def account_import_page(request: Request, actor: PageActor, db: SessionDep) -> Response:
    notes = auth_service.take_flash(db, actor.web_session)
    return _page(request, imported=_imported(notes))


@router.post(PAGE, response_class=HTMLResponse)
def account_import_upload(
    request: Request, actor: PageActor, db: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    upload = form.get("file")
    limit = settings.max_upload_bytes

    def save() -> AccountImportReport:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid.one("file", "Choose the JSON file of a Rapport export.")
        return service.import_account(
            db,
            actor.user,
            upload.file.read(limit + 1),
            max_bytes=limit,
            max_questions=settings.max_bank_questions,
            phone_region=settings.default_phone_region,
        )

    def done(report: AccountImportReport) -> str:
        if actor.web_session is not None:
            notes = {_FLASH: json.dumps(report.created)}
            auth_service.leave_flash(db, actor.web_session, notes)
        return f"{PAGE}#result"

    def refused(exc: Invalid) -> Response:
        errors = exc.errors or [FieldError("file", exc.detail)]
        rows = [(error.field, error.message) for error in errors]
        return _page(request, problems=rows, detail=exc.detail)

    def clash(exc: Conflict) -> Response:
        return _page(request, detail=exc.detail)

    return save_form(db, save, done=done, problems=refused, conflict=clash)
