"""/api/v1/me/job-search and /api/v1/network-updates: thin routes over the services."""

from __future__ import annotations

from fastapi import Request, Response

from app.followups import service as followups_service
from app.followups.api import follow_up_reads
from app.jobsearch import service
from app.jobsearch.schemas import (
    JobSearchRead,
    JobSearchUpdate,
    NetworkUpdateCreate,
    NetworkUpdateRead,
)
from app.web.deps import CurrentUser, SessionDep
from app.web.resources import IfMatchDep, idempotent, problems, resource_response
from app.web.routing import api_router

router = api_router(tags=["job-search"])


@router.get("/me/job-search", response_model=JobSearchRead)
def get_job_search(db: SessionDep, user: CurrentUser) -> Response:
    """Your job-search status, its note and date, and the changes so far; with its ETag."""
    return resource_response(service.job_search_state(db, user))


@router.put("/me/job-search", response_model=JobSearchRead, responses=problems(412))
def put_job_search(
    data: JobSearchUpdate, db: SessionDep, user: CurrentUser, expected: IfMatchDep
) -> Response:
    """Set the status; a difference records a change (then `POST /network-updates`)."""
    service.set_status(db, user, data, expected_version=expected)
    return resource_response(service.job_search_state(db, user))


@router.post(
    "/network-updates", status_code=201, response_model=NetworkUpdateRead, responses=problems(409)
)
def create_network_update(
    data: NetworkUpdateCreate, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Tell contacts about your current status in one step: a status-update follow-up with
    its draft for each (default: everyone you have interviewed). Nobody gets two for the
    same status change; 409 before any status is set. `Idempotency-Key` replays a retry."""

    def produce() -> Response:
        made = followups_service.update_network(
            db, user, data.contact_ids, template_id=data.template_id
        )
        body = NetworkUpdateRead(
            change_id=made.change_id,
            created=follow_up_reads(db, user, made.created),
            already_told_contact_ids=made.already_told,
        )
        return resource_response(body, status_code=201)

    return idempotent(request, db, user, data, produce)
