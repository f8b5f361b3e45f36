"""/api/v1/follow-ups: paging, filters, sort 400, ETag / If-Match, Idempotency-Key, 422, 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.db import utcnow

WHEN = "2026-12-01T09:00:00+01:00"


@pytest.fixture
def contact(user, make_contact):
    return make_contact(user, "Rachel Carson", email="rachel@example.org")


def _create(api, contact, **extra):
    body = {"contact_id": contact.id, "kind": "thank_you", "due_at": WHEN, **extra}
    response = api.post("/api/v1/follow-ups", json=body)
    assert response.status_code == 201, response.text
    return response


def test_create_read_update_delete(api, contact):
    created = _create(api, contact, subject="Thanks & more", message="Dear Rachel,\nthank you")
    body = created.json()
    assert created.headers["Location"] == f"/api/v1/follow-ups/{body['id']}"
    assert created.headers["ETag"] == '"v1"'
    assert body["status"] == "open"
    assert body["due_at"].startswith("2026-12-01T08:00:00")
    assert body["mailto"] == (
        "mailto:rachel@example.org?subject=Thanks%20%26%20more&body=Dear%20Rachel%2C%0Athank%20you"
    )
    url = f"/api/v1/follow-ups/{body['id']}"
    assert api.get(url).headers["ETag"] == '"v1"'
    stale = api.patch(url, json={"notes": "x"}, headers={"If-Match": '"v9"'})
    assert stale.status_code == 412
    changed = api.patch(url, json={"status": "skipped"}, headers={"If-Match": '"v1"'})
    assert changed.status_code == 200 and changed.json()["status"] == "skipped"
    assert changed.json()["completed_at"] is not None
    assert api.delete(url, headers={"If-Match": '"v1"'}).status_code == 412
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_list_filters_sort_and_link(api, user, contact, make_contact):
    other = make_contact(user, "Ann Lee")
    for days in range(3):
        _create(
            api,
            contact,
            due_at=(datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=days)).isoformat(),
        )
    _create(api, other, kind="check_in")
    page = api.get("/api/v1/follow-ups", params={"limit": 2, "sort": "-due_at"})
    assert page.status_code == 200
    assert page.json()["total"] == 4 and len(page.json()["items"]) == 2
    assert 'rel="next"' in page.headers["Link"]
    dues = [i["due_at"] for i in page.json()["items"]]
    assert dues == sorted(dues, reverse=True)
    by_contact = api.get("/api/v1/follow-ups", params={"contact_id": other.id}).json()
    assert [i["kind"] for i in by_contact["items"]] == ["check_in"]
    assert api.get("/api/v1/follow-ups", params={"kind": "check_in"}).json()["total"] == 1
    window = api.get(
        "/api/v1/follow-ups",
        params={"due_after": "2026-12-02T00:00:00Z", "due_before": "2026-12-03T00:00:00Z"},
    ).json()
    assert window["total"] == 1


def test_career_filter(api, user, make_contact, make_career, make_interview):
    career = make_career(user, "Marine biology")
    linked = make_contact(user, "In career", career=career)
    interviewed = make_contact(user, "Interviewed")
    interview = make_interview(user, interviewed, career=career)
    unrelated = make_contact(user, "Unrelated")
    _create(api, linked)
    _create(api, interviewed, interview_id=interview.id)
    _create(api, unrelated)
    found = api.get("/api/v1/follow-ups", params={"career_id": career.id}).json()
    assert sorted(i["contact_id"] for i in found["items"]) == sorted([linked.id, interviewed.id])


def test_career_filter_and_progress_count_by_one_rule(
    api, user, make_contact, make_career, make_interview
):
    # A follow-up belongs to a career through its interview or its contact, once even when
    # both lead there: the list's filter and the career's progress figure agree.
    career = make_career(user, "Marine biology")
    both = make_contact(user, "Both ways", career=career)
    interview = make_interview(user, both, career=career)
    elsewhere = make_interview(user, make_contact(user, "Other career"), career=None)
    _create(api, both, interview_id=interview.id)
    _create(api, make_contact(user, "Linked", career=career))
    _create(api, make_contact(user, "Not linked"), interview_id=elsewhere.id)
    done = _create(api, make_contact(user, "Done", career=career)).json()
    api.patch(f"/api/v1/follow-ups/{done['id']}", json={"status": "done"})
    listed = api.get("/api/v1/follow-ups", params={"career_id": career.id, "status": "open"})
    progress = api.get(f"/api/v1/careers/{career.id}/progress").json()
    assert listed.json()["total"] == progress["follow_ups_open"] == 2
    everything = api.get("/api/v1/follow-ups", params={"career_id": career.id}).json()
    assert everything["total"] == 3


@pytest.mark.parametrize(
    "params, field",
    [({"sort": "nope"}, "sort"), ({"colour": "red"}, "colour")],
)
def test_unknown_sort_or_filter_is_400(api, params, field):
    response = api.get("/api/v1/follow-ups", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "dance"}, "kind"),
        ({"due_at": "2026-12-01T09:00:00"}, "due_at"),
        ({"due_at": "1066-10-14T09:00:00Z"}, "due_at"),
        ({"status": "maybe"}, "status"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_input_names_the_field(api, contact, body, field):
    payload = {"contact_id": contact.id, "due_at": WHEN, **body}
    response = api.post("/api/v1/follow-ups", json=payload)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"].split(".")[-1] for e in response.json()["errors"]]


def test_idempotency_key_replays(api, contact):
    headers = {"Idempotency-Key": "fu-1"}
    body = {"contact_id": contact.id, "due_at": WHEN}
    first = api.post("/api/v1/follow-ups", json=body, headers=headers)
    again = api.post("/api/v1/follow-ups", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert api.get("/api/v1/follow-ups").json()["total"] == 1
    other = api.post("/api/v1/follow-ups", json={**body, "notes": "x"}, headers=headers)
    assert other.status_code == 422


def test_done_logs_the_interaction(api, contact):
    task = _create(api, contact, kind="check_in", subject="Hello again").json()
    done = api.post(f"/api/v1/follow-ups/{task['id']}/done", json={})
    assert done.status_code == 200 and done.json()["status"] == "done"
    logged = api.get("/api/v1/interactions", params={"contact_id": contact.id}).json()
    assert logged["total"] == 1
    assert logged["items"][0]["kind"] == "call"
    assert logged["items"][0]["summary"] == "Check in: Hello again"
    seen = api.get(f"/api/v1/contacts/{contact.id}").json()
    assert seen["last_contacted_at"] is not None
    # Done twice logs nothing more.
    api.post(f"/api/v1/follow-ups/{task['id']}/done", json={})
    assert api.get("/api/v1/interactions", params={"contact_id": contact.id}).json()["total"] == 1


def test_another_users_ids(api, user, other_user, api_client_for, make_contact, contact):
    theirs_contact = make_contact(other_user, "Secret Person")
    theirs = api_client_for(other_user)
    task = theirs.post(
        "/api/v1/follow-ups",
        json={"contact_id": theirs_contact.id, "due_at": WHEN, "notes": "hush"},
    ).json()
    url = f"/api/v1/follow-ups/{task['id']}"
    assert api.get(url).status_code == 404
    assert api.patch(url, json={"notes": "mine now"}).status_code == 404
    assert api.post(f"{url}/done", json={}).status_code == 404
    assert api.delete(url).status_code == 404
    assert theirs.get(url).json() == task
    # Naming their contact in my body is a field error, not a 404 and not a leak.
    refused = api.post("/api/v1/follow-ups", json={"contact_id": theirs_contact.id, "due_at": WHEN})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "contact_id"
    assert "Secret" not in refused.text
    assert api.get("/api/v1/follow-ups").json()["total"] == 0


def test_due_at_is_stored_in_utc(api, contact):
    body = _create(api, contact, due_at=(utcnow() + timedelta(days=1)).isoformat()).json()
    assert body["due_at"].endswith("Z") or body["due_at"].endswith("+00:00")
