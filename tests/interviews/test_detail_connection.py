"""On SQLite an interview's read, and its agenda's page, outside a transaction go on a
connection of their own (app.db.statement_connection); inside one they see its writes."""

from __future__ import annotations

from app.db import open_session
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.schemas import InterviewCreate
from tests.statements import recorded


def test_a_read_outside_a_transaction_begins_none(api, engine, user, make_contact):
    created = api.post("/api/v1/interviews", json={"contact_id": make_contact(user, "Kim Lo").id})
    assert created.status_code == 201, created.text
    interview_id = created.json()["id"]
    added = api.post(f"/api/v1/interviews/{interview_id}/questions", json={"text": "Why?"})
    assert added.status_code == 201, added.text
    with open_session(engine) as session, recorded(engine) as seen:
        read = service.interview_read(session, user, interview_id)
        page = agenda_service.agenda_read_page(session, user, interview_id)
        # SQLite leaves the session without a transaction; PostgreSQL's reads run in one
        # that sends no BEGIN (AUTOCOMMIT_READS).
        assert engine.dialect.name != "sqlite" or not session.in_transaction()
    assert not [s for s in seen if s.lstrip().upper().startswith("BEGIN")], seen
    assert (read["id"], read["warnings"], read["status"]) == (interview_id, [], "planned")
    assert page.total == 1


def test_a_read_inside_a_write_sees_the_write(db, user, make_contact):
    contact = make_contact(user, "Ann Dee")
    created = service.create_interview(db, user, InterviewCreate(contact_id=contact.id)).id
    assert created is not None
    interview = service.get_interview(db, user, created)  # begins the session's write
    interview.purpose = "Not committed yet"
    db.add(interview)
    db.flush()
    assert service.interview_read(db, user, created)["purpose"] == "Not committed yet"
    db.rollback()
