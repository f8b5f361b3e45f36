"""/api/v1/interviews: thin JSON routes over the interview service. The agenda
(app.interviews.agenda) and the answer matrix (app.interviews.answers) have their own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.auth.models import User
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.answers import documents
from app.interviews.answers import service as answers_service
from app.interviews.answers.api import MARKDOWN
from app.interviews.models import Interview, Status
from app.interviews.schemas import (
    InterviewCreate,
    InterviewDetail,
    InterviewRead,
    InterviewUpdate,
    PromiseCreate,
    ReferralCreate,
    ReferralRead,
    StatusChange,
)
from app.paging import sortable
from app.schemas import EARLIEST, LATEST, MAX_INT32, AwareDateTimeFilter, Page
from app.timezones import user_zone
from app.web.deps import CurrentUser, RowId, SessionDep, run_db
from app.web.listing import ListQueryDep, encode_json, page_response
from app.web.resources import (
    IfMatchDep,
    created,
    etag,
    idempotent,
    no_content,
    problems,
    resource_response,
)
from app.web.routing import api_router

router = api_router(tags=["interviews"])
FilterId = Annotated[int | None, Query(ge=1, le=MAX_INT32)]


def interview_filters(
    status: Annotated[
        list[Status] | None, Query(description="Only these statuses (repeat the parameter).")
    ] = None,
    contact_id: Annotated[FilterId, Query(description="Only interviews with this contact.")] = None,
    career_id: Annotated[FilterId, Query(description="Only interviews about this career.")] = None,
    scheduled_from: Annotated[
        AwareDateTimeFilter | None,
        Query(description="Scheduled at or after (ISO 8601 with offset)."),
    ] = None,
    scheduled_to: Annotated[
        AwareDateTimeFilter | None, Query(description="Scheduled before (ISO 8601 with offset).")
    ] = None,
    needs_preparation: Annotated[
        bool | None, Query(description="Open interviews whose checklist is not complete.")
    ] = None,
) -> service.InterviewFilters:
    """The interview list filters."""
    return service.InterviewFilters(
        statuses=list(status or []),
        contact_id=contact_id,
        career_id=career_id,
        scheduled_from=_bounded(scheduled_from),
        scheduled_to=_bounded(scheduled_to),
        needs_preparation=needs_preparation,
    )


def _bounded(value: datetime | None) -> datetime | None:
    # A filter far outside any plausible date cannot match; clamp instead of overflowing.
    if value is None:
        return None
    try:
        return min(max(value, EARLIEST), LATEST)
    except (OverflowError, ValueError):
        return LATEST


InterviewFiltersDep = Annotated[service.InterviewFilters, Depends(interview_filters)]


def _read(interview: Interview) -> InterviewRead:
    return InterviewRead.model_validate(interview)


def _markdown(user: User, notes: answers_service.InterviewNotes) -> Response:
    text = documents.interview_markdown(notes, user_zone(user.timezone))
    return Response(text, media_type="text/markdown; charset=utf-8")


def _detail_read(db: Session, user: User, interview_id: int) -> dict[str, Any]:
    """The interview as InterviewDetail's fields: the one read path, for reads and writes."""
    detail = service.interview_read(db, user, interview_id)  # first: see interview_read
    if "agenda" not in detail:  # not read with the row (PostgreSQL): its rows, after it
        detail["agenda"] = agenda_service.agenda_reads(db, user, interview_id)
    return detail


def _detail(db: Session, user: User, interview: Interview) -> InterviewDetail:
    # A write answers the read model (its idempotent replay is stored from it), parsed from
    # the bytes a GET answers: the agenda may be JSON already (interview_read).
    assert interview.id is not None
    return InterviewDetail.model_validate_json(encode_json(_detail_read(db, user, interview.id)))


@router.get(
    "/interviews", response_model=Page[InterviewRead], openapi_extra=sortable(service.SORTABLE)
)
def list_interviews(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
    filters: InterviewFiltersDep,
) -> Response:
    """The caller's interviews. `q` matches the contact's name, purpose, place, summary and
    takeaways; sort by scheduled_at, requested_at, created_at, updated_at, status,
    preparation_score, duration_minutes or id (empty times last)."""
    found = service.list_interviews(
        db,
        user,
        filters,
        limit=listing.limit,
        offset=listing.offset,
        sort=listing.sort,
        q=listing.q,
    )
    items = [_read(i) for i in found.items]
    return page_response(
        request, items, total=found.total, limit=listing.limit, offset=listing.offset
    )


