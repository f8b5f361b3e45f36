"""The interview's detail and its agenda pages carry the agenda as JSON that the database
writes itself (app.interviews.agenda.service, app.dbjson), on both databases: it must be
exactly the bytes the read models write, whatever the text, the times and the flags hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.agenda.schemas import AgendaItemRead
from app.interviews.schemas import InterviewDetail, InterviewRead
from app.questions.models import Question
from app.schemas import Page
from tests.statements import forget_credentials, recorded

TEXTS = (
    "What surprised you?",
    'Quotes " and \\ backslashes \\" mixed',
    "Ünïcode ✓ 🚀 日本語 \u2028 \x7f",
    "Controls \x01 and \x1f inside",
)
NOTES = 'Notes ✓ "quoted"\n\ttabbed \x1f\r\n\b\f end \\'


@pytest.fixture
def varied_interview(api, db, user, make_contact, make_bank):
    """An interview whose agenda holds awkward text, both flags, a bank question and a free
    one, and times with and without a fraction of a second."""
    contact = make_contact(user, "Zoë Ångström")
    created = api.post("/api/v1/interviews", json={"contact_id": contact.id})
    assert created.status_code == 201, created.text
    interview_id = created.json()["id"]
    bank = make_bank(user, [("From the bank?", "advice")])
    question_id = db.scalar(select(Question.id).where(Question.bank_id == bank.id))
    db.rollback()  # the test session's read ends before the API writes
    added = api.post(
        f"/api/v1/interviews/{interview_id}/questions", json={"source_question_id": question_id}
    )
    assert added.status_code == 201, added.text
    ids = []
    for text in TEXTS:
        added = api.post(f"/api/v1/interviews/{interview_id}/questions", json={"text": text})
        assert added.status_code == 201, added.text
        ids.append(added.json()["id"])
    patched = api.patch(
        f"/api/v1/interviews/{interview_id}/questions/{ids[1]}",
        json={"answer_notes": NOTES, "asked": True},
    )
    assert patched.status_code == 200, patched.text
    skipped = api.patch(
        f"/api/v1/interviews/{interview_id}/questions/{ids[2]}", json={"skipped": True}
    )
    assert skipped.status_code == 200, skipped.text
    # A time on a whole second: the model writes it with no fraction.
    whole = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    db.execute(
        update(InterviewQuestion).where(InterviewQuestion.id == ids[0]).values(created_at=whole)
    )
    db.commit()
    return interview_id


def _model_detail(db, user, interview_id: int) -> bytes:
    """The detail as the read models write it, built from the ORM rows."""
    interview = service.get_interview(db, user, interview_id)
    model = InterviewDetail.model_validate(
        {
            **InterviewRead.model_validate(interview).model_dump(),
            "warnings": service.overlap_warnings(db, user, interview),
            "allowed_transitions": service.allowed_transitions(interview),
            "agenda": [
                AgendaItemRead.model_validate(item)
                for item in agenda_service.list_agenda(db, user, interview_id)
            ],
        }
    )
    db.rollback()
    return model.model_dump_json().encode()


def test_the_detail_is_the_models_bytes_whatever_the_agenda_holds(api, db, user, varied_interview):
    response = api.get(f"/api/v1/interviews/{varied_interview}")
    assert response.status_code == 200
    assert response.content == _model_detail(db, user, varied_interview)
    agenda = response.json()["agenda"]
    assert agenda[1]["created_at"] == "2026-03-04T05:06:07Z"
    assert agenda[0]["source_question_id"] is not None and agenda[1]["source_question_id"] is None
    assert (agenda[2]["asked"], agenda[2]["answer_notes"], agenda[3]["skipped"]) == (
        True,
        NOTES,
        True,
    )
    assert [item["text"] for item in agenda[1:]] == list(TEXTS)


def test_each_agenda_page_is_the_models_bytes(api, db, user, varied_interview):
    whole = agenda_service.list_agenda(db, user, varied_interview)
    db.rollback()
    assert len(whole) == 5
    for params in (
        {},
        {"limit": 2},
        {"limit": 2, "offset": 3},
        {"offset": 10},
        {"sort": "-id"},
        {"sort": "category,-updated_at", "limit": 3},
        {"q": "ünïcode"},
        {"q": "quoted", "sort": "-position"},
        {"q": "nowhere"},
    ):
        listed = api.get(f"/api/v1/interviews/{varied_interview}/questions", params=params)
        assert listed.status_code == 200, params
        page = Page[AgendaItemRead].model_validate_json(listed.content)
        assert listed.content == page.model_dump_json().encode(), params
        for item in page.items:
            one = next(i for i in whole if i.id == item.id)
            assert item == AgendaItemRead.model_validate(one), params
    assert api.get(f"/api/v1/interviews/{varied_interview}/questions?sort=nope").status_code == 400


def test_an_empty_agenda_and_someone_elses_interview(
    api, api_client_for, other_user, user, make_contact, varied_interview
):
    empty = api.post("/api/v1/interviews", json={"contact_id": make_contact(user, "Lee Park").id})
    empty_id = empty.json()["id"]
    assert api.get(f"/api/v1/interviews/{empty_id}").json()["agenda"] == []
    listed = api.get(f"/api/v1/interviews/{empty_id}/questions")
    assert listed.content == b'{"items":[],"total":0,"limit":50,"offset":0}'
    mallory = api_client_for(other_user)
    for path in ("", "/questions", "/questions?offset=10", "/questions?q=what"):
        assert mallory.get(f"/api/v1/interviews/{varied_interview}{path}").status_code == 404
        assert mallory.get(f"/api/v1/interviews/{empty_id}{path}").status_code == 404


def test_a_time_stored_in_another_form_is_read_from_the_rows(
    api, db, engine, user, varied_interview
):
    # A row written by hand (another tool, an old writer): SQLite only spells the form
    # SQLAlchemy stores, so such an agenda is read as rows, with the same bytes; PostgreSQL
    # spells any time, in the same one statement.
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:  # a shorter fraction than SQLAlchemy's six digits
        db.connection().exec_driver_sql(
            "UPDATE interview_questions SET updated_at = '2026-05-06 07:08:09.5'"
            " WHERE interview_id = ?",
            (varied_interview,),
        )
    else:
        db.execute(
            update(InterviewQuestion)
            .where(InterviewQuestion.interview_id == varied_interview)
            .values(updated_at=datetime(2026, 5, 6, 7, 8, 9, 500000, tzinfo=UTC))
        )
    db.commit()
    api.get(f"/api/v1/interviews/{varied_interview}")  # the token's last-use write, if due
    forget_credentials()
    with recorded(engine) as seen:
        response = api.get(f"/api/v1/interviews/{varied_interview}")
    assert response.status_code == 200
    assert response.content == _model_detail(db, user, varied_interview)
    assert response.json()["agenda"][0]["updated_at"] == "2026-05-06T07:08:09.500000Z"
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    # The token, the interview and (SQLite) its agenda's rows.
    assert len(reads) == (3 if sqlite else 2), reads
    listed = api.get(f"/api/v1/interviews/{varied_interview}/questions", params={"limit": 2})
    assert listed.status_code == 200
    page = Page[AgendaItemRead].model_validate_json(listed.content)
    assert listed.content == page.model_dump_json().encode()
    assert page.items[0].updated_at == datetime(2026, 5, 6, 7, 8, 9, 500000, tzinfo=UTC)
    assert page.total == 5
