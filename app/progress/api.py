"""/api/v1/careers/{id}/progress: one career's progress figures, as its page shows them."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from app.progress import service
from app.progress.schemas import CareerProgress
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.resources import problems
from app.web.routing import api_router

router = api_router("/careers", tags=["careers"])


@router.get("/{career_id}/progress", response_model=CareerProgress, responses=problems(404))
def get_career_progress(career_id: RowId, db: SessionDep, user: CurrentUser) -> JSONResponse:
    """Contacts, interviews requested and held, professionals talked to, open follow-ups, the
    confidence trend, question categories covered and uncovered, and the last 12 months."""
    progress = service.career_progress(db, user, career_id)
    return JSONResponse(progress.model_dump(mode="json"))
