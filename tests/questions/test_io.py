"""Import and export: every format round-trips, every bad file is refused and imports nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from app.errors import Invalid
from app.questions import service
from app.questions.io import service as io_service
from app.questions.items import service as question_service
from app.questions.models import Question, QuestionBank
from app.questions.schemas import QuestionCreate
from tests.questions.conftest import MAX

TRICKY = [
    QuestionCreate(
        text="What does a normal week look like?",
        category="everyday_work",
        tags=["daily", "work life"],
        why_ask="Shows the real job.",
    ),
    QuestionCreate(text="=SUM(A1:A2) is that a formula?", category="other"),
    QuestionCreate(text="-5 degrees at the site, is that normal?", category="culture"),
    QuestionCreate(text="@mentions or email, how do teams talk?", category="culture", tags=["x"]),
    QuestionCreate(
        text="+1 or not: remote work?", category="culture", why_ask="=cmd|' /C calc'!A0"
    ),
    QuestionCreate(text="'=already quoted' stays as typed?", category="advice"),
    QuestionCreate(text="Back to the future: where is it heading?", category="future_of_industry"),
    QuestionCreate(text='Commas, "quotes" and ünïcödé — fine?', category="trends", tags=["a-b"]),
    QuestionCreate(text="Who else should I talk to?", category="next_steps", why_ask="Network."),
    QuestionCreate(text="Again everyday work?", category="everyday_work"),
]


def _question_tuples(db, user, bank_id):
    return [
        (q.text, q.category, q.tags, q.why_ask, q.position)
        for q in service.readable_questions(db, user, bank_id)
    ]


def _bank_count(db):
    return db.scalar(select(func.count(QuestionBank.id)).where(QuestionBank.builtin.is_(False)))


def _question_count(db):
    return db.scalar(select(func.count(Question.id)).where(Question.owner_id.is_not(None)))


@pytest.fixture
def tricky_bank(db, user, make_bank):
    bank = make_bank(user, "Tricky ‘bank’", description="Line one.\n\nLine *two*.")
    for item in TRICKY:
        question_service.create_question(db, user, bank.id, item, max_questions=MAX)
    return bank


@pytest.mark.parametrize("file_format", ["json", "csv", "md"])
def test_round_trip_gives_the_same_bank_back(db, user, tricky_bank, file_format):
    exported = io_service.export_bank(db, user, tricky_bank.id, file_format)
    imported = io_service.import_bank(
        db, user, exported.content.encode(), file_format, max_questions=MAX
    )
    assert _question_tuples(db, user, imported.id) == _question_tuples(db, user, tricky_bank.id)
    if file_format in ("json", "md"):
        assert imported.name == tricky_bank.name
        assert imported.description == tricky_bank.description
    else:
        assert imported.name == io_service.DEFAULT_IMPORT_NAME


def test_round_trip_of_every_starter_bank(db, user, starter):
    for bank_id in starter.values():
        for file_format in ("json", "csv", "md"):
            exported = io_service.export_bank(db, user, bank_id, file_format)
            imported = io_service.import_bank(
                db, user, exported.content.encode(), file_format, max_questions=MAX
            )
            assert _question_tuples(db, user, imported.id) == _question_tuples(db, user, bank_id)


def test_csv_export_neutralises_formula_cells(db, user, tricky_bank):
    exported = io_service.export_bank(db, user, tricky_bank.id, "csv")
    assert exported.bank.id == tricky_bank.id
    rows = list(csv.reader(io.StringIO(exported.content)))
    assert rows[0] == ["text", "category", "tags", "why_ask"]
    cells = [cell for row in rows[1:] for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert "'=SUM(A1:A2) is that a formula?" in cells
    assert "''=already quoted' stays as typed?" in cells
    assert rows[1][2] == "daily;work life"


def test_markdown_export_shape(db, user, tricky_bank):
    text = io_service.export_bank(db, user, tricky_bank.id, "md").content
    lines = text.splitlines()
    assert lines[0] == "# Tricky ‘bank’"
    assert "## Everyday work" in lines and "## Culture and working conditions" in lines
    assert "- What does a normal week look like?" in lines
    assert "  - Why: Shows the real job." in lines
    assert "  - Tags: daily; work life" in lines


def test_json_export_has_everything(db, user, tricky_bank):
    document = json.loads(io_service.export_bank(db, user, tricky_bank.id, "json").content)
    assert document["format"] == "rapport.question-bank"
    assert document["name"] == "Tricky ‘bank’"
    assert document["questions"][0] == {
        "text": "What does a normal week look like?",
        "category": "everyday_work",
        "tags": ["daily", "work life"],
        "why_ask": "Shows the real job.",
    }


def test_lenient_but_exact_csv_reading(db, user):
    content = (
        "\ufeffText,Tags,Category\r\n"
        'Plain?,,\r\n"Multi, cell?",one; Two ;,Culture and working conditions\r\n'
        ",,\r\n"
        "'@quoted?,,trends\r\n"
    )
    bank = io_service.import_bank(
        db, user, content.encode(), "csv", max_questions=MAX, filename="my_list.csv"
    )
    assert bank.name == "my list"
    assert _question_tuples(db, user, bank.id) == [
        ("Plain?", "other", [], "", 0),
        ("Multi, cell?", "culture", ["one", "two"], "", 1),
        ("@quoted?", "trends", [], "", 2),
    ]


def test_markdown_reading_accepts_keys_numbers_and_no_title(db, user):
    content = (
        "## future_of_industry\n\n1. First?\n* Second?\n    - tags: a;b\n\n## Advice\n- Third?\n"
    )
    bank = io_service.import_bank(
        db, user, content.encode(), "md", max_questions=MAX, name="Given name"
    )
    assert bank.name == "Given name"
    assert _question_tuples(db, user, bank.id) == [
        ("First?", "future_of_industry", [], "", 0),
        ("Second?", "future_of_industry", ["a", "b"], "", 1),
        ("Third?", "advice", [], "", 2),
    ]


# ---- invalid files: each refused with a located error, nothing imported -------------------

GOOD_ROW = "Fine question?,culture,,\n"
INVALID_FILES = {
    "csv missing header": ("csv", b"Fine question?,culture,,\n", "row 1"),
    "csv unknown column": ("csv", b"text,colour\nA?,red\n", "row 1"),
    "csv bad category": (
        "csv",
        ("text,category,tags,why_ask\n" + GOOD_ROW + "Bad?,astrology,,\n").encode(),
        "row 3",
    ),
    "csv empty text": (
        "csv",
        ("text,category,tags,why_ask\n" + GOOD_ROW + GOOD_ROW + ",culture,x,\n").encode(),
        "row 4",
    ),
    "csv too long": (
        "csv",
        ("text,category,tags,why_ask\n" + GOOD_ROW + "x" * 1001 + ",culture,,\n").encode(),
        "row 3",
    ),
    "csv too many cells": ("csv", b"text,category\nA?,culture,extra\n", "row 2"),
    "csv bad quoting": ("csv", b'text,category\n"A?" x,culture\n', "row 2"),
    "csv bad tag": ("csv", b"text,tags\nA?," + b"t" * 60 + b"\n", "row 2"),
    "csv NUL": ("csv", b"text,category\nA?,culture\nB\x00?,culture\n", "line 3"),
    "csv wrong encoding": ("csv", "text\nCaf\u00e9?\n".encode("latin-1"), "line 2"),
    "csv empty file": ("csv", b"", "line 1"),
    "json syntax": (
        "json",
        b'{\n  "name": "x",\n  "questions": [\n    {"text": }\n  ]\n}',
        "line 4",
    ),
    "json not an object": ("json", b"[1, 2]", "line 1"),
    "json nested too deep": ("json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "line 1"),
    "json bad category": (
        "json",
        json.dumps(
            {"name": "x", "questions": [{"text": "A?"}, {"text": "B?", "category": "zodiac"}]}
        ).encode(),
        "question 2",
    ),
    "json empty text": ("json", b'{"name": "x", "questions": [{"text": "  "}]}', "question 1"),
    "json unknown field": (
        "json",
        b'{"name": "x", "questions": [{"text": "A?", "answer": "no"}]}',
        "question 1",
    ),
    "json NUL escape": (
        "json",
        b'{"name": "x", "questions": [{"text": "A\\u0000?"}]}',
        "question 1",
    ),
    "json wrong encoding": ("json", b'{"name": "\xff"}', "line 1"),
    "md question before heading": ("md", b"# Bank\n## Advice\n- Fine?\n", None),
    "md bad structure": ("md", b"## Advice\n- Fine?\nJust a paragraph.\n", "line 3"),
    "md item without heading": ("md", b"- Lost?\n## Advice\n- Fine?\n", "line 1"),
    "md bad category": ("md", b"## Advice\n- Fine?\n## Horoscopes\n- Bad?\n", "line 3"),
    "md orphan sub-item": ("md", b"## Advice\n  - Why: no question\n", "line 2"),
    "md unknown sub-item": ("md", b"## Advice\n- Fine?\n  - Answer: 42\n", "line 3"),
    "md twice why": ("md", b"## Advice\n- Fine?\n  - Why: a\n  - Why: b\n", "line 4"),
    "md empty text": ("md", b"## Advice\n- Fine?\n- \n", "line 3"),
    "md too long": ("md", b"## Advice\n- " + b"y" * 1001 + b"\n", "line 2"),
    "md NUL": ("md", b"## Advice\n- Fine?\n- Bad\x00?\n", "line 3"),
    "md wrong encoding": ("md", b"## Advice\n- Fine?\n- \xe9t\xe9?\n", "line 3"),
}


@pytest.mark.parametrize("case", sorted(INVALID_FILES))
def test_invalid_files_import_nothing(db, user, case):
    file_format, content, where = INVALID_FILES[case]
    banks, questions = _bank_count(db), _question_count(db)
    if where is None:  # a control: the well-formed variant imports
        io_service.import_bank(db, user, content, file_format, max_questions=MAX)
        assert _bank_count(db) == banks + 1
        return
    with pytest.raises(Invalid) as caught:
        io_service.import_bank(db, user, content, file_format, max_questions=MAX)
    fields = [e.field for e in caught.value.errors]
    assert where in fields, (fields, caught.value.errors)
    assert all(e.message for e in caught.value.errors)
    db.rollback()
    assert (_bank_count(db), _question_count(db)) == (banks, questions)


@pytest.mark.parametrize("file_format", ["json", "csv", "md"])
def test_too_many_questions_is_refused_with_a_clear_message(db, user, file_format):
    questions = [f"Question number {n}?" for n in range(4)]
    content = {
        "json": json.dumps({"name": "Big", "questions": [{"text": q} for q in questions]}),
        "csv": "text\n" + "\n".join(questions) + "\n",
        "md": "## Advice\n" + "\n".join(f"- {q}" for q in questions) + "\n",
    }[file_format]
    with pytest.raises(Invalid) as caught:
        io_service.import_bank(db, user, content.encode(), file_format, max_questions=3)
    assert caught.value.errors[0].field == "file"
    assert "holds 4 questions" in caught.value.detail and "at most 3" in caught.value.detail
    db.rollback()
    assert _bank_count(db) == 0


def test_every_problem_is_reported_not_only_the_first(db, user):
    content = "text,category\n,culture\nB?,nope\n" + "x" * 1001 + ",advice\n"
    with pytest.raises(Invalid) as caught:
        io_service.import_bank(db, user, content.encode(), "csv", max_questions=MAX)
    assert [e.field for e in caught.value.errors] == ["row 2", "row 3", "row 4"]
    assert caught.value.detail.startswith("The CSV file cannot be imported")


def test_names_from_file_names_are_printable(db, user):
    bank = io_service.import_bank(
        db, user, b"text\nA?\n", "csv", max_questions=MAX, filename="dir/od\x07d\tname.csv"
    )
    assert bank.name == "od d name"
