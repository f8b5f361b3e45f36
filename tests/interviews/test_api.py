"""The /api/v1 interview routes: CRUD, conventions, transitions, agenda and invalid input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.interviews.models import Interview
from app.questions.models import Question

WHEN = "2026-12-01T09:00:00+01:00"


@pytest.fixture
def contact(user, make_contact):
    return make_contact(user, "Dana Reyes", organization="Acme")


@pytest.fixture
def created(api, contact):
    r = api.post("/api/v1/interviews", json={"contact_id": contact.id})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_and_read(api, contact):
    r = api.post(
        "/api/v1/interviews",
        json={
            "contact_id": contact.id,
            "status": "scheduled",
            "scheduled_at": WHEN,
            "mode": "video",
            "location": "https://meet.example/abc",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"].endswith(f"/api/v1/interviews/{body['id']}")
    assert r.headers["etag"] == '"v1"'
    assert body["scheduled_at"] == "2026-12-01T08:00:00Z"
    assert body["duration_minutes"] == 30
    assert body["purpose"].startswith("Learn about the career")
    assert body["preparation_score"] == 0
    assert body["warnings"] == []
    assert set(body["allowed_transitions"]) == {"completed", "cancelled", "no_show"}
    got = api.get(f"/api/v1/interviews/{body['id']}")
    assert got.status_code == 200 and got.headers["etag"] == '"v1"'
    assert len(got.json()["checklist"]) == 6


def test_naive_time_is_refused(api, contact):
    r = api.post(
        "/api/v1/interviews", json={"contact_id": contact.id, "scheduled_at": "2026-12-01T09:00"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "scheduled_at"


def test_patch_with_if_match(api, created):
    url = f"/api/v1/interviews/{created['id']}"
    r = api.patch(url, json={"summary": "Good"}, headers={"If-Match": '"v1"'})
    assert r.status_code == 200 and r.json()["summary"] == "Good"
    assert r.headers["etag"] == '"v2"'
    stale = api.patch(url, json={"summary": "Lost"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert api.get(url).json()["summary"] == "Good"


def test_checklist_through_patch_updates_score(api, created):
    url = f"/api/v1/interviews/{created['id']}"
    checklist = [{**item, "done": True} for item in created["checklist"][:3]]
    checklist += created["checklist"][3:]
    checklist.append({"label": "Practise intro"})
    r = api.patch(url, json={"checklist": checklist})
    assert r.status_code == 200
    assert r.json()["preparation_score"] == 43
    assert r.json()["checklist"][-1]["key"] == "own-1"


def test_idempotent_create(api, contact):
    headers = {"Idempotency-Key": "abc-1"}
    one = api.post("/api/v1/interviews", json={"contact_id": contact.id}, headers=headers)
    two = api.post("/api/v1/interviews", json={"contact_id": contact.id}, headers=headers)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] == two.json()["id"]
    assert two.headers.get("idempotent-replayed") == "true"
    other = api.post(
        "/api/v1/interviews", json={"contact_id": contact.id, "location": "x"}, headers=headers
    )
    assert other.status_code == 422


def test_delete(api, created):
    url = f"/api/v1/interviews/{created['id']}"
    assert api.delete(url, headers={"If-Match": '"v9"'}).status_code == 412
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_status_transitions(api, created):
    url = f"/api/v1/interviews/{created['id']}/status"
    r = api.post(url, json={"status": "completed"})
    assert r.status_code == 409
    assert "cannot become completed" in r.json()["detail"]
    r = api.post(url, json={"status": "scheduled"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scheduled_at"
    r = api.post(url, json={"status": "scheduled", "scheduled_at": WHEN})
    assert r.status_code == 200 and r.json()["status"] == "scheduled"
    r = api.post(url, json={"status": "completed"}, headers={"If-Match": '"v1"'})
    assert r.status_code == 412
    r = api.post(url, json={"status": "completed"})
    assert r.status_code == 200
    assert r.json()["allowed_transitions"] == []
    assert api.post(url, json={"status": "bogus"}).status_code == 422


def test_completing_through_the_api_never_dates_the_future(api, created):
    """Issue 11: WHEN is ahead; completing now records it as held now, and a future
    held_at is refused with a message naming the field."""
    url = f"/api/v1/interviews/{created['id']}/status"
    assert api.post(url, json={"status": "scheduled", "scheduled_at": WHEN}).status_code == 200
    ahead = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    refused = api.post(url, json={"status": "completed", "held_at": ahead})
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "held_at",
        "message": "Held on must not be in the future: record it once it has taken place.",
    }
    done = api.post(url, json={"status": "completed"})
    assert done.status_code == 200
    held = datetime.fromisoformat(done.json()["scheduled_at"])
    assert held <= datetime.now(UTC)
    contact = api.get(f"/api/v1/contacts/{created['contact_id']}").json()
    assert datetime.fromisoformat(contact["last_contacted_at"]) <= datetime.now(UTC)
    assert contact["stage"] == "met"


def test_overlap_warning_in_response(api, contact, make_contact, user):
    first = api.post(
        "/api/v1/interviews",
        json={"contact_id": contact.id, "status": "scheduled", "scheduled_at": WHEN},
    )
    assert first.json()["warnings"] == []
    sam = make_contact(user, "Sam Lee")
    second = api.post(
        "/api/v1/interviews",
        json={
            "contact_id": sam.id,
            "status": "scheduled",
            "scheduled_at": "2026-12-01T08:15:00Z",
        },
    )
    assert second.status_code == 201
    assert len(second.json()["warnings"]) == 1
    assert "Dana Reyes" in second.json()["warnings"][0]


def test_list_filters_paging_and_sort(api, contact, make_contact, user):
    ids = []
    for n in range(3):
        r = api.post(
            "/api/v1/interviews",
            json={
                "contact_id": contact.id,
                "status": "scheduled",
                "scheduled_at": f"2026-12-0{n + 1}T09:00:00Z",
            },
        )
        ids.append(r.json()["id"])
    api.post("/api/v1/interviews", json={"contact_id": make_contact(user, "Sam").id})
    r = api.get("/api/v1/interviews", params={"status": "scheduled", "sort": "scheduled_at"})
    assert [i["id"] for i in r.json()["items"]] == ids
    r = api.get("/api/v1/interviews", params={"limit": 2, "sort": "-scheduled_at"})
    body = r.json()
    assert body["total"] == 4 and len(body["items"]) == 2
    assert 'rel="next"' in r.headers["link"]
    r = api.get(
        "/api/v1/interviews",
        params={
            "scheduled_from": "2026-12-02T00:00:00Z",
            "scheduled_to": "2026-12-03T00:00:00Z",
        },
    )
    assert [i["id"] for i in r.json()["items"]] == [ids[1]]
    r = api.get("/api/v1/interviews", params={"status": ["planned", "completed"]})
    assert r.json()["total"] == 1
    r = api.get("/api/v1/interviews", params={"contact_id": contact.id})
    assert r.json()["total"] == 3
    r = api.get("/api/v1/interviews", params={"q": "sam"})
    assert r.json()["total"] == 1
    assert api.get("/api/v1/interviews", params={"sort": "nope"}).status_code == 400
    assert api.get("/api/v1/interviews", params={"colour": "red"}).status_code == 400
    r = api.get("/api/v1/interviews", params={"scheduled_from": "2026-12-01T00:00"})
    assert r.status_code == 422


BAD_FIELDS = [
    ("contact_id", None),
    ("contact_id", 0),
    ("contact_id", 2**31),
    ("contact_id", "abc"),
    ("career_id", -1),
    ("status", "completed"),
    ("status", "weird"),
    ("requested_at", "yesterday"),
    ("scheduled_at", "2026-12-01T09:00:00"),
    ("scheduled_at", "9999-12-31T23:59:59-23:59"),
    ("duration_minutes", 4),
    ("duration_minutes", 601),
    ("duration_minutes", 10**30),
    ("mode", "carrier pigeon"),
    ("location", "x" * 2001),
    ("location", "nul\x00byte"),
    ("purpose", "x" * 2001),
    ("checklist", [{"label": ""}]),
    ("checklist", [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}]),
    ("checklist", [{"key": "BAD KEY", "label": "x"}]),
    ("checklist", "nope"),
    ("research_links", [{"url": "javascript:alert(1)"}]),
    ("research_links", [{"url": "https://ok.example", "read_on": "not a date"}]),
    ("summary", "x" * 50_001),
    ("takeaways", 5),
    ("usefulness", 0),
    ("usefulness", 6),
    ("confidence", 7),
    ("unknown_field", 1),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_invalid_create_input_names_the_field(api, contact, db, field, value):
    body = {"contact_id": contact.id, field: value}
    r = api.post("/api/v1/interviews", json=body)
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert any(f.split(".")[0] == field for f in fields), fields
    assert db.query(Interview).count() == 0


PATCH_BAD = [
    ("contact_id", None),
    ("duration_minutes", None),
    ("summary", None),
    ("usefulness", 9),
    ("promises", [{"text": "", "by": "me"}]),
    ("promises", [{"text": "x", "by": "someone"}]),
    ("status", "completed"),
]


@pytest.mark.parametrize(("field", "value"), PATCH_BAD)
def test_invalid_patch_input(api, created, field, value):
    url = f"/api/v1/interviews/{created['id']}"
    r = api.patch(url, json={field: value})
    assert r.status_code == 422, r.text
    assert any(e["field"].split(".")[0] == field for e in r.json()["errors"])
    assert api.get(url).json()["version"] == 1


def test_patch_clears_optional_fields(api, created, make_career, user):
    career = make_career(user)
    url = f"/api/v1/interviews/{created['id']}"
    r = api.patch(url, json={"career_id": career.id, "usefulness": 4, "mode": "phone"})
    assert r.json()["career_id"] == career.id
    r = api.patch(url, json={"career_id": None, "usefulness": None, "mode": None})
    assert (r.json()["career_id"], r.json()["usefulness"], r.json()["mode"]) == (None, None, None)


def test_referral_and_promise_capture(api, created, contact):
    url = f"/api/v1/interviews/{created['id']}"
    r = api.post(f"{url}/referrals", json={"full_name": "Kim Park", "note": "data lead"})
    assert r.status_code == 201, r.text
    assert r.json()["introduced_by_id"] == contact.id
    assert r.headers["location"] == f"/api/v1/contacts/{r.json()['contact_id']}"
    assert api.post(f"{url}/referrals", json={"full_name": ""}).status_code == 422
    r = api.post(f"{url}/promises", json={"text": "Send my resume", "by": "me"})
    assert r.status_code == 201 and r.json()["promises"][0]["text"] == "Send my resume"
    assert api.post(f"{url}/promises", json={"text": "x", "by": "x"}).status_code == 422


# ---- agenda ---------------------------------------------------------------------------


def test_agenda_crud_and_order(api, created, make_bank, user):
    base = f"/api/v1/interviews/{created['id']}/questions"
    bank = make_bank(user)
    r = api.post(f"{base}/from-bank", json={"bank_id": bank.id})
    assert r.status_code == 201 and len(r.json()["added"]) == 3
    r = api.post(f"{base}/from-bank", json={"bank_id": bank.id, "category": "trends"})
    assert r.json() == {"added": [], "skipped_duplicates": 1}
    r = api.post(base, json={"text": "What is a typical day?", "category": "everyday_work"})
    assert r.status_code == 201
    free = r.json()
    assert free["source_question_id"] is None and r.headers["location"].endswith(str(free["id"]))
    listing = api.get(base)
    items = listing.json()["items"]
    assert [i["position"] for i in items] == [0, 1, 2, 3]
    ids = [i["id"] for i in items]
    etag = api.get(f"/api/v1/interviews/{created['id']}").headers["etag"]
    r = api.put(f"{base}/order", json={"item_ids": ids[::-1]}, headers={"If-Match": etag})
    assert r.status_code == 200
    assert [i["id"] for i in r.json()] == ids[::-1]
    assert r.headers["etag"] != etag
    assert (
        api.put(f"{base}/order", json={"item_ids": ids}, headers={"If-Match": etag}).status_code
        == 412
    )
    for bad in (ids[:-1], [*ids, 123456], [*ids[:-1], ids[0]]):
        r = api.put(f"{base}/order", json={"item_ids": bad})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "item_ids"
    assert [i["id"] for i in api.get(base).json()["items"]] == ids[::-1]
    r = api.get(base, params={"q": "typical"})
    assert r.json()["total"] == 1
    assert api.get(base, params={"sort": "text"}).status_code == 400
    item_url = f"{base}/{free['id']}"
    assert api.delete(item_url, headers={"If-Match": '"v99"'}).status_code == 412
    assert api.delete(item_url).status_code == 204
    assert api.get(item_url).status_code == 404


def test_agenda_from_source_question(api, created, make_bank, user, db):
    bank = make_bank(user)
    q = db.query(Question).filter(Question.bank_id == bank.id).first()
    expected = (q.id, q.text, q.category)
    db.rollback()  # release SQLite's write lock before the app writes
    base = f"/api/v1/interviews/{created['id']}/questions"
    r = api.post(base, json={"source_question_id": expected[0]})
    assert r.status_code == 201
    assert (r.json()["text"], r.json()["category"]) == expected[1:]
    r = api.post(base, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "text"


def test_notes_if_match_conflict(api, created):
    base = f"/api/v1/interviews/{created['id']}/questions"
    item = api.post(base, json={"text": "Q"}).json()
    url = f"{base}/{item['id']}"
    etag = api.get(url).headers["etag"]
    first = api.patch(url, json={"answer_notes": "tab one"}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.json()["version"] == 2
    second = api.patch(url, json={"answer_notes": "tab two"}, headers={"If-Match": etag})
    assert second.status_code == 412
    assert second.json()["current_version"] == 2
    assert api.get(url).json()["answer_notes"] == "tab one"
    r = api.patch(url, json={"asked": True}, headers={"If-Match": first.headers["etag"]})
    assert r.status_code == 200 and r.json()["asked"] is True


AGENDA_BAD = [
    ("text", ""),
    ("text", "x" * 1001),
    ("text", "two\nlines"),
    ("category", "gossip"),
    ("source_question_id", 0),
    ("source_question_id", 2**40),
]


@pytest.mark.parametrize(("field", "value"), AGENDA_BAD)
def test_invalid_agenda_input(api, created, field, value):
    base = f"/api/v1/interviews/{created['id']}/questions"
    body = {"text": "ok", field: value}
    r = api.post(base, json=body)
    assert r.status_code == 422
    assert any(e["field"] == field for e in r.json()["errors"])
    assert api.get(base).json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"answer_notes": None},
        {"answer_notes": "x" * 50_001},
        {"asked": "perhaps"},
        {"position": 3},
        {"answer_notes": "a\x00b"},
    ],
)
def test_invalid_agenda_patch(api, created, body):
    base = f"/api/v1/interviews/{created['id']}/questions"
    item = api.post(base, json={"text": "Q"}).json()
    r = api.patch(f"{base}/{item['id']}", json=body)
    assert r.status_code == 422
    assert api.get(f"{base}/{item['id']}").json()["version"] == 1


def test_bulk_add_invalid(api, created, make_bank, user):
    base = f"/api/v1/interviews/{created['id']}/questions/from-bank"
    bank = make_bank(user)
    for body, field in (
        ({"bank_id": 999999}, "bank_id"),
        ({"bank_id": bank.id, "category": "nope"}, "category"),
        ({"bank_id": bank.id, "question_ids": [999999]}, "question_ids"),
        ({"bank_id": bank.id, "question_ids": [0]}, "question_ids.0"),
        # An empty choice used to answer 201 with nothing added; the pages refused it.
        ({"bank_id": bank.id, "question_ids": []}, "question_ids"),
    ):
        r = api.post(base, json=body)
        assert r.status_code == 422, body
        assert r.json()["errors"][0]["field"] == field


def test_notes_as_markdown(api, created):
    base = f"/api/v1/interviews/{created['id']}"
    item = api.post(f"{base}/questions", json={"text": "What | surprised you?"}).json()
    api.patch(f"{base}/questions/{item['id']}", json={"answer_notes": "The *pace*."})
    api.patch(base, json={"summary": "Useful", "takeaways": "- learn SQL"})
    api.post(f"{base}/promises", json={"text": "Send article", "by": "them"})
    for r in (api.get(f"{base}/notes.md"), api.get(base, params={"format": "md"})):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/markdown")
        text = r.text
        assert text.startswith("# Interview with Dana Reyes")
        assert "### 1. What \\| surprised you?" in text
        assert "The *pace*." in text
        assert "## Takeaways" in text and "- learn SQL" in text
        assert "- [ ] They: Send article" in text
    assert api.get(base, params={"format": "pdf"}).status_code == 422


def test_interview_detail_embeds_the_agenda_with_answers(api, db, user):
    """GET /interviews/{id} carries the agenda in order with its notes (one request)."""
    contact = api.post("/api/v1/contacts", json={"full_name": "Agenda Person"}).json()
    interview = api.post("/api/v1/interviews", json={"contact_id": contact["id"]}).json()
    first = api.post(
        f"/api/v1/interviews/{interview['id']}/questions", json={"text": "First question?"}
    ).json()
    api.post(f"/api/v1/interviews/{interview['id']}/questions", json={"text": "Second?"})
    api.patch(
        f"/api/v1/interviews/{interview['id']}/questions/{first['id']}",
        json={"answer_notes": "An answer"},
        headers={"If-Match": f'"v{first["version"]}"'},
    )
    detail = api.get(f"/api/v1/interviews/{interview['id']}").json()
    assert [item["text"] for item in detail["agenda"]] == ["First question?", "Second?"]
    assert detail["agenda"][0]["answer_notes"] == "An answer"
