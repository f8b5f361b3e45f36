"""The hot reads of an interview (its detail and its agenda) are rows encoded once: they must
answer exactly what the read models would, in a fixed number of statements."""

from __future__ import annotations

import re

import pytest

from app.auth import models as auth_models
from app.db import open_session
from app.interviews import service
from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.schemas import AgendaItemRead
from app.interviews.schemas import InterviewDetail, InterviewRead
from app.schemas import Page
from tests.statements import forget_credentials, recorded

WHEN = "2026-12-01T09:00:00+01:00"


@pytest.fixture
def busy_interview(api, user, make_contact):
    """A scheduled interview overlapping another, with links, promises and answered questions."""
    contact = make_contact(user, "Dana Reyes", organization="Acme")
    other = make_contact(user, "Sam Ode")
    body = {
        "contact_id": contact.id,
        "status": "scheduled",
        "scheduled_at": WHEN,
        "mode": "video",
        "location": "https://meet.example/abc",
        "research_links": [{"url": "https://example.org/a", "title": "Ünïcode ✓", "read_on": None}],
        "summary": 'Quotes " and \\ and\nnew lines',
        "usefulness": 4,
    }
    first = api.post("/api/v1/interviews", json=body)
    assert first.status_code == 201, first.text
    overlap = {"contact_id": other.id, "status": "scheduled", "scheduled_at": WHEN}
    assert api.post("/api/v1/interviews", json=overlap).status_code == 201
    interview_id = first.json()["id"]
    promise = api.post(
        f"/api/v1/interviews/{interview_id}/promises", json={"text": "Send the article", "by": "me"}
    )
    assert promise.status_code == 201, promise.text
    for text in ("What surprised you?", "Who else should I talk to?", "A typical week?"):
        added = api.post(f"/api/v1/interviews/{interview_id}/questions", json={"text": text})
        assert added.status_code == 201, added.text
    item_id = added.json()["id"]
    answered = api.patch(
        f"/api/v1/interviews/{interview_id}/questions/{item_id}",
        json={"answer_notes": "Mostly *meetings*", "asked": True},
    )
    assert answered.status_code == 200, answered.text
    return interview_id


def test_the_detail_is_what_the_read_model_writes(api, db, user, busy_interview):
    response = api.get(f"/api/v1/interviews/{busy_interview}")
    assert response.status_code == 200
    body = response.json()
    assert body["warnings"] and "Sam Ode" in body["warnings"][0]
    assert [item["text"] for item in body["agenda"]][-1] == "A typical week?"
    assert body["agenda"][-1]["asked"] is True and body["promises"][0]["text"] == "Send the article"
    # The bytes are the model's own serialisation, field for field and spelled the same way.
    model = InterviewDetail.model_validate_json(response.content)
    assert response.content == model.model_dump_json().encode()
    # ...and the same as the read model built from the ORM row.
    interview = service.get_interview(db, user, busy_interview)
    from_orm = InterviewDetail.model_validate(
        {
            **InterviewRead.model_validate(interview).model_dump(),
            "warnings": service.overlap_warnings(db, user, interview),
            "allowed_transitions": service.allowed_transitions(interview),
            "agenda": [
                AgendaItemRead.model_validate(item)
                for item in agenda_service.list_agenda(db, user, busy_interview)
            ],
        }
    )
    db.rollback()
    assert model == from_orm
    assert response.headers["etag"] == f'"v{body["version"]}"'
    # A write answers the same document.
    patched = api.patch(f"/api/v1/interviews/{busy_interview}", json={"takeaways": "Plenty"})
    assert patched.status_code == 200
    again = api.get(f"/api/v1/interviews/{busy_interview}")
    assert patched.content == again.content


def test_the_agenda_page_is_each_item_as_read_alone(api, busy_interview):
    listed = api.get(f"/api/v1/interviews/{busy_interview}/questions", params={"limit": 2})
    assert listed.status_code == 200
    page = Page[AgendaItemRead].model_validate_json(listed.content)
    assert listed.content == page.model_dump_json().encode()
    assert (page.total, page.limit, page.offset) == (3, 2, 0)
    assert 'rel="next"' in listed.headers["link"]
    for item in listed.json()["items"]:
        one = api.get(f"/api/v1/interviews/{busy_interview}/questions/{item['id']}")
        assert item == one.json()
    found = api.get(
        f"/api/v1/interviews/{busy_interview}/questions", params={"q": "meetings", "sort": "-id"}
    )
    assert [i["text"] for i in found.json()["items"]] == ["A typical week?"]
    assert found.json()["total"] == 1


def test_another_users_interview_is_not_found_on_both_reads(
    api_client_for, other_user, busy_interview
):
    mallory = api_client_for(other_user)
    for path in ("", "/questions", "/questions?q=week"):
        response = mallory.get(f"/api/v1/interviews/{busy_interview}{path}")
        assert response.status_code == 404, path
        assert "What surprised" not in response.text and "Dana" not in response.text


