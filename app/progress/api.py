"""/api/v1/careers/{id}/progress: one career's progress figures, as its page shows them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from app.progress import service
from app.progress.schemas import CareerProgress
from app.schemakit import MAX_INT32
from app.web.deps import CurrentUser, SessionDep
from app.web.resources import problems

router = APIRouter(prefix="/careers", tags=["careers"])
CareerId = Annotated[int, Path(ge=1, le=MAX_INT32)]


@router.get("/{career_id}/progress", response_model=CareerProgress, responses=problems(404))
def get_career_progress(career_id: CareerId, db: SessionDep, user: CurrentUser) -> JSONResponse:
    """Contacts, interviews requested and held, professionals talked to, open follow-ups, the
    confidence trend, question categories covered and uncovered, and the last 12 months."""
    progress = service.career_progress(db, user, career_id)
    return JSONResponse(progress.model_dump(mode="json"))
