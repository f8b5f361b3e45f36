"""A "send resume" follow-up closed with a version records the share (issue 13), via the API."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.resumes.conftest import PDF_BYTES, PROBLEM, upload

DUE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC).isoformat()


def _task(client, contact_id: int, kind: str = "send_resume") -> dict:
    response = client.post(
        "/api/v1/follow-ups", json={"contact_id": contact_id, "kind": kind, "due_at": DUE}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _shares(client, resume_id: int) -> list[dict]:
    return client.get(f"/api/v1/resumes/{resume_id}/shares").json()["items"]


def test_done_with_a_resume_records_the_share(api, uploaded, contact_of):
    resume = uploaded(label="Data roles")
    contact = contact_of(api)
    task = _task(api, contact["id"])
    done = api.post(
        f"/api/v1/follow-ups/{task['id']}/done",
        json={"resume_id": resume["id"], "log_interaction": False},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    [share] = _shares(api, resume["id"])
    assert share["contact_id"] == contact["id"] and share["resume_label"] == "Data roles"
    # Closing it again records nothing twice.
    again = api.post(f"/api/v1/follow-ups/{task['id']}/done", json={"resume_id": resume["id"]})
    assert again.status_code == 200
    assert len(_shares(api, resume["id"])) == 1


def test_done_without_a_resume_records_nothing(api, uploaded, contact_of):
    resume = uploaded()
    task = _task(api, contact_of(api)["id"])
    assert api.post(f"/api/v1/follow-ups/{task['id']}/done", json={}).status_code == 200
    assert _shares(api, resume["id"]) == []


def test_another_users_resume_is_refused_and_nothing_changes(
    api, other_user, api_client_for, contact_of
):
    theirs = upload(api_client_for(other_user), PDF_BYTES, "theirs.pdf")
    assert theirs.status_code == 201
    task = _task(api, contact_of(api)["id"])
    refused = api.post(
        f"/api/v1/follow-ups/{task['id']}/done", json={"resume_id": theirs.json()["id"]}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in refused.json()["errors"]] == ["resume_id"]
    assert api.get(f"/api/v1/follow-ups/{task['id']}").json()["status"] == "open"
    owner = api_client_for(other_user)
    assert _shares(owner, theirs.json()["id"]) == []


def test_only_a_send_resume_task_takes_a_resume(api, uploaded, contact_of):
    resume = uploaded()
    task = _task(api, contact_of(api)["id"], kind="thank_you")
    refused = api.post(f"/api/v1/follow-ups/{task['id']}/done", json={"resume_id": resume["id"]})
    assert refused.status_code == 422
    assert api.get(f"/api/v1/follow-ups/{task['id']}").json()["status"] == "open"
    assert _shares(api, resume["id"]) == []


def test_a_stale_version_keeps_neither_the_share_nor_the_change(api, uploaded, contact_of):
    resume = uploaded()
    task = _task(api, contact_of(api)["id"])
    stale = api.post(
        f"/api/v1/follow-ups/{task['id']}/done",
        json={"resume_id": resume["id"]},
        headers={"If-Match": '"v999"'},
    )
    assert stale.status_code == 412
    assert _shares(api, resume["id"]) == []
    assert api.get(f"/api/v1/follow-ups/{task['id']}").json()["status"] == "open"
