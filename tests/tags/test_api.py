"""/api/v1/tags."""

from __future__ import annotations

from tests.contacts.test_api import _create

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


def test_tags_endpoint(api):
    _create(api, full_name="A", tags=["alumni", "mentor"])
    _create(api, full_name="B", tags=["alumni", "Management"])
    response = api.get("/api/v1/tags?q=M&sort=-contact_count,name")
    assert response.status_code == 200
    assert [(t["name"], t["contact_count"]) for t in response.json()["items"]] == [
        ("management", 1),
        ("mentor", 1),
    ]
    assert "link" in response.headers
    page = api.get("/api/v1/tags?limit=1").json()
    assert page["total"] == 3 and [t["name"] for t in page["items"]] == ["alumni"]
    assert api.get("/api/v1/tags?sort=id").status_code == 400
    assert api.get("/api/v1/tags?tag=x").status_code == 400
