"""Answer matrix schemas: questions across interviews, and one question's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from app.errors import Invalid
from app.schemas import MAX_INT32, PY_WHITESPACE, ReadModel

AnswerFormat = Literal["json", "csv", "md"]


class AnswerColumn(ReadModel):
    """One interview of a matrix: who, where they work, when."""

    interview_id: int
    contact_id: int
    contact_name: str
    organization: str | None
    date: datetime | None
    status: str


class AnswerCell(ReadModel):
    """What one interview heard for one question (null in a row when it was not asked)."""

    item_id: int
    answer_notes: str
    asked: bool
    skipped: bool


class AnswerRow(ReadModel):
    """One question across the interviews: matched by source question or identical text."""

    key: str
    source_question_id: int | None
    text: str
    category: str
    cells: list[AnswerCell | None]


class AnswerMatrix(ReadModel):
    """Rows of questions against columns of interviews."""

    columns: list[AnswerColumn]
    rows: list[AnswerRow]
    category: str | None
    # Every category these interviews' agendas have questions in (a filter offers only these).
    categories: list[str] = []


class QuestionAnswer(AnswerColumn):
    """One answer to a question, with the interview it was heard in."""

    item_id: int
    answer_notes: str
    asked: bool
    skipped: bool


class QuestionAnswers(ReadModel):
    """Every answer given to one question across the user's interviews."""

    question_id: int
    text: str
    category: str
    answers: list[QuestionAnswer]


# What parse_interview_ids accepts, for the schema: ids separated by commas (spaces and empty
# items allowed), each a whole number from 1 (at most nine digits, so always within range).
_ID = r"0*[1-9][0-9]{0,8}"
_SEP = f"[{PY_WHITESPACE},]*"
INTERVIEW_IDS_PATTERN = f"^{_SEP}{_ID}(?:[{PY_WHITESPACE}]*,{_SEP}{_ID})*{_SEP}$"


def parse_interview_ids(raw: list[str] | None) -> list[int]:
    """`1,2,3` or the parameter repeated: positive ids, or a 422 naming interview_ids."""
    ids: list[int] = []
    for chunk in raw or []:
        for part in chunk.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= MAX_INT32:
                raise Invalid.one("interview_ids", f"{part[:20]!r} is not an interview id.")
            ids.append(int(part))
    if not ids:
        raise Invalid.one("interview_ids", "Name at least one interview id, e.g. 1,2,3.")
    return ids
