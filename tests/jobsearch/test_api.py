"""/api/v1/me/job-search and /api/v1/network-updates: status, history, one-step updates."""

from __future__ import annotations

import pytest


def test_default_then_put_records_changes(api):
    first = api.get("/api/v1/me/job-search")
    assert first.status_code == 200
    assert first.json()["status"] == "exploring" and first.json()["change_id"] is None
    assert first.headers["ETag"] == '"v0"'
    put = api.put(
        "/api/v1/me/job-search",
        json={"status": "searching", "note": "Data roles in Lyon", "since": "2026-11-01"},
        headers={"If-Match": '"v0"'},
    )
    assert put.status_code == 200
    body = put.json()
    assert body["status_label"] == "Actively searching" and body["version"] == 1
    assert put.headers["ETag"] == '"v1"'
    # The same status again records nothing.
    again = api.put(
        "/api/v1/me/job-search",
        json={"status": "searching", "note": "Data roles in Lyon", "since": "2026-11-01"},
    )
    assert again.json()["version"] == 1
    stale = api.put(
        "/api/v1/me/job-search", json={"status": "interviewing"}, headers={"If-Match": '"v0"'}
    )
    assert stale.status_code == 412
    api.put("/api/v1/me/job-search", json={"status": "interviewing"})
    history = api.get("/api/v1/me/job-search").json()["history"]
    assert [h["status"] for h in history] == ["interviewing", "searching"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "retired"}, "status"),
        ({"status": "searching", "since": "3000-01-01"}, "since"),
        ({"note": "x"}, "status"),
    ],
)
def test_invalid_status_names_the_field(api, body, field):
    response = api.put("/api/v1/me/job-search", json=body)
    assert response.status_code == 422
    assert field in [e["field"].split(".")[-1] for e in response.json()["errors"]]


@pytest.fixture
def network(user, make_contact, make_career, make_interview):
    career = make_career(user, "Marine biology")
    people = [make_contact(user, f"Person {i}", email=f"p{i}@example.org") for i in range(6)]
    for person in people:
        make_interview(user, person, career=career)
    make_contact(user, "Never interviewed")
    return people


def test_network_update_needs_a_status(api, network):
    response = api.post("/api/v1/network-updates", json={})
    assert response.status_code == 409


def test_update_my_network_once_per_status_change(api, network):
    api.put("/api/v1/me/job-search", json={"status": "searching", "note": "Open to analyst roles"})
    made = api.post("/api/v1/network-updates", json={})
    assert made.status_code == 201, made.text
    created = made.json()["created"]
    assert sorted(c["contact_id"] for c in created) == sorted(p.id for p in network)
    assert {c["kind"] for c in created} == {"status_update"}
    assert "actively searching" in created[0]["message"]
    assert "Open to analyst roles" in created[0]["message"]
    again = api.post("/api/v1/network-updates", json={"contact_ids": [network[0].id]})
    assert again.json()["created"] == []
    assert again.json()["already_told_contact_ids"] == [network[0].id]
    assert api.get("/api/v1/follow-ups", params={"kind": "status_update"}).json()["total"] == 6
    # A new change of status may be told again.
    api.put("/api/v1/me/job-search", json={"status": "interviewing"})
    later = api.post("/api/v1/network-updates", json={"contact_ids": [network[0].id]}).json()
    assert len(later["created"]) == 1


def test_idempotency_key_replays_the_first_answer(api, network):
    api.put("/api/v1/me/job-search", json={"status": "searching"})
    headers = {"Idempotency-Key": "tell-them"}
    first = api.post("/api/v1/network-updates", json={}, headers=headers)
    second = api.post("/api/v1/network-updates", json={}, headers=headers)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()


def test_another_users_contacts_are_refused(api, other_user, make_contact, network):
    api.put("/api/v1/me/job-search", json={"status": "searching"})
    theirs = make_contact(other_user, "Hidden Person")
    response = api.post("/api/v1/network-updates", json={"contact_ids": [network[0].id, theirs.id]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_ids"
    assert api.get("/api/v1/follow-ups").json()["total"] == 0
