"""/api/v1/resumes/{id}/shares: who received which version, kept when the version goes."""

from __future__ import annotations

from tests.resumes.conftest import URL


def share(api, resume_id, contact_id, **body):
    response = api.post(f"{URL}/{resume_id}/shares", json={"contact_id": contact_id, **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_record_list_and_give_feedback(api, uploaded, contact_of):
    resume = uploaded()
    contact = contact_of(api)
    made = share(api, resume["id"], contact["id"], shared_at="2026-11-20T10:00:00+01:00")
    assert made["resume_id"] == resume["id"]
    assert made["shared_at"].startswith("2026-11-20T09:00:00")
    assert made["resume_label"] == resume["label"]
    listed = api.get(f"{URL}/{resume['id']}/shares")
    assert [s["id"] for s in listed.json()["items"]] == [made["id"]]
    assert "Link" in listed.headers
    url = f"{URL}/{resume['id']}/shares/{made['id']}"
    assert api.get(url).headers["ETag"] == '"v1"'
    changed = api.patch(url, json={"feedback": "Lead with projects"}, headers={"If-Match": '"v1"'})
    assert changed.status_code == 200
    assert changed.json()["feedback"] == "Lead with projects"
    assert api.patch(url, json={"feedback": "x"}, headers={"If-Match": '"v1"'}).status_code == 412
    assert api.get(f"{URL}/{resume['id']}/shares", params={"sort": "nope"}).status_code == 400


def test_another_users_contact_is_refused(api, uploaded, other_user, api_client_for, contact_of):
    resume = uploaded()
    theirs = contact_of(api_client_for(other_user), "Not yours")
    response = api.post(f"{URL}/{resume['id']}/shares", json={"contact_id": theirs["id"]})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["contact_id"]


def test_deleting_a_shared_version_asks_first_and_keeps_the_record(api, uploaded, contact_of, db):
    from app.resumes.shares.models import ResumeShare

    resume = uploaded(label="Data roles")
    contact = contact_of(api)
    made = share(api, resume["id"], contact["id"], feedback="Liked it")
    url = f"{URL}/{resume['id']}"
    refused = api.delete(url)
    assert refused.status_code == 409
    assert refused.json()["dependents"] == {"shares": 1}
    assert api.get(url).status_code == 200
    assert api.delete(url, params={"confirm": "true"}).status_code == 204
    assert api.get(url).status_code == 404
    kept = db.get(ResumeShare, made["id"])
    assert kept is not None
    assert kept.resume_id is None
    assert (kept.resume_label, kept.resume_file_name, kept.feedback) == (
        "Data roles",
        "resume.pdf",
        "Liked it",
    )
    assert kept.version == 2


def test_shares_of_another_users_version_do_not_exist(
    api, uploaded, contact_of, other_user, api_client_for
):
    resume = uploaded()
    made = share(api, resume["id"], contact_of(api)["id"])
    mallory = api_client_for(other_user)
    base = f"{URL}/{resume['id']}/shares"
    assert mallory.get(base).status_code == 404
    assert mallory.get(f"{base}/{made['id']}").status_code == 404
    assert mallory.patch(f"{base}/{made['id']}", json={"feedback": "x"}).status_code == 404
    assert mallory.delete(f"{base}/{made['id']}").status_code == 404
    # A share reached through another version of one's own is not found either.
    other = uploaded(label="second")
    assert api.get(f"{URL}/{other['id']}/shares/{made['id']}").status_code == 404
    assert api.delete(f"{base}/{made['id']}").status_code == 204
