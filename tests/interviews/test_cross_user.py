"""Another user's ids: every interview route answers 404 and nothing changes; another user's
contact, career or bank named in a body is refused (422 naming the field)."""

from __future__ import annotations

import pytest

from app.interviews.agenda import service as agenda_service
from app.interviews.agenda.schemas import AgendaItemCreate


@pytest.fixture
def victim(db, user, make_interview, make_career, make_bank, make_contact):
    career = make_career(user)
    contact = make_contact(user, "Dana Reyes")
    interview = make_interview(user, contact, career_id=career.id)
    item = agenda_service.add_agenda_item(db, user, interview.id, AgendaItemCreate(text="Q"))
    bank = make_bank(user)
    return {
        "interview": interview.id,
        "item": item.id,
        "career": career.id,
        "contact": contact.id,
        "bank": bank.id,
        "version": interview.version,
    }


def _state(api, ids):
    interview = api.get(f"/api/v1/interviews/{ids['interview']}").json()
    agenda = api.get(f"/api/v1/interviews/{ids['interview']}/questions").json()
    return interview, agenda


def test_api_routes_are_404_for_another_user(api, api_client_for, other_user, victim):
    before = _state(api, victim)
    mallory = api_client_for(other_user)
    iv, item = victim["interview"], victim["item"]
    base = f"/api/v1/interviews/{iv}"
    calls = [
        ("GET", base, None),
        ("GET", f"{base}?format=md", None),
        ("GET", f"{base}/notes.md", None),
        ("PATCH", base, {"summary": "pwned"}),
        ("DELETE", base, None),
        ("POST", f"{base}/status", {"status": "cancelled"}),
        ("POST", f"{base}/referrals", {"full_name": "Spy"}),
        ("POST", f"{base}/promises", {"text": "x", "by": "me"}),
        ("GET", f"{base}/questions", None),
        ("POST", f"{base}/questions", {"text": "Injected"}),
        ("POST", f"{base}/questions/from-bank", {"bank_id": victim["bank"]}),
        ("PUT", f"{base}/questions/order", {"item_ids": [item]}),
        ("GET", f"{base}/questions/{item}", None),
        ("PATCH", f"{base}/questions/{item}", {"answer_notes": "pwned"}),
        ("DELETE", f"{base}/questions/{item}", None),
        ("GET", f"/api/v1/interviews/answers?interview_ids={iv}", None),
        ("GET", f"/api/v1/careers/{victim['career']}/answers", None),
    ]
    for method, url, body in calls:
        r = mallory.request(method, url, json=body)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert _state(api, victim) == before
    assert mallory.get("/api/v1/interviews").json()["total"] == 0


def test_foreign_references_in_bodies_are_refused(
    api_client_for, other_user, victim, make_contact, db
):
    own_contact = make_contact(other_user, "Mallory's friend").id
    mallory = api_client_for(other_user)
    r = mallory.post("/api/v1/interviews", json={"contact_id": victim["contact"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contact_id"
    r = mallory.post(
        "/api/v1/interviews", json={"contact_id": own_contact, "career_id": victim["career"]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "career_id"
    assert mallory.get("/api/v1/interviews").json()["total"] == 0
    mine = mallory.post("/api/v1/interviews", json={"contact_id": own_contact}).json()
    url = f"/api/v1/interviews/{mine['id']}"
    for body, field in (
        ({"contact_id": victim["contact"]}, "contact_id"),
        ({"career_id": victim["career"]}, "career_id"),
    ):
        r = mallory.patch(url, json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    r = mallory.post(f"{url}/questions/from-bank", json={"bank_id": victim["bank"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "bank_id"
    after = mallory.get(url).json()
    assert after["version"] == 1 and after["contact_id"] == own_contact
    assert mallory.get(f"{url}/questions").json()["total"] == 0


def test_pages_are_404_for_another_user(web, web_client_for, other_user, victim):
    mallory = web_client_for(other_user)
    iv, item = victim["interview"], victim["item"]
    gets = [
        f"/interviews/{iv}",
        f"/interviews/{iv}/edit",
        f"/interviews/{iv}/run",
        f"/interviews/{iv}/sheet",
        f"/interviews/{iv}/agenda/{item}/edit",
        f"/interviews/{iv}/run/items/{item}",
        f"/interviews/compare?ids={iv}",
        f"/careers/{victim['career']}/answers",
    ]
    for url in gets:
        r = mallory.get(url)
        assert r.status_code in (404, 422), (url, r.status_code)
        if "compare" not in url:
            assert r.status_code == 404, url
    posts = [
        (f"/interviews/{iv}/edit", {"contact_id": victim["contact"], "location": "x"}),
        (f"/interviews/{iv}/status", {"status": "cancelled"}),
        (f"/interviews/{iv}/delete", {}),
        (f"/interviews/{iv}/checklist", {"done": "profession"}),
        (f"/interviews/{iv}/checklist/add", {"label": "x"}),
        (f"/interviews/{iv}/checklist/profession/delete", {}),
        (f"/interviews/{iv}/links", {"url": "https://x.example"}),
        (f"/interviews/{iv}/agenda", {"text": "Injected"}),
        (f"/interviews/{iv}/agenda/bank", {"bank_id": victim["bank"]}),
        (f"/interviews/{iv}/agenda/{item}/move", {"direction": "up"}),
        (f"/interviews/{iv}/agenda/{item}/delete", {}),
        (f"/interviews/{iv}/agenda/{item}/edit", {"text": "x", "version": "1"}),
        (f"/interviews/{iv}/agenda/{item}/notes", {"answer_notes": "pwned", "version": "1"}),
        (f"/interviews/{iv}/referrals", {"full_name": "Spy"}),
        (f"/interviews/{iv}/promises", {"text": "x"}),
    ]
    for url, data in posts:
        r = mallory.form_post(url, data)
        assert r.status_code == 404, (url, r.status_code)
    page = web.get(f"/interviews/{iv}")
    assert page.status_code == 200
    assert "Injected" not in page.text and "pwned" not in page.text
