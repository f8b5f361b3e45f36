"""Per-format parsers and writers for question banks: JSON, CSV and Markdown.

Every parser is bounded before it starts (docs/security.md): a file is refused on its
shape (too many lines, a line too long, a header wider than the known columns, JSON nested
too deeply, more questions than a bank may hold) before any work per question, and each
pass over the input is linear.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.errors import FieldError, Invalid
from app.questions.models import CATEGORY_LABELS, Question, QuestionBank
from app.questions.schemas import BankDocument, ImportedQuestion
from app.textlimits import check_lines

CSV_COLUMNS = ("text", "category", "tags", "why_ask")
MAX_REPORTED_ERRORS = 50
# The most questions any file may hold (RAPPORT_MAX_BANK_QUESTIONS is at most this).
MAX_QUESTIONS = 5000
# A question with its why and tags takes at most three Markdown lines; room for headings.
MAX_LINES = 4 * MAX_QUESTIONS
# The longest CSV row: text (1,000) + why (2,000) + tags, every quote doubled.
MAX_LINE_CHARS = 10_000
# document -> questions -> question -> tags -> tag is 4 deep; more is not a bank.
MAX_JSON_DEPTH = 6
# Spreadsheets run cells starting with these as formulas; exports prefix them with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
_CATEGORY_BY_NAME = {
    **{key.casefold(): key for key in CATEGORY_LABELS},
    **{label.casefold(): key for key, label in CATEGORY_LABELS.items()},
}


@dataclass
class ParsedBank:
    """What a file holds, validated, ready to be stored."""

    name: str | None
    description: str
    questions: list[ImportedQuestion] = field(default_factory=list)


class _Problems:
    """Errors gathered while reading a file, each tied to a row or line."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []
        self.more = 0

    def add(self, where: str, message: str) -> None:
        # Only the reported ones are kept; the rest are counted.
        if len(self.items) < MAX_REPORTED_ERRORS:
            self.items.append(FieldError(where, message))
        else:
            self.more += 1

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        shown = list(self.items)
        more = self.more
        first = f"{shown[0].field}: {shown[0].message}"
        detail = f"The {what} cannot be imported, so nothing was imported. First problem: {first}"
        if more > 0:
            shown.append(FieldError("file", f"... and {more} more problems"))
        raise Invalid(detail=detail, errors=shown, title="Import failed")


# ---- reading files ----------------------------------------------------------------------


