"""/api/v1/interviews/{id}/questions: the agenda, its order, bulk adds and answer notes."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import (
    AgendaBulkRead,
    AgendaFromBank,
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaOrder,
)
from app.paging import sortable
from app.schemas import Page
from app.web.deps import CurrentUser, RowId, SessionDep, run_db
from app.web.listing import ListQueryDep, json_page_response
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

router = api_router("/interviews/{interview_id}/questions", tags=["interview agenda"])


def _read(item: InterviewQuestion) -> AgendaItemRead:
    return AgendaItemRead.model_validate(item)


@router.get(
    "",
    response_model=Page[AgendaItemRead],
    responses=problems(404),
    openapi_extra=sortable(agenda_service.AGENDA_SORTABLE),
)
async def list_agenda_items(
    interview_id: RowId,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    listing: ListQueryDep,
) -> Response:
    """The agenda in order (sort by position, category, updated_at or id); `q` matches the
    question and the answer notes."""
    found = await run_db(
        request,
        agenda_service.agenda_read_page,
        db,
        user,
        interview_id,
        limit=listing.limit,
        offset=listing.offset,
        sort=listing.sort,
        q=listing.q,
    )
    return json_page_response(
        request, found.items, total=found.total, limit=found.limit, offset=found.offset
    )


@router.post("", status_code=201, response_model=AgendaItemRead, responses=problems(404))
def add_agenda_item(
    interview_id: RowId,
    data: AgendaItemCreate,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
) -> Response:
    """Add a question at the end: `source_question_id` snapshots a bank question (text and
    category copied; later bank edits never change it), or `text` adds a free question."""

    def create() -> AgendaItemRead:
        return _read(agenda_service.add_agenda_item(db, user, interview_id, data))

    return created(request, db, user, data, create)


@router.post("/from-bank", status_code=201, response_model=AgendaBulkRead, responses=problems(404))
def add_agenda_from_bank(
    interview_id: RowId,
    data: AgendaFromBank,
    request: Request,
    db: SessionDep,
    user: CurrentUser,
) -> Response:
    """Snapshot a whole readable bank, one category of it, or chosen `question_ids` onto the
    agenda. Questions already on the agenda are skipped; an empty `question_ids` is a 422."""

    def produce() -> Response:
        added, skipped = agenda_service.add_from_bank(db, user, interview_id, data)
        body = AgendaBulkRead(added=[_read(i) for i in added], skipped_duplicates=skipped)
        return JSONResponse(body.model_dump(mode="json"), status_code=201)

    return idempotent(request, db, user, data, produce)


@router.put("/order", response_model=list[AgendaItemRead], responses=problems(404, 412))
def reorder_agenda_items(
    interview_id: RowId,
    data: AgendaOrder,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> JSONResponse:
    """Put the agenda in this order. `item_ids` must name every item exactly once (a list
    that adds or drops ids is a 422). `If-Match` takes the interview's ETag; the response's
    ETag is the interview's new one."""
    items = agenda_service.reorder_agenda(db, user, interview_id, data.item_ids, expected)
    interview = service.get_interview(db, user, interview_id)
    return JSONResponse(
        [_read(i).model_dump(mode="json") for i in items],
        headers={"ETag": etag(interview.version)},
    )


@router.get("/{item_id}", response_model=AgendaItemRead, responses=problems(404))
def get_agenda_item(
    interview_id: RowId, item_id: RowId, db: SessionDep, user: CurrentUser
) -> JSONResponse:
    """One agenda item with its ETag (send it back as If-Match when saving notes)."""
    return resource_response(_read(agenda_service.get_agenda_item(db, user, interview_id, item_id)))


@router.patch("/{item_id}", response_model=AgendaItemRead, responses=problems(404, 412))
def update_agenda_item(
    interview_id: RowId,
    item_id: RowId,
    data: AgendaItemUpdate,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> JSONResponse:
    """Edit the question or record the answer (`answer_notes`, `asked`, `skipped`). With
    `If-Match`, a write based on an older version is refused with 412 instead of silently
    overwriting what another tab saved."""
    item = agenda_service.update_agenda_item(db, user, interview_id, item_id, data, expected)
    return resource_response(_read(item))


@router.delete("/{item_id}", status_code=204, responses=problems(404, 412))
def delete_agenda_item(
    interview_id: RowId,
    item_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    expected: IfMatchDep,
) -> Response:
    """Take a question off the agenda."""
    agenda_service.delete_agenda_item(db, user, interview_id, item_id, expected)
    return no_content()
