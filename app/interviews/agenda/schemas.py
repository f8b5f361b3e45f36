"""Agenda item schemas: the API contract, also used to parse the agenda forms."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.questions.models import Category
from app.questions.schemas import QuestionText
from app.schemas import DbId, InputModel, LongText, ReadModel, TrackedRead, not_null

MAX_AGENDA = 500


class AgendaItemCreate(InputModel):
    """A question from a bank (by source_question_id) or a free question (by text)."""

    text: QuestionText | None = None
    category: Category | None = None
    source_question_id: DbId | None = None


class AgendaItemUpdate(InputModel):
    """Edit an agenda item or record the answer (PATCH; send If-Match)."""

    text: QuestionText | None = None
    category: Category | None = None
    asked: bool | None = None
    skipped: bool | None = None
    answer_notes: LongText | None = None

    _not_null = not_null("text", "category", "asked", "skipped", "answer_notes")


class AgendaItemRead(TrackedRead):
    """One agenda item: the snapshot of the question, and what was heard."""

    interview_id: int
    position: int
    text: str
    category: str
    source_question_id: int | None
    asked: bool
    skipped: bool
    answer_notes: str


class AgendaOrder(InputModel):
    """Every agenda item id of the interview, exactly once each, in the new order."""

    item_ids: list[DbId] = Field(max_length=MAX_AGENDA)


class AgendaFromBank(InputModel):
    """Add a whole bank (optionally one category) or chosen questions of it."""

    bank_id: DbId
    category: Category | None = None
    question_ids: list[DbId] | None = Field(
        default=None,
        max_length=MAX_AGENDA,
        description="Only these questions of the bank; an empty list is refused (422).",
    )


class AgendaBulkRead(ReadModel):
    """What a bulk add did: the new items, and how many were already on the agenda."""

    added: list[AgendaItemRead]
    skipped_duplicates: int


class AgendaMove(InputModel):
    """The agenda page's reorder buttons: one item up or down by one place."""

    direction: Literal["up", "down"]
