"""/api/v1/interactions: CRUD, filters, validation, idempotency."""

from __future__ import annotations

import pytest

from tests.contacts.test_api import _create, _problem_fields

READ_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "version",
    "full_name",
    "title",
    "organization_id",
    "email",
    "phone",
    "linkedin_url",
    "location",
    "career_ids",
    "tags",
    "how_we_met",
    "connected_on",
    "introduced_by_id",
    "stage",
    "stay_in_touch_days",
    "notes",
    "last_contacted_at",
    "next_touch_due",
}


def test_interactions_crud_filters_and_recompute(api):
    jane = _create(api, full_name="Jane", stay_in_touch_days=7)
    bob = _create(api, full_name="Bob")
    created = api.post(
        "/api/v1/interactions",
        json={
            "contact_id": jane["id"],
            "kind": "meeting",
            "occurred_at": "2026-02-01T09:30:00-05:00",
            "summary": "Coffee",
        },
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert set(item) == {
        "id",
        "created_at",
        "updated_at",
        "version",
        "contact_id",
        "kind",
        "occurred_at",
        "summary",
    }
    assert item["occurred_at"].startswith("2026-02-01T14:30:00")
    assert created.headers["location"] == f"/api/v1/interactions/{item['id']}"
    contact = api.get(f"/api/v1/contacts/{jane['id']}").json()
    assert contact["last_contacted_at"].startswith("2026-02-01T14:30:00")
    assert contact["next_touch_due"].startswith("2026-02-08T14:30:00")
    api.post(
        "/api/v1/interactions",
        json={"contact_id": bob["id"], "kind": "email", "occurred_at": "2026-03-01T00:00:00Z"},
    )

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/v1/interactions?{query}")
        assert response.status_code == 200, response.text
        return [i["contact_id"] for i in response.json()["items"]]

    assert ids("") == [bob["id"], jane["id"]]
    assert ids(f"contact_id={jane['id']}") == [jane["id"]]
    assert ids("kind=email") == [bob["id"]]
    assert ids("occurred_after=2026-02-15T00:00:00Z") == [bob["id"]]
    assert ids("occurred_before=2026-02-15T00:00:00%2B00:00") == [jane["id"]]
    assert ids("sort=occurred_at") == [jane["id"], bob["id"]]
    assert ids("q=coffee") == [jane["id"]]
    assert api.get("/api/v1/interactions?sort=summary").status_code == 400
    assert api.get("/api/v1/interactions?kind=fax").status_code == 422

    url = f"/api/v1/interactions/{item['id']}"
    got = api.get(url)
    assert got.headers["etag"] == '"v1"'
    moved = api.patch(
        url, json={"occurred_at": "2026-01-01T00:00:00+00:00"}, headers={"If-Match": '"v1"'}
    )
    assert moved.status_code == 200, moved.text
    assert api.patch(url, json={"summary": "x"}, headers={"If-Match": '"v1"'}).status_code == 412
    contact = api.get(f"/api/v1/contacts/{jane['id']}").json()
    assert contact["last_contacted_at"].startswith("2026-01-01T00:00:00")
    assert api.delete(url, headers={"If-Match": '"v2"'}).status_code == 204
    assert api.get(f"/api/v1/contacts/{jane['id']}").json()["last_contacted_at"] is None


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("occurred_at", {"occurred_at": "2026-01-01T10:00:00"}),
        ("occurred_at", {"occurred_at": "yesterday"}),
        ("occurred_at", {"occurred_at": "9999-12-31T23:00:00-05:00"}),
        ("occurred_at", {"occurred_at": "1066-10-14T09:00:00+00:00"}),
        ("kind", {"kind": "fax"}),
        ("summary", {"summary": "x" * 10_001}),
        ("summary", {"summary": "\x00"}),
        ("contact_id", {"contact_id": 2**40}),
        ("contact_id", {"contact_id": 999_999}),
    ],
)
def test_invalid_interactions_are_422(api, field, extra):
    contact = _create(api)
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-01-01T10:00:00Z"}
    response = api.post("/api/v1/interactions", json={**body, **extra})
    assert response.status_code == 422, response.text
    assert field in _problem_fields(response)
    assert api.get("/api/v1/interactions").json()["total"] == 0


def test_interaction_idempotency(api):
    contact = _create(api)
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-01-01T10:00:00Z"}
    headers = {"Idempotency-Key": "i-1"}
    first = api.post("/api/v1/interactions", json=body, headers=headers)
    second = api.post("/api/v1/interactions", json=body, headers=headers)
    assert first.json() == second.json()
    assert api.get("/api/v1/interactions").json()["total"] == 1
