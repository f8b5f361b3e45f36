"""Comparing answers across interviews (the matrix), and exports as CSV and Markdown."""

from __future__ import annotations

import csv
import io
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.errors import Invalid
from app.interviews.models import Interview, InterviewQuestion
from app.interviews.schemas import (
    AnswerCell,
    AnswerColumn,
    AnswerMatrix,
    AnswerRow,
    QuestionAnswer,
    QuestionAnswers,
)
from app.interviews.service import (
    MODE_LABELS,
    STATUS_LABELS,
    Related,
    get_interview,
    related,
)
from app.ownership import get_owned
from app.questions import service as questions_service
from app.timezones import user_zone

MAX_MATRIX_INTERVIEWS = 100
# A career's matrix leaves out interviews that never happened.
NOT_HELD = ("cancelled", "no_show")
_SPACES = re.compile(r"\s+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def normalise_text(text: str) -> str:
    """The key free questions are matched by: case and spacing do not matter."""
    return _SPACES.sub(" ", text).strip().casefold()


def row_key(item: InterviewQuestion) -> str:
    """Bank questions match by their source; free questions by their normalised text."""
    if item.source_question_id is not None:
        return f"q{item.source_question_id}"
    return "t:" + normalise_text(item.text)


def _column(interview: Interview, names: Related) -> AnswerColumn:
    contact = names.contact(interview)
    organization = names.organization(interview)
    assert interview.id is not None
    return AnswerColumn(
        interview_id=interview.id,
        contact_id=interview.contact_id,
        contact_name=contact.full_name if contact else "",
        organization=organization.name if organization else None,
        date=interview.scheduled_at or interview.completed_at,
        status=interview.status,
    )


def build_matrix(
    session: Session, user: User, interviews: list[Interview], category: str | None = None
) -> AnswerMatrix:
    """A row per question (first-seen order), a column per interview, cells the answers."""
    names = related(session, user, interviews)
    columns = [_column(i, names) for i in interviews]
    index = {i.id: n for n, i in enumerate(interviews)}
    items: list[InterviewQuestion] = []
    if interviews:
        items = list(
            session.scalars(
                select(InterviewQuestion)
                .where(InterviewQuestion.interview_id.in_(list(index)))
                .order_by(InterviewQuestion.position, InterviewQuestion.id)
            )
        )
    items.sort(key=lambda it: (index[it.interview_id], it.position, it.id))
    rows: dict[str, AnswerRow] = {}
    for item in items:
        if category and item.category != category:
            continue
        key = row_key(item)
        row = rows.get(key)
        if row is None:
            row = rows[key] = AnswerRow(
                key=key,
                source_question_id=item.source_question_id,
                text=item.text,
                category=item.category,
                cells=[None] * len(interviews),
            )
        column = index[item.interview_id]
        assert item.id is not None
        existing = row.cells[column]
        if existing is None:
            row.cells[column] = AnswerCell(
                item_id=item.id,
                answer_notes=item.answer_notes,
                asked=item.asked,
                skipped=item.skipped,
            )
        elif item.answer_notes:
            # The same question twice on one agenda: keep both answers.
            joined = "\n\n".join(n for n in (existing.answer_notes, item.answer_notes) if n)
            existing.answer_notes = joined
            existing.asked = existing.asked or item.asked
    return AnswerMatrix(columns=columns, rows=list(rows.values()), category=category)


def career_matrix(
    session: Session, user: User, career_id: int, category: str | None = None
) -> tuple[Career, AnswerMatrix]:
    """The answers heard in the user's interviews about one career, oldest first."""
    career = get_owned(session, Career, user.id, career_id)
    interviews = list(
        session.scalars(
            select(Interview)
            .where(
                Interview.owner_id == user.id,
                Interview.career_id == career_id,
                Interview.status.not_in(NOT_HELD),
            )
            .order_by(Interview.scheduled_at, Interview.id)
            .limit(MAX_MATRIX_INTERVIEWS)
        )
    )
    # NULL times sort differently per database; put unscheduled ones last everywhere.
    interviews.sort(key=lambda i: (i.scheduled_at is None, i.scheduled_at or i.created_at, i.id))
    return career, build_matrix(session, user, interviews, category)


def chosen_matrix(
    session: Session, user: User, interview_ids: list[int], category: str | None = None
) -> AnswerMatrix:
    """The matrix for interviews the user picked, in the order given."""
    unique = list(dict.fromkeys(interview_ids))
    if not unique:
        raise Invalid.one("interview_ids", "Choose at least one interview.")
    if len(unique) > MAX_MATRIX_INTERVIEWS:
        raise Invalid.one(
            "interview_ids", f"Compare at most {MAX_MATRIX_INTERVIEWS} interviews at once."
        )
    interviews = [get_interview(session, user, i) for i in unique]
    return build_matrix(session, user, interviews, category)


def question_answers(session: Session, user: User, question_id: int) -> QuestionAnswers:
    """Every answer the user heard to one bank question, oldest interview first."""
    question = questions_service.readable_question(session, user, question_id)
    rows = session.execute(
        select(InterviewQuestion, Interview)
        .join(Interview, Interview.id == InterviewQuestion.interview_id)
        .where(
            InterviewQuestion.owner_id == user.id,
            InterviewQuestion.source_question_id == question_id,
        )
        .order_by(Interview.id, InterviewQuestion.position)
    ).all()
    pairs = sorted(
        rows,
        key=lambda r: (r[1].scheduled_at is None, r[1].scheduled_at or r[1].created_at, r[1].id),
    )
    names = related(session, user, [interview for _, interview in pairs])
    answers = []
    for item, interview in pairs:
        column = _column(interview, names)
        assert item.id is not None
        answers.append(
            QuestionAnswer(
                **column.model_dump(),
                item_id=item.id,
                answer_notes=item.answer_notes,
                asked=item.asked,
                skipped=item.skipped,
            )
        )
    assert question.id is not None
    return QuestionAnswers(
        question_id=question.id, text=question.text, category=question.category, answers=answers
    )


# ---- exports --------------------------------------------------------------------------


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas: a leading = + - @ (or tab / CR) gets a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _when(column: AnswerColumn, zone: ZoneInfo) -> str:
    return column.date.astimezone(zone).strftime("%Y-%m-%d") if column.date else "no date"


def column_title(column: AnswerColumn, zone: ZoneInfo) -> str:
    """How a column is named in exports: person, organization, date."""
    parts = [column.contact_name or f"Interview {column.interview_id}"]
    if column.organization:
        parts.append(column.organization)
    parts.append(_when(column, zone))
    return " · ".join(parts)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def matrix_csv(user: User, matrix: AnswerMatrix) -> str:
    """The matrix as CSV: question, category, then one column per interview."""
    zone = user_zone(user.timezone)
    header = ["Question", "Category", *(column_title(c, zone) for c in matrix.columns)]
    body = [
        [row.text, row.category, *((cell.answer_notes if cell else "") for cell in row.cells)]
        for row in matrix.rows
    ]
    return _csv([header, *body])


def _md_text(text: str) -> str:
    # Keep the user's Markdown, but indent continuation lines so they stay in the list item.
    return text.strip().replace("\n", "\n  ") if text.strip() else "_(no notes)_"


def _md_inline(text: str) -> str:
    return re.sub(r"([\\`*_\[\]#|<>])", r"\\\1", _SPACES.sub(" ", text).strip())


def matrix_markdown(user: User, matrix: AnswerMatrix, title: str) -> str:
    """The matrix as Markdown: a section per question, an entry per interview."""
    zone = user_zone(user.timezone)
    lines = [f"# {_md_inline(title)}", ""]
    if matrix.category:
        lines += [f"Category: {matrix.category}", ""]
    if not matrix.rows:
        lines.append("_No questions on these interviews yet._")
    for row in matrix.rows:
        lines += [f"## {_md_inline(row.text)}", "", f"_{row.category}_", ""]
        for column, cell in zip(matrix.columns, row.cells, strict=True):
            label = _md_inline(column_title(column, zone))
            if cell is None:
                lines.append(f"- **{label}**: _(not on the agenda)_")
            elif cell.skipped and not cell.answer_notes:
                lines.append(f"- **{label}**: _(skipped)_")
            else:
                lines.append(f"- **{label}**: {_md_text(cell.answer_notes)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def question_answers_csv(user: User, answers: QuestionAnswers) -> str:
    """Every answer to a question as CSV, one line per interview."""
    zone = user_zone(user.timezone)
    header = ["Question", "Contact", "Organization", "Date", "Answer"]
    body = [
        [
            answers.text,
            a.contact_name,
            a.organization or "",
            a.date.astimezone(zone).strftime("%Y-%m-%d %H:%M") if a.date else "",
            a.answer_notes,
        ]
        for a in answers.answers
    ]
    return _csv([header, *body])


def question_answers_markdown(user: User, answers: QuestionAnswers) -> str:
    """Every answer to a question as Markdown."""
    zone = user_zone(user.timezone)
    lines = [f"# {_md_inline(answers.text)}", "", f"_{answers.category}_", ""]
    if not answers.answers:
        lines.append("_Not asked in any interview yet._")
    for a in answers.answers:
        lines.append(f"- **{_md_inline(column_title(a, zone))}**: {_md_text(a.answer_notes)}")
    return "\n".join(lines).rstrip() + "\n"


def interview_markdown(session: Session, user: User, interview_id: int) -> str:
    """One interview as a Markdown document: who, when, agenda with answers, notes."""
    interview = get_interview(session, user, interview_id)
    names = related(session, user, [interview])
    contact = names.contact(interview)
    career = names.career(interview)
    organization = names.organization(interview)
    zone = user_zone(user.timezone)
    who = contact.full_name if contact else "Unknown contact"
    lines = [f"# Interview with {_md_inline(who)}", ""]
    facts = [
        ("Status", STATUS_LABELS.get(interview.status, interview.status)),
        ("Organization", organization.name if organization else ""),
        ("Career", career.title if career else ""),
        (
            "When",
            interview.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
            if interview.scheduled_at
            else "",
        ),
        ("Duration", f"{interview.duration_minutes} minutes"),
        ("Mode", MODE_LABELS.get(interview.mode or "", "")),
        ("Where", interview.location),
        ("Purpose", interview.purpose),
        ("Usefulness", f"{interview.usefulness}/5" if interview.usefulness else ""),
        ("Confidence in the career", f"{interview.confidence}/5" if interview.confidence else ""),
    ]
    lines += [f"- **{k}**: {_md_inline(v)}" for k, v in facts if v]
    lines.append("")
    items = list(
        session.scalars(
            select(InterviewQuestion)
            .where(InterviewQuestion.interview_id == interview.id)
            .order_by(InterviewQuestion.position, InterviewQuestion.id)
        )
    )
    lines += ["## Questions and answers", ""]
    if not items:
        lines += ["_No questions on the agenda._", ""]
    for number, item in enumerate(items, start=1):
        mark = " (skipped)" if item.skipped else ""
        lines += [f"### {number}. {_md_inline(item.text)}{mark}", ""]
        lines += [item.answer_notes.strip() or "_(no notes)_", ""]
    for heading, text in (("Summary", interview.summary), ("Takeaways", interview.takeaways)):
        if text.strip():
            lines += [f"## {heading}", "", text.strip(), ""]
    if interview.promises:
        lines += ["## Promises", ""]
        for promise in interview.promises:
            who_promised = "I" if promise.get("by") == "me" else "They"
            box = "x" if promise.get("done") else " "
            lines.append(f"- [{box}] {who_promised}: {_md_inline(str(promise.get('text', '')))}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
