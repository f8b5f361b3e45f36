"""Answer pages: the matrix for a career or for chosen interviews, and one question's answers."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import Invalid
from app.interviews import service
from app.interviews.answers import service as answers_service
from app.interviews.answers.schemas import parse_interview_ids
from app.interviews.interview_page import CHOICES
from app.web.deps import PageUser, RowId, SessionDep
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
CategoryParam = Annotated[str | None, Query(max_length=64)]


def _category(value: str | None) -> str | None:
    return value if value in CHOICES["category_labels"] else None


@router.get("/interviews/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    db: SessionDep,
    user: PageUser,
    ids: Annotated[list[Annotated[str, Query(max_length=2000)]] | None, Query()] = None,
    category: CategoryParam = None,
) -> Response:
    chosen = _category(category)
    ctx: dict[str, Any] = {**CHOICES, "section": "interviews", "career": None, "category": chosen}
    candidates = service.list_interviews(
        db, user, service.InterviewFilters(), limit=200, sort="-scheduled_at"
    ).items
    ctx["candidates"] = candidates
    ctx["candidate_names"] = service.related(db, user, candidates)
    ctx["matrix"] = None
    ctx["chosen_ids"] = []
    ctx["error"] = None
    if ids:
        try:
            interview_ids = parse_interview_ids(ids)
            ctx["matrix"] = answers_service.chosen_matrix(db, user, interview_ids, chosen)
            ctx["chosen_ids"] = interview_ids
            query = {"interview_ids": ",".join(map(str, interview_ids))}
            if chosen:
                query["category"] = chosen
            ctx["export_base"] = "/api/v1/interviews/answers?" + urlencode(query) + "&"
        except Invalid as exc:
            ctx["error"] = exc.detail
    return render(request, "interviews/answers.html", ctx, status_code=422 if ctx["error"] else 200)


@router.get("/careers/{career_id}/answers", response_class=HTMLResponse)
def career_answers_page(
    career_id: RowId,
    request: Request,
    db: SessionDep,
    user: PageUser,
    category: CategoryParam = None,
) -> Response:
    chosen = _category(category)
    career, matrix = answers_service.career_matrix(db, user, career_id, chosen)
    query = urlencode({"category": chosen} if chosen else {})
    ctx = {
        **CHOICES,
        "section": "interviews",
        "career": career,
        "category": chosen,
        "matrix": matrix,
        "candidates": [],
        "chosen_ids": [],
        "error": None,
        "export_base": f"/api/v1/careers/{career_id}/answers?{query + '&' if query else ''}",
    }
    return render(request, "interviews/answers.html", ctx)


@router.get("/questions/{question_id}/answers", response_class=HTMLResponse)
def question_answers_page(
    question_id: RowId, request: Request, db: SessionDep, user: PageUser
) -> Response:
    answers = answers_service.question_answers(db, user, question_id)
    ctx = {**CHOICES, "section": "interviews", "answers": answers}
    return render(request, "interviews/question_answers.html", ctx)
