"""The answer matrix and an interview's notes as documents: CSV (formula cells neutralised)
and Markdown, with dates in the reader's timezone."""

from __future__ import annotations

import csv
import io
import re
from datetime import tzinfo

from app.interviews.answers.schemas import AnswerColumn, AnswerMatrix, QuestionAnswers
from app.interviews.answers.service import InterviewNotes
from app.interviews.models import MODE_LABELS, STATUS_LABELS

_SPACES = re.compile(r"\s+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas: a leading = + - @ (or tab / CR) gets a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _when(column: AnswerColumn, zone: tzinfo) -> str:
    return column.date.astimezone(zone).strftime("%Y-%m-%d") if column.date else "no date"


def column_title(column: AnswerColumn, zone: tzinfo) -> str:
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


def matrix_csv(matrix: AnswerMatrix, zone: tzinfo) -> str:
    """The matrix as CSV: question, category, then one column per interview."""
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


def matrix_markdown(matrix: AnswerMatrix, title: str, zone: tzinfo) -> str:
    """The matrix as Markdown: a section per question, an entry per interview."""
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


def question_answers_csv(answers: QuestionAnswers, zone: tzinfo) -> str:
    """Every answer to a question as CSV, one line per interview."""
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


def question_answers_markdown(answers: QuestionAnswers, zone: tzinfo) -> str:
    """Every answer to a question as Markdown."""
    lines = [f"# {_md_inline(answers.text)}", "", f"_{answers.category}_", ""]
    if not answers.answers:
        lines.append("_Not asked in any interview yet._")
    for a in answers.answers:
        lines.append(f"- **{_md_inline(column_title(a, zone))}**: {_md_text(a.answer_notes)}")
    return "\n".join(lines).rstrip() + "\n"


def interview_markdown(notes: InterviewNotes, zone: tzinfo) -> str:
    """One interview as a Markdown document: who, when, agenda with answers, notes."""
    interview, contact, career, organization = (
        notes.interview,
        notes.contact,
        notes.career,
        notes.organization,
    )
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
    items = notes.items
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
