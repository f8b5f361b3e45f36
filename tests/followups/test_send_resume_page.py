"""Marking a "send resume" task done on its page asks which version went and records it."""

from __future__ import annotations

from datetime import UTC, datetime

from bs4 import BeautifulSoup

from tests.resumes.conftest import PDF_BYTES, upload


def _task(api, contact_id: int) -> dict:
    due = datetime(2026, 11, 20, 15, 0, tzinfo=UTC).isoformat()
    response = api.post(
        "/api/v1/follow-ups", json={"contact_id": contact_id, "kind": "send_resume", "due_at": due}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_done_form_picks_the_version_and_the_contact_page_shows_it(api, web):
    older = upload(api, PDF_BYTES, "old.pdf", label="General").json()
    newer = upload(api, PDF_BYTES, "data.pdf", label="Data roles").json()
    contact = api.post("/api/v1/contacts", json={"full_name": "Rachel Carson"}).json()
    task = _task(api, contact["id"])
    page = BeautifulSoup(web.get(f"/follow-ups/{task['id']}").text, "html.parser")
    choice = page.find("select", attrs={"name": "resume_id"})
    options = [(o["value"], o.get_text()) for o in choice.find_all("option")]
    assert options[0] == ("", "Not recorded")
    assert {v for v, _ in options[1:]} == {str(older["id"]), str(newer["id"])}
    assert choice.find("option", selected=True)["value"] == str(newer["id"])
    done = web.form_post(
        f"/follow-ups/{task['id']}/done",
        {"version": str(task["version"]), "resume_id": str(older["id"])},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/contacts/{contact['id']}"
    shared = BeautifulSoup(web.get(f"/contacts/{contact['id']}").text, "html.parser")
    section = shared.find("section", id="resumes-shared")
    assert [a.get_text() for a in section.find_all("a")] == ["General"]


def test_a_damaged_choice_rerenders_with_the_error(api, web):
    contact = api.post("/api/v1/contacts", json={"full_name": "Rachel Carson"}).json()
    upload(api, PDF_BYTES, "cv.pdf")
    task = _task(api, contact["id"])
    response = web.form_post(
        f"/follow-ups/{task['id']}/done",
        {"version": str(task["version"]), "resume_id": "999999", "summary": "Sent it"},
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find(id="e-resume_id") is not None
    assert page.find("input", attrs={"name": "summary"})["value"] == "Sent it"
    assert api.get(f"/api/v1/follow-ups/{task['id']}").json()["status"] == "open"


def test_other_kinds_do_not_ask(api, web):
    contact = api.post("/api/v1/contacts", json={"full_name": "Rachel Carson"}).json()
    upload(api, PDF_BYTES, "cv.pdf")
    due = datetime(2026, 11, 20, 15, 0, tzinfo=UTC).isoformat()
    task = api.post(
        "/api/v1/follow-ups", json={"contact_id": contact["id"], "kind": "thank_you", "due_at": due}
    ).json()
    page = BeautifulSoup(web.get(f"/follow-ups/{task['id']}").text, "html.parser")
    assert page.find("select", attrs={"name": "resume_id"}) is None
