"""Comparing answers: the matrix over three interviews, category filter, CSV and Markdown."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.schemas import AgendaFromBank, AgendaItemCreate, AgendaItemUpdate
from app.interviews.answers import documents
from app.interviews.answers import service as answers_service

DAY = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
FREE = [
    "What is a typical day like?",
    "  what is a TYPICAL   day like? ",
    "What is a typical day like?",
]
ANSWERS = {
    0: {"trends": "AI everywhere", "advice": '=HYPERLINK("http://x")', "free": "Meetings"},
    1: {"trends": "Regulation", "advice": "Learn SQL", "free": "Coding"},
    2: {"trends": "Consolidation", "free": "Travel\nand more"},
}


@pytest.fixture
def setup(db, user, make_contact, make_career, make_bank, make_interview):
    """Three interviews about one career: two with the whole bank, one without 'advice'."""
    career = make_career(user)
    bank = make_bank(
        user, [("What trends do you see?", "trends"), ("What advice would you give?", "advice")]
    )
    names = [("Ana", "Acme"), ("Ben", None), ("Cy", "Globex")]
    interviews = []
    for n, (name, org) in enumerate(names):
        contact = make_contact(user, name, organization=org)
        interview = make_interview(
            user,
            contact,
            career_id=career.id,
            status="scheduled",
            scheduled_at=DAY + timedelta(days=n),
        )
        category = "trends" if n == 2 else None
        added, _ = agenda_service.add_from_bank(
            db, user, interview.id, AgendaFromBank(bank_id=bank.id, category=category)
        )
        free = agenda_service.add_agenda_item(
            db, user, interview.id, AgendaItemCreate(text=FREE[n], category="everyday_work")
        )
        for item in [*added, free]:
            key = "free" if item.id == free.id else item.category
            if key in ANSWERS[n]:
                agenda_service.update_agenda_item(
                    db,
                    user,
                    interview.id,
                    item.id,
                    AgendaItemUpdate(answer_notes=ANSWERS[n][key], asked=True),
                )
        interviews.append(interview)
    return career, bank, interviews


def test_matrix_rows_columns_and_cells(db, user, setup):
    career, _, interviews = setup
    _, matrix = answers_service.career_matrix(db, user, career.id)
    assert [c.contact_name for c in matrix.columns] == ["Ana", "Ben", "Cy"]
    assert [c.organization for c in matrix.columns] == ["Acme", None, "Globex"]
    assert [c.interview_id for c in matrix.columns] == [i.id for i in interviews]
    assert [r.text for r in matrix.rows] == [
        "What trends do you see?",
        "What advice would you give?",
        "What is a typical day like?",
    ]
    trends, advice, free = matrix.rows
    assert [c.answer_notes for c in trends.cells] == [
        "AI everywhere",
        "Regulation",
        "Consolidation",
    ]
    assert advice.cells[2] is None
    assert [c.answer_notes for c in advice.cells[:2]] == ['=HYPERLINK("http://x")', "Learn SQL"]
    # Free questions match on normalised text (case and spacing), not on a source.
    assert free.source_question_id is None
    assert [c.answer_notes for c in free.cells] == ["Meetings", "Coding", "Travel\nand more"]


def test_matrix_category_filter_and_chosen_set(db, user, setup):
    career, _, interviews = setup
    _, matrix = answers_service.career_matrix(db, user, career.id, "advice")
    assert [r.category for r in matrix.rows] == ["advice"]
    chosen = answers_service.chosen_matrix(db, user, [interviews[2].id, interviews[0].id])
    assert [c.contact_name for c in chosen.columns] == ["Cy", "Ana"]
    assert chosen.rows[0].cells[0].answer_notes == "Consolidation"


def test_cancelled_interviews_leave_the_career_matrix(db, user, setup):
    from app.interviews import service
    from app.interviews.schemas import StatusChange

    career, _, interviews = setup
    service.change_status(db, user, interviews[1].id, StatusChange(status="cancelled"))
    _, matrix = answers_service.career_matrix(db, user, career.id)
    assert [c.contact_name for c in matrix.columns] == ["Ana", "Cy"]


def test_bank_edit_does_not_split_rows(db, user, setup):
    from app.questions.models import Question

    career, bank, _ = setup
    question = db.query(Question).filter(Question.bank_id == bank.id).first()
    question.text = "Completely new wording"
    db.commit()
    _, matrix = answers_service.career_matrix(db, user, career.id)
    assert matrix.rows[0].text == "What trends do you see?"
    assert len(matrix.rows) == 3


def test_csv_export_neutralises_formulas(api, setup):
    career, _, _ = setup
    r = api.get(f"/api/v1/careers/{career.id}/answers", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:2] == ["Question", "Category"]
    assert rows[0][2].startswith("Ana · Acme · 2026-12-01")
    assert rows[2][2] == '\'=HYPERLINK("http://x")'
    assert rows[2][4] == ""
    assert rows[3][4] == "Travel\nand more"


def test_markdown_export(api, setup):
    career, _, _ = setup
    r = api.get(f"/api/v1/careers/{career.id}/answers", params={"format": "md"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    text = r.text
    assert text.startswith("# Answers: Data engineering")
    assert "## What trends do you see?" in text
    assert "- **Ana · Acme · 2026-12-01**: AI everywhere" in text
    assert "- **Cy · Globex · 2026-12-03**: _(not on the agenda)_" in text
    assert "Travel\n  and more" in text


def test_matrix_json_for_chosen_interviews(api, setup):
    _, _, interviews = setup
    ids = [i.id for i in interviews]
    one = api.get("/api/v1/interviews/answers", params={"interview_ids": ",".join(map(str, ids))})
    two = api.get("/api/v1/interviews/answers", params=[("interview_ids", i) for i in ids])
    assert one.status_code == two.status_code == 200
    assert one.json() == two.json()
    assert len(one.json()["columns"]) == 3 and len(one.json()["rows"]) == 3
    filtered = api.get(
        "/api/v1/interviews/answers", params={"interview_ids": ids[0], "category": "trends"}
    )
    assert [r["category"] for r in filtered.json()["rows"]] == ["trends"]
    for bad in ("", "a,b", "0", "99999999999"):
        r = api.get("/api/v1/interviews/answers", params={"interview_ids": bad})
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["field"] == "interview_ids"
    assert api.get("/api/v1/interviews/answers").status_code == 422
    r = api.get("/api/v1/interviews/answers", params={"interview_ids": "1", "format": "xls"})
    assert r.status_code == 422


def test_question_answers(api, db, setup):
    from app.questions.models import Question

    _, bank, _ = setup
    q = db.query(Question).filter(Question.bank_id == bank.id, Question.category == "advice").one()
    question_id = q.id
    db.rollback()
    r = api.get(f"/api/v1/questions/{question_id}/answers")
    assert r.status_code == 200
    body = r.json()
    assert [a["contact_name"] for a in body["answers"]] == ["Ana", "Ben"]
    assert body["answers"][1]["answer_notes"] == "Learn SQL"
    csv_r = api.get(f"/api/v1/questions/{question_id}/answers", params={"format": "csv"})
    assert "'=HYPERLINK" in csv_r.text
    md = api.get(f"/api/v1/questions/{question_id}/answers", params={"format": "md"})
    assert "Learn SQL" in md.text
    assert api.get("/api/v1/questions/999999/answers").status_code == 404


def test_other_user_cannot_read_answers(api_client_for, other_user, setup, db):
    from app.questions.models import Question

    career, bank, interviews = setup
    question_id = db.query(Question).filter(Question.bank_id == bank.id).first().id
    career_id, interview_id = career.id, interviews[0].id
    db.rollback()
    mallory = api_client_for(other_user)
    assert mallory.get(f"/api/v1/careers/{career_id}/answers").status_code == 404
    r = mallory.get("/api/v1/interviews/answers", params={"interview_ids": interview_id})
    assert r.status_code == 404
    assert mallory.get(f"/api/v1/questions/{question_id}/answers").status_code == 404


def test_empty_matrix(db, user, make_career):
    career = make_career(user)
    _, matrix = answers_service.career_matrix(db, user, career.id)
    assert matrix.columns == [] and matrix.rows == []
    md = documents.matrix_markdown(matrix, "Empty", UTC)
    assert "No questions" in md
    assert documents.matrix_csv(matrix, UTC).startswith("Question,Category")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
    ],
)
def test_safe_cell(value, expected):
    assert documents.safe_cell(value) == expected
