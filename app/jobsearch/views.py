"""Job-search pages: the status with its history, and "update my network" in one step."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.errors import Invalid
from app.followups import service as followups_service
from app.jobsearch import service
from app.jobsearch.schemas import STATUS_LABELS, JobSearchUpdate
from app.validation import small_int
from app.web.deps import PageUser, SessionDep
from app.web.forms import FormDep, form_values, form_version, parse_form
from app.web.pages import save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
_CHOICES = {"statuses": list(STATUS_LABELS.items()), "status_labels": STATUS_LABELS}


def _status_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    current = service.job_search_state(db, user)
    if values is None:
        values = {
            "status": current.status,
            "note": current.note,
            "since": current.since.isoformat() if current.since else "",
            "version": str(current.version),
        }
    context = {
        "section": "followups",
        "current": current,
        "values": values,
        "errors": errors or {},
        **_CHOICES,
    }
    return render(request, "jobsearch/status.html", context)


@router.get("/job-search", response_class=HTMLResponse)
def job_search_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    return _status_page(request, db, user)


@router.post("/job-search", response_class=HTMLResponse)
def job_search_submit(request: Request, db: SessionDep, user: PageUser, form: FormDep) -> Response:
    values = form_values(form, drop_empty=False)
    before = service.current_change(db, user)
    before_id = before.id if before else None

    def save() -> bool:
        expected = form_version(values.get("version"))
        payload = {k: values.get(k, "") for k in ("status", "note", "since")}
        if not payload["since"]:
            payload.pop("since")
        change = service.set_status(
            db, user, parse_form(JobSearchUpdate, payload), expected_version=expected
        )
        # A new change to "actively searching" is the moment to tell the network.
        return change is not None and change.id != before_id and change.status == "searching"

    def stale() -> Response:
        kept = {**values, "version": str(service.status_version(db, user))}
        message = "Your status was changed meanwhile (another tab?); check it and save again."
        return _status_page(request, db, user, values=kept, errors={"form": message})

    return save_form(
        db,
        save,
        done=lambda tell: "/job-search/network" if tell else "/job-search",
        invalid=lambda errors: _status_page(request, db, user, values=values, errors=errors),
        stale=stale,
    )


def _network_page(
    request: Request, db: SessionDep, user: User, *, errors: dict[str, str] | None = None
) -> HTMLResponse:
    people = followups_service.interviewed_contacts(db, user)
    groups = [
        (career or "No career", [contact for contact, _ in members])
        for career, members in groupby(people, key=lambda pair: pair[1])
    ]
    context = {
        "section": "followups",
        "current": service.job_search_state(db, user),
        "groups": groups,
        "errors": errors or {},
        **_CHOICES,
    }
    return render(request, "jobsearch/network.html", context)


@router.get("/job-search/network", response_class=HTMLResponse)
def network_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    return _network_page(request, db, user)


@router.post("/job-search/network", response_class=HTMLResponse)
def network_submit(request: Request, db: SessionDep, user: PageUser, form: FormDep) -> Response:
    values = form_values(form, lists=("contact_ids",))

    def save() -> object:
        ids = [small_int(raw) for raw in values.get("contact_ids", [])]
        if not ids:
            raise Invalid.one("contact_ids", "Choose at least one person to tell.")
        if any(not i for i in ids):
            raise Invalid.one("contact_ids", "The form is damaged; reload the page and try again.")
        return followups_service.update_network(db, user, [i for i in ids if i])

    return save_form(
        db,
        save,
        done=lambda _made: "/follow-ups?kind=status_update",
        invalid=lambda errors: _network_page(request, db, user, errors=errors),
    )