def test_the_reads_cost_a_fixed_number_of_statements(api, engine, busy_interview):
    api.get(f"/api/v1/interviews/{busy_interview}")  # the token's last-use write, if due
    forget_credentials()  # each count includes the token's lookup
    with recorded(engine) as seen:
        assert api.get(f"/api/v1/interviews/{busy_interview}").status_code == 200
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    # The token, the interview with its agenda as JSON (one statement), the overlapping
    # interviews and their contacts.
    assert len(reads) == 4, reads
    forget_credentials()
    with recorded(engine) as seen:
        listed = api.get(f"/api/v1/interviews/{busy_interview}/questions")
        assert listed.status_code == 200
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads  # the token; the page with its total and owner check
    # A page with no row carries no total: the owner check with the count answers it.
    forget_credentials()
    with recorded(engine) as seen:
        past = api.get(f"/api/v1/interviews/{busy_interview}/questions?offset=10")
        assert past.status_code == 200
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    # The page is one aggregate row, with its total, even without items.
    assert len(reads) == 2, reads


def test_a_page_without_rows_still_counts_the_agenda(api, user, make_contact, busy_interview):
    past = api.get(f"/api/v1/interviews/{busy_interview}/questions", params={"offset": 3})
    assert past.status_code == 200
    assert (past.json()["items"], past.json()["total"]) == ([], 3)
    missed = api.get(
        f"/api/v1/interviews/{busy_interview}/questions", params={"q": "nowhere", "limit": 1}
    )
    assert (missed.json()["items"], missed.json()["total"]) == ([], 0)
    found = api.get(
        f"/api/v1/interviews/{busy_interview}/questions", params={"q": "who", "limit": 1}
    )
    assert len(found.json()["items"]) == 1 and found.json()["total"] == 1
    empty = api.post("/api/v1/interviews", json={"contact_id": make_contact(user, "Lee Park").id})
    listed = api.get(f"/api/v1/interviews/{empty.json()['id']}/questions")
    assert listed.status_code == 200
    assert (listed.json()["items"], listed.json()["total"]) == ([], 0)
    assert api.get("/api/v1/interviews/999999/questions").status_code == 404


def test_the_reads_begin_no_transaction_and_read_the_interview_first(
    api, engine, busy_interview, monkeypatch
):
    # Neither read needs a common snapshot (interview_read, agenda_read_page): on SQLite no
    # BEGIN (and so no ROLLBACK) goes with them, as PostgreSQL's reads run in autocommit.
    # The token comes from this worker's memory, as on most reads (RecentRows): a lookup's
    # own statement would begin the read transaction the handler then goes on with.
    monkeypatch.setattr(auth_models, "clock", lambda: 1000.0)  # the kept row stays good
    api.get(f"/api/v1/interviews/{busy_interview}")  # the last-use write, if due; keeps the row
    with recorded(engine) as seen:
        assert api.get(f"/api/v1/interviews/{busy_interview}").status_code == 200
    assert not [s for s in seen if s.lstrip().upper().startswith("BEGIN")], seen
    # The interview (its version, the ETag) is read in the same statement as its agenda (or,
    # for a time SQLite holds in another form, before it), so the ETag is never newer than
    # the agenda it goes with: an If-Match on a torn answer is a 412.
    tables = [set(re.findall(r"\bFROM (interview\w*)\b", s)) for s in seen]
    first = {
        name: next(i for i, read in enumerate(tables) if name in read)
        for name in ("interviews", "interview_questions")
    }
    assert first["interviews"] <= first["interview_questions"], seen
    with recorded(engine) as seen:
        assert api.get(f"/api/v1/interviews/{busy_interview}/questions").status_code == 200
        assert (
            api.get(f"/api/v1/interviews/{busy_interview}/questions?offset=10").status_code == 200
        )
    assert not [s for s in seen if s.lstrip().upper().startswith("BEGIN")], seen


def test_a_reorder_between_the_two_reads_makes_the_stale_etag_a_412(
    api, engine, busy_interview, monkeypatch
):
    # Without a common snapshot a reorder may land right after the interview's row is read,
    # which holds its agenda too: the answer is the older version with the older order (were
    # the agenda's rows read after the row, as for a time SQLite holds in another form, the
    # older version with the newer order). A write made on it is refused.
    overlap_warnings = service.overlap_warnings
    items = api.get(f"/api/v1/interviews/{busy_interview}/questions").json()["items"]
    ids = [item["id"] for item in items]

    def reorder_then_warn(session, owner, interview):
        with open_session(engine, write=True) as other:
            agenda_service.reorder_agenda(other, owner, interview.id, list(reversed(ids)))
        return overlap_warnings(session, owner, interview)

    monkeypatch.setattr(service, "overlap_warnings", reorder_then_warn)
    torn = api.get(f"/api/v1/interviews/{busy_interview}")
    monkeypatch.undo()
    assert torn.status_code == 200
    assert [item["id"] for item in torn.json()["agenda"]] == ids
    stale = api.put(
        f"/api/v1/interviews/{busy_interview}/questions/order",
        json={"item_ids": ids},
        headers={"If-Match": torn.headers["ETag"]},
    )
    assert stale.status_code == 412, stale.text
