"""/api/v1 routes comparing answers across interviews: JSON, CSV or Markdown."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from fastapi.responses import JSONResponse

from app.auth.models import User
from app.interviews.answers import documents
from app.interviews.answers import service as answers_service
from app.interviews.answers.schemas import (
    INTERVIEW_IDS_PATTERN,
    AnswerFormat,
    AnswerMatrix,
    QuestionAnswers,
    parse_interview_ids,
)
from app.questions.models import Category
from app.timezones import user_zone
from app.web.deps import CurrentUser, RowId, SessionDep
from app.web.resources import problems
from app.web.routing import api_router

router = api_router(tags=["interviews"])
MARKDOWN: dict[str, Any] = {
    "description": "The document as Markdown (`format=md`).",
    "content": {"text/markdown": {"schema": {"type": "string"}}},
}
EXPORTS: dict[str, Any] = {
    "description": "JSON, or the export asked for with `format` (csv or md).",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "text/markdown": {"schema": {"type": "string"}},
    },
}
FormatQuery = Annotated[
    AnswerFormat, Query(description="json (default), csv (formula cells neutralised) or md.")
]
CategoryQuery = Annotated[Category | None, Query(description="Only questions of this category.")]


def _export(user: User, matrix: AnswerMatrix, fmt: str, title: str, filename: str) -> Response:
    zone = user_zone(user.timezone)
    if fmt == "csv":
        return Response(
            documents.matrix_csv(matrix, zone),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    if fmt == "md":
        return Response(
            documents.matrix_markdown(matrix, title, zone),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{filename}.md"'},
        )
    return JSONResponse(matrix.model_dump(mode="json"))


@router.get(
    "/interviews/answers",
    response_model=AnswerMatrix,
    responses={200: EXPORTS, **problems(404)},
)
def compare_interview_answers(
    db: SessionDep,
    user: CurrentUser,
    interview_ids: Annotated[
        list[
            Annotated[
                str,
                # parse_interview_ids is the check (a 422 naming interview_ids); this says it.
                Query(max_length=200, json_schema_extra={"pattern": INTERVIEW_IDS_PATTERN}),
            ]
        ],
        # Bounded so that any valid query fits in a request line the server reads (64 KB).
        Query(max_length=20, description="Interview ids, comma-separated (1,2,3) or repeated."),
    ],
    category: CategoryQuery = None,
    format: FormatQuery = "json",
) -> Response:
    """Compare chosen interviews: a row per question (matched by source question, or by
    identical text for free questions), a column per interview, each cell the answer notes."""
    matrix = answers_service.chosen_matrix(db, user, parse_interview_ids(interview_ids), category)
    return _export(user, matrix, format, "Answers compared", "answers")


@router.get(
    "/careers/{career_id}/answers",
    response_model=AnswerMatrix,
    responses={200: EXPORTS, **problems(404)},
)
def career_answer_matrix(
    career_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    category: CategoryQuery = None,
    format: FormatQuery = "json",
) -> Response:
    """The answers heard in every interview about a career (cancelled and no-shows left out),
    side by side."""
    career, matrix = answers_service.career_matrix(db, user, career_id, category)
    return _export(user, matrix, format, f"Answers: {career.title}", f"career-{career_id}-answers")


@router.get(
    "/questions/{question_id}/answers",
    response_model=QuestionAnswers,
    responses={200: EXPORTS, **problems(404)},
)
def question_answer_list(
    question_id: RowId, db: SessionDep, user: CurrentUser, format: FormatQuery = "json"
) -> Response:
    """Every answer you heard to one bank question, across your interviews."""
    answers = answers_service.question_answers(db, user, question_id)
    if format == "csv":
        return Response(
            documents.question_answers_csv(answers, user_zone(user.timezone)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="question-{question_id}.csv"'},
        )
    if format == "md":
        return Response(
            documents.question_answers_markdown(answers, user_zone(user.timezone)),
            media_type="text/markdown; charset=utf-8",
        )
    return JSONResponse(answers.model_dump(mode="json"))