def decode_upload(raw: bytes) -> str:
    """The file as text: UTF-8 (a byte-order mark is allowed), no NUL characters."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        raise Invalid.one(
            f"line {line}",
            f"The file is not UTF-8 text (byte 0x{byte:02x} on line {line}); "
            "save it as UTF-8 and try again.",
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise Invalid.one(
            f"line {line}", f"Line {line} contains a NUL character; the file is not plain text."
        )
    if not text.strip():
        raise Invalid.one("line 1", "The file is empty.")
    return text


def _check_shape(text: str, what: str) -> None:
    """Refuse a file with too many lines or an overlong line before reading it."""
    broken = check_lines(text, max_lines=MAX_LINES, max_line_chars=MAX_LINE_CHARS)
    if broken is None:
        return
    if broken.too_many_lines:
        raise Invalid.one(
            "file",
            f"The {what} has more than {MAX_LINES:,} lines; a bank holds at most "
            f"{MAX_QUESTIONS:,} questions. Split it into smaller files.",
        )
    raise Invalid.one(
        f"line {broken.line}",
        f"Line {broken.line} is longer than {MAX_LINE_CHARS:,} characters; "
        f"no question is that long.",
    )


def _too_many_questions() -> Invalid:
    return Invalid.one(
        "file",
        f"The file holds more than {MAX_QUESTIONS:,} questions; split it into smaller files.",
    )


def _category_key(value: str) -> str | None:
    cleaned = " ".join(value.split()).casefold()
    if not cleaned:
        return "other"
    return _CATEGORY_BY_NAME.get(cleaned)


def _category_problem(value: str) -> str:
    return f"category: {value!r} is not a category; use one of: {', '.join(CATEGORY_LABELS)}"


def _validate_question(
    data: dict[str, Any], where: str, problems: _Problems
) -> ImportedQuestion | None:
    """Validate one question; problems get the row or line it came from."""
    try:
        return ImportedQuestion.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ())) or "question"
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            problems.add(where, f"{loc}: {message}")
    return None


def parse_csv(text: str) -> ParsedBank:
    """A CSV file with the header text,category,tags,why_ask (tags separated by ';')."""
    _check_shape(text, "CSV file")
    problems = _Problems()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    questions: list[ImportedQuestion] = []
    try:
        header = next(reader, None) or []
        if len(header) > len(CSV_COLUMNS):
            problems.add(
                "row 1",
                f"The header has {len(header)} columns; the known ones are "
                f"{','.join(CSV_COLUMNS)}.",
            )
            problems.raise_if_any("CSV file")
        columns = [cell.strip().casefold() for cell in header]
        if "text" not in columns:
            problems.add(
                "row 1",
                "The first row must be the header text,category,tags,why_ask "
                "(text is required, the other columns are optional).",
            )
            problems.raise_if_any("CSV file")
        unknown = [c for c in columns if c not in CSV_COLUMNS]
        repeated = {c for c, n in Counter(columns).items() if n > 1}
        if unknown or repeated:
            what = unknown or sorted(repeated)
            problems.add("row 1", f"Unknown or repeated column(s): {', '.join(what)}.")
            problems.raise_if_any("CSV file")
        rows = 0
        for row_number, cells in enumerate(reader, start=2):
            # Checked before any work per cell, so a wide row costs nothing more to refuse.
            if len(cells) > len(columns):
                problems.add(
                    f"row {row_number}",
                    f"has {len(cells)} cells but the header has {len(columns)} columns",
                )
                continue
            if not any(cell.strip() for cell in cells):
                continue
            rows += 1
            if rows > MAX_QUESTIONS:
                raise _too_many_questions()
            values = dict(zip(columns, (_unneutralise(c) for c in cells), strict=False))
            question = _question_from_cells(values, f"row {row_number}", problems)
            if question is not None:
                questions.append(question)
    except csv.Error as exc:
        problems.add(f"row {reader.line_num}", f"The CSV is malformed: {exc}.")
    problems.raise_if_any("CSV file")
    return ParsedBank(name=None, description="", questions=questions)


def _question_from_cells(
    values: dict[str, str], where: str, problems: _Problems
) -> ImportedQuestion | None:
    raw_category = values.get("category", "")
    category = _category_key(raw_category)
    if category is None:
        problems.add(where, _category_problem(raw_category.strip()))
        return None
    tags = [t for t in (values.get("tags", "") or "").split(";") if t.strip()]
    data = {
        "text": values.get("text", ""),
        "category": category,
        "tags": tags,
        "why_ask": values.get("why_ask", ""),
    }
    return _validate_question(data, where, problems)


def _unneutralise(cell: str) -> str:
    return cell[1:] if _NEUTRALISED.match(cell) else cell


def parse_json(text: str) -> ParsedBank:
    """A JSON document as written by the JSON export."""
    too_deep = Invalid.one("line 1", "The JSON is nested too deeply to be a question bank.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid.one(f"line {exc.lineno}", f"Not valid JSON: {exc.msg}.") from None
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:  # e.g. a number of more than 4,300 digits
        raise Invalid.one("line 1", f"Not valid JSON: {exc}.") from None
    if not isinstance(document, dict):
        raise Invalid.one("line 1", "The JSON must be an object with 'name' and 'questions'.")
    questions = document.get("questions")
    if isinstance(questions, list) and len(questions) > MAX_QUESTIONS:
        raise _too_many_questions()
    nul_locations = _nul_locations(document)
    if nul_locations is None:
        raise too_deep
    problems = _Problems()
    # A "\u0000" escape decodes to NUL; name the question it is in, not the whole list.
    for loc in nul_locations:
        _add_json_problem(problems, loc, "must not contain a NUL character")
    problems.raise_if_any("JSON file")
    try:
        parsed = BankDocument.model_validate(document)
    except ValidationError as exc:
        for err in exc.errors():
            message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            _add_json_problem(problems, [str(p) for p in err.get("loc", ())], message)
        problems.raise_if_any("JSON file")
        raise
    return ParsedBank(parsed.name, parsed.description, list(parsed.questions))


def _add_json_problem(problems: _Problems, loc: list[str], message: str) -> None:
    if len(loc) >= 2 and loc[0] == "questions" and loc[1].isdigit():
        where = f"question {int(loc[1]) + 1}"
        problems.add(where, f"{'.'.join(loc[2:]) or 'question'}: {message}")
    else:
        problems.add(".".join(loc) or "document", message)


def _nul_locations(document: Any) -> list[list[str]] | None:
    """Where strings hold NUL, in one pass with a stack; None when nested past the limit."""
    found: list[list[str]] = []
    # Each path is at most MAX_JSON_DEPTH long, so copying it per value stays linear.
    stack: list[tuple[Any, list[str]]] = [(document, [])]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append(loc)
            continue
        if not isinstance(value, dict | list):
            continue
        if len(loc) >= MAX_JSON_DEPTH:
            return None
        # Pushed in reverse so that problems come out in document order.
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack += [(item, [*loc, str(key)]), (key, [*loc, "key"])]
        else:
            stack += [(item, [*loc, str(i)]) for i, item in reversed(list(enumerate(value)))]
    return found


_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
_SUB_ITEM = re.compile(r"^(?:\s{2,}|\t+)[-*+]\s+(.*)$")
_SUB_FIELD = re.compile(r"^(why|tags)\s*:\s*(.*)$", re.IGNORECASE)


def parse_markdown(text: str) -> ParsedBank:
    """Markdown: an optional '# Name' and description, '## Category' headings, '- question'
    items, and optional '  - Why: ...' and '  - Tags: a; b' sub-items."""
    _check_shape(text, "Markdown file")
    problems = _Problems()
    name: str | None = None
    description: list[str] = []
    category: str | None = None
    items: list[tuple[int, dict[str, Any]]] = []
    current: dict[str, Any] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"line {number}"
        if not line.strip():
            if category is None and description:
                description.append("")
            continue
        if line.startswith("## "):
            heading = line[3:].strip()
            category = _category_key(heading) if heading else None
            if category is None:
                problems.add(where, _category_problem(heading))
            current = None
            continue
        if category is None and name is not None:
            description.append(line.rstrip())
            continue
        if line.startswith("# ") and name is None and not items:
            name = line[2:].strip()
            continue
        sub = _SUB_ITEM.match(line)
        item = None if sub else _LIST_ITEM.match(line)
        if item:
            if category is None:
                problems.add(where, "A question must come under a '## Category' heading.")
                continue
            current = {"text": item.group(1).strip(), "category": category, "tags": []}
            items.append((number, current))
            if len(items) > MAX_QUESTIONS:
                raise _too_many_questions()
        elif sub:
            _read_sub_item(sub.group(1), current, where, problems)
        else:
            problems.add(
                where,
                "Expected a '## Category' heading, a '- question' item or an indented "
                "'  - Why: ...' / '  - Tags: ...' sub-item.",
            )
    questions = []
    for number, data in items:
        question = _validate_question(data, f"line {number}", problems)
        if question is not None:
            questions.append(question)
    problems.raise_if_any("Markdown file")
    return ParsedBank(name, "\n".join(description).strip(), questions)  # type: ignore[arg-type]


def _read_sub_item(
    content: str, current: dict[str, Any] | None, where: str, problems: _Problems
) -> None:
    if current is None:
        problems.add(where, "A sub-item must follow a '- question' item.")
        return
    found = _SUB_FIELD.match(content.strip())
    if found is None:
        problems.add(where, "A sub-item must be '  - Why: ...' or '  - Tags: a; b'.")
        return
    kind, value = found.group(1).casefold(), found.group(2).strip()
    key = "why_ask" if kind == "why" else "tags"
    if key in current and (key == "why_ask" or current["tags"]):
        problems.add(where, f"The question already has a '{found.group(1)}:' sub-item.")
        return
    current[key] = [t for t in value.split(";") if t.strip()] if key == "tags" else value


PARSERS = {"json": parse_json, "csv": parse_csv, "md": parse_markdown}


# ---- writing files ----------------------------------------------------------------------


def _question_dict(question: Question) -> dict[str, Any]:
    return {
        "text": question.text,
        "category": question.category,
        "tags": list(question.tags or []),
        "why_ask": question.why_ask,
    }


def _to_json(bank: QuestionBank, questions: list[Question]) -> str:
    document = {
        "format": "rapport.question-bank",
        "format_version": 1,
        "name": bank.name,
        "description": bank.description,
        "questions": [_question_dict(q) for q in questions],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _neutralise(cell: str) -> str:
    """A leading quote keeps spreadsheets from running the cell as a formula."""
    return "'" + cell if cell.lstrip("'").startswith(_FORMULA_START) else cell


def _to_csv(bank: QuestionBank, questions: list[Question]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for question in questions:
        cells = [question.text, question.category, ";".join(question.tags or []), question.why_ask]
        writer.writerow([_neutralise(cell) for cell in cells])
    return buffer.getvalue()


def _to_markdown(bank: QuestionBank, questions: list[Question]) -> str:
    lines = [f"# {bank.name}", ""]
    if bank.description.strip():
        lines += [bank.description.strip(), ""]
    category = None
    for question in questions:
        if question.category != category:
            category = question.category
            label = CATEGORY_LABELS.get(category, category)
            lines += [f"## {label}", ""] if lines[-1] == "" else ["", f"## {label}", ""]
        lines.append(f"- {question.text}")
        if question.why_ask:
            lines.append(f"  - Why: {question.why_ask}")
        if question.tags:
            lines.append(f"  - Tags: {'; '.join(question.tags)}")
    return "\n".join(lines).rstrip("\n") + "\n"


WRITERS = {"json": _to_json, "csv": _to_csv, "md": _to_markdown}