@router.post(
    "/interviews", status_code=201, response_model=InterviewDetail, responses=problems(409)
)
def create_interview(
    data: InterviewCreate, request: Request, db: SessionDep, user: CurrentUser
) -> Response:
    """Record an interview with one of your contacts (`contact_id`), optionally about a
    career. `warnings` names any scheduled interview it overlaps. Send `Idempotency-Key`
    to make retries safe."""
    return created(
        request, db, user, data, lambda: _detail(db, user, service.create_interview(db, user, data))
    )


@router.get(
    "/interviews/{interview_id}/notes.md",
    response_class=Response,
    responses={200: MARKDOWN, **problems(404)},
)
def get_interview_notes_markdown(
    interview_id: RowId, db: SessionDep, user: CurrentUser
) -> Response:
    """The interview as a Markdown document: facts, questions with answers, notes, promises."""
    notes = answers_service.interview_notes(db, user, interview_id)
    return _markdown(user, notes)


@router.get(
    "/interviews/{interview_id}",
    response_model=InterviewDetail,
    responses={200: MARKDOWN, **problems(404)},
)
async def get_interview(
    request: Request,
    interview_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    format: Annotated[
        Literal["json", "md"], Query(description="`md` returns the notes as Markdown.")
    ] = "json",
) -> Response:
    """One interview with its ETag, warnings and the statuses it may move to."""
    if format == "md":
        notes = await run_db(request, answers_service.interview_notes, db, user, interview_id)
        return _markdown(user, notes)
    detail = await run_db(request, _detail_read, db, user, interview_id)
    # Encoded from the read dict: the route's response model documents it, and
    # tests/interviews/test_read_path.py proves the bytes are what the model would write.
    return Response(
        encode_json(detail),
        media_type="application/json",
        headers={"ETag": etag(detail["version"])},
    )


@router.patch(
    "/interviews/{interview_id}", response_model=InterviewDetail, responses=problems(404, 412)
)
def update_interview(
    interview_id: RowId,
    data: InterviewUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> JSONResponse:
    """Change some fields (status has its own operation); `If-Match` makes a stale write 412."""
    interview = service.update_interview(db, user, interview_id, data, expected)
    return resource_response(_detail(db, user, interview))


@router.delete("/interviews/{interview_id}", status_code=204, responses=problems(404, 412))
def delete_interview(
    interview_id: RowId, db: SessionDep, user: CurrentUser, expected: IfMatchDep
) -> Response:
    """Delete an interview and its agenda."""
    service.delete_interview(db, user, interview_id, expected)
    return no_content()


@router.post(
    "/interviews/{interview_id}/status",
    response_model=InterviewDetail,
    responses=problems(404, 409, 412),
)
def change_interview_status(
    interview_id: RowId,
    data: StatusChange,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> JSONResponse:
    """Move the interview along: planned → requested → scheduled → completed (or cancelled,
    no_show). A move that makes no sense is a 409 naming the allowed ones. Completing records
    a meeting on the contact's timeline."""
    interview = service.change_status(db, user, interview_id, data, expected)
    return resource_response(_detail(db, user, interview))


@router.post(
    "/interviews/{interview_id}/referrals",
    status_code=201,
    response_model=ReferralRead,
    responses=problems(404, 409),
)
def capture_interview_referral(
    interview_id: RowId,
    data: ReferralCreate,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
) -> Response:
    """Someone the interviewee offered to introduce: creates a contact introduced by them."""

    def produce() -> Response:
        contact = service.capture_referral(db, user, interview_id, data)
        body = ReferralRead(
            contact_id=contact.id or 0,
            full_name=contact.full_name,
            introduced_by_id=contact.introduced_by_id or 0,
        )
        return JSONResponse(
            body.model_dump(mode="json"),
            status_code=201,
            headers={"Location": f"/api/v1/contacts/{contact.id}"},
        )

    return idempotent(request, db, user, data, produce)


@router.post(
    "/interviews/{interview_id}/promises",
    status_code=201,
    response_model=InterviewDetail,
    responses=problems(404),
)
def add_interview_promise(
    interview_id: RowId, data: PromiseCreate, db: SessionDep, user: CurrentUser
) -> JSONResponse:
    """Keep something promised by either side (`by`: me or them) on the interview."""
    interview = service.add_item(db, user, interview_id, "promises", data)
    return resource_response(_detail(db, user, interview), status_code=201)
