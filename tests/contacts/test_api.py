"""/api/v1/contacts, /api/v1/interactions and /api/v1/tags, following DESIGN.md section 3."""

from __future__ import annotations

import re

import pytest

from app.contacts.models import Contact
from app.interviews.models import Interview

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


def _create(api, **body):
    body.setdefault("full_name", "Jane Doe")
    response = api.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _count(db, model=Contact) -> int:
    """Count rows, then end the test session's transaction so it holds no SQLite lock."""
    count = db.query(model).count()
    db.rollback()
    return count


def _problem_fields(response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in response.json().get("errors", [])}


# ---- create / read ------------------------------------------------------------------------


def test_create_read_fields_and_etag(api, user, make_career, make_org):
    career = make_career(user)
    org = make_org(user)
    created = api.post(
        "/api/v1/contacts",
        json={
            "full_name": "Jane Doe",
            "title": "Researcher",
            "organization_id": org.id,
            "email": "jane@example.com",
            "phone": "202-555-0143",
            "linkedin_url": "https://uk.linkedin.com/in/Jane-Doe/",
            "career_ids": [career.id],
            "tags": ["Alumni", "mentor"],
            "stage": "met",
            "stay_in_touch_days": 30,
            "notes": "# Notes",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == READ_FIELDS
    assert created.headers["location"] == f"/api/v1/contacts/{body['id']}"
    assert created.headers["etag"] == '"v1"'
    assert body["phone"] == "+12025550143"
    assert body["linkedin_url"] == "https://www.linkedin.com/in/jane-doe"
    assert body["tags"] == ["alumni", "mentor"]
    assert body["career_ids"] == [career.id]
    assert body["next_touch_due"] is not None
    got = api.get(f"/api/v1/contacts/{body['id']}")
    assert got.status_code == 200
    assert got.json() == body
    assert got.headers["etag"] == '"v1"'


def test_phone_region_comes_from_settings(app, api):
    app.state.settings.default_phone_region = "GB"
    assert _create(api, phone="020 7946 0958")["phone"] == "+442079460958"


def test_duplicate_linkedin_is_409_naming_the_existing_contact(api):
    first = _create(api, linkedin_url="https://www.linkedin.com/in/jane-doe")
    response = api.post(
        "/api/v1/contacts",
        json={"full_name": "Again", "linkedin_url": "http://linkedin.com/in/JANE-DOE?x=1"},
    )
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]
    assert str(first["id"]) in response.json()["detail"]


INVALID_BODIES = [
    ("full_name", {"full_name": ""}),
    ("full_name", {"full_name": "x" * 201}),
    ("full_name", {"full_name": "nul\x00byte"}),
    ("title", {"title": "x" * 201}),
    ("email", {"email": "not-an-email"}),
    ("email", {"email": "a@" + "b" * 300 + ".com"}),
    ("phone", {"phone": "12"}),
    ("phone", {"phone": "call me maybe"}),
    ("linkedin_url", {"linkedin_url": "javascript:alert(1)"}),
    ("linkedin_url", {"linkedin_url": "https://example.com/in/jane"}),
    ("linkedin_url", {"linkedin_url": "data:text/html,hi"}),
    ("location", {"location": "x" * 201}),
    ("how_we_met", {"how_we_met": "x" * 2001}),
    ("notes", {"notes": "x" * 50_001}),
    ("notes", {"notes": "a\x00b"}),
    ("stage", {"stage": "friend"}),
    ("stay_in_touch_days", {"stay_in_touch_days": 0}),
    ("stay_in_touch_days", {"stay_in_touch_days": 3651}),
    ("stay_in_touch_days", {"stay_in_touch_days": 10**30}),
    ("organization_id", {"organization_id": 2**31}),
    ("organization_id", {"organization_id": 999_999}),
    ("introduced_by_id", {"introduced_by_id": 10**20}),
    ("introduced_by_id", {"introduced_by_id": 999_999}),
    ("career_ids", {"career_ids": [999_999]}),
    ("career_ids.0", {"career_ids": [-1]}),
    ("tags.0", {"tags": ["x" * 65]}),
    ("tags", {"tags": [f"t{i}" for i in range(31)]}),
    ("tags", {"tags": ["a\x00"]}),
    ("color", {"color": "blue"}),
]


@pytest.mark.parametrize(("field", "extra"), INVALID_BODIES, ids=[f for f, _ in INVALID_BODIES])
def test_invalid_input_is_422_naming_the_field_and_writes_nothing(api, db, field, extra):
    body = {"full_name": "Jane", **extra}
    response = api.post("/api/v1/contacts", json=body)
    assert response.status_code == 422, response.text
    assert field in _problem_fields(response)
    assert _count(db) == 0


def test_another_users_references_are_422_and_never_leak(
    api, other_user, make_org, make_career, make_contact, db
):
    theirs = {
        "organization_id": make_org(other_user, "Secret Corp").id,
        "career_ids": [make_career(other_user, "Secret career").id],
        "introduced_by_id": make_contact(other_user, "Secret person").id,
    }
    for field, value in theirs.items():
        response = api.post("/api/v1/contacts", json={"full_name": "X", field: value})
        assert response.status_code == 422, response.text
        assert field in _problem_fields(response)
        assert "Secret" not in response.text
    assert db.query(Contact).filter(Contact.owner_id != other_user.id).count() == 0
    db.rollback()


# ---- PATCH / DELETE with If-Match ---------------------------------------------------------


def test_patch_if_match_and_etag(api):
    contact = _create(api, email="jane@example.com")
    url = f"/api/v1/contacts/{contact['id']}"
    response = api.patch(url, json={"title": "Lead", "email": None}, headers={"If-Match": '"v1"'})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Lead"
    assert response.json()["email"] is None
    assert response.headers["etag"] == '"v2"'
    stale = api.patch(url, json={"title": "Stale"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert api.get(url).json()["title"] == "Lead"
    assert api.patch(url, json={"full_name": None}).status_code == 422
    assert api.patch(url, json={"title": "No precondition"}).status_code == 200
    assert api.delete(url, headers={"If-Match": '"v1"'}).status_code == 412
    assert api.delete(url, headers={"If-Match": '"v3"'}).status_code == 204
    assert api.get(url).status_code == 404


def test_patch_cycle_in_introduced_by_is_422(api):
    a = _create(api, full_name="A")
    b = _create(api, full_name="B", introduced_by_id=a["id"])
    c = _create(api, full_name="C", introduced_by_id=b["id"])
    for target, introducer in ((a, c), (a, a), (b, c)):
        response = api.patch(
            f"/api/v1/contacts/{target['id']}", json={"introduced_by_id": introducer["id"]}
        )
        assert response.status_code == 422
        assert _problem_fields(response) == {"introduced_by_id"}
    referrals = api.get(f"/api/v1/contacts/{c['id']}/referrals").json()
    assert referrals == {
        "introduced_by_chain": [
            {"id": b["id"], "full_name": "B"},
            {"id": a["id"], "full_name": "A"},
        ],
        "introduced": [],
    }


def test_delete_with_dependents_is_409_until_cascade(api, db, user):
    jane = _create(api, full_name="Jane")
    bob = _create(api, full_name="Bob", introduced_by_id=jane["id"])
    api.post(
        "/api/v1/interactions",
        json={"contact_id": jane["id"], "kind": "call", "occurred_at": "2026-01-02T10:00:00+01:00"},
    )
    db.add(Interview(owner_id=user.id, contact_id=jane["id"]))
    db.commit()
    url = f"/api/v1/contacts/{jane['id']}"
    refused = api.delete(url)
    assert refused.status_code == 409
    assert refused.json()["dependents"] == {"interactions": 1, "introductions": 1, "interviews": 1}
    assert "has 1 interaction, 1 introduction, 1 interview." in refused.json()["detail"]
    assert api.get(url).status_code == 200
    assert api.delete(url + "?cascade=true").status_code == 204
    assert api.get(url).status_code == 404
    assert api.get(f"/api/v1/contacts/{bob['id']}").json()["introduced_by_id"] is None
    assert api.get("/api/v1/interactions").json()["total"] == 0
    assert _count(db, Interview) == 0


# ---- Idempotency-Key ----------------------------------------------------------------------


def test_idempotency_key_replays_and_refuses_another_body(api, db):
    headers = {"Idempotency-Key": "create-jane-1"}
    first = api.post("/api/v1/contacts", json={"full_name": "Jane"}, headers=headers)
    again = api.post("/api/v1/contacts", json={"full_name": "Jane"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = api.post("/api/v1/contacts", json={"full_name": "Bob"}, headers=headers)
    assert other.status_code == 422
    assert _count(db) == 1
    # A failed create does not burn the key.
    bad = {"Idempotency-Key": "k2"}
    assert (
        api.post("/api/v1/contacts", json={"full_name": "X", "phone": "1"}, headers=bad).status_code
        == 422
    )
    assert api.post("/api/v1/contacts", json={"full_name": "X"}, headers=bad).status_code == 201


# ---- lists --------------------------------------------------------------------------------


def test_list_paging_link_header_and_sorting(api):
    for name in ("Erin", "alice", "Carol", "Bob", "Dave"):
        _create(api, full_name=name)
    response = api.get("/api/v1/contacts?limit=2&offset=2&sort=full_name")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)
    assert [c["full_name"] for c in body["items"]] == ["Carol", "Dave"]
    links = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    )
    assert set(links) == {"first", "prev", "next", "last"}
    assert "offset=4" in links["last"] and "sort=full_name" in links["next"]
    desc = api.get("/api/v1/contacts?sort=-full_name").json()["items"]
    assert [c["full_name"] for c in desc][:2] == ["Erin", "Dave"]
    assert api.get("/api/v1/contacts?sort=-stage,created_at").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "sort=notes",
        "sort=-password",
        "colour=red",
        "owner_id=1",
        "stage=friend",
        "career_id=0",
        "due=maybe",
        "tag=a%00b",
        "limit=500",
        "career_id=99999999999",
    ],
)
def test_list_refuses_unknown_sort_filter_or_bad_values(api, query):
    response = api.get(f"/api/v1/contacts?{query}")
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    if query.startswith(("sort", "colour", "owner")):
        assert response.status_code == 400


def test_list_filters(api, user, make_career, make_org):
    career = make_career(user)
    org = make_org(user, "Globex")
    jane = _create(
        api,
        full_name="Jane",
        organization_id=org.id,
        career_ids=[career.id],
        tags=["alumni"],
        stay_in_touch_days=10,
    )
    _create(api, full_name="Bob", introduced_by_id=jane["id"], stage="met", email="bob@ex.org")
    # A new contact is not due at once (issue 11): Jane is due from a touch long ago.
    touch = {"contact_id": jane["id"], "kind": "call", "occurred_at": "2026-01-02T10:00:00Z"}
    assert api.post("/api/v1/interactions", json=touch).status_code == 201

    def names(query: str) -> list[str]:
        response = api.get(f"/api/v1/contacts?{query}")
        assert response.status_code == 200, response.text
        return [c["full_name"] for c in response.json()["items"]]

    assert names(f"career_id={career.id}") == ["Jane"]
    assert names(f"organization_id={org.id}") == ["Jane"]
    assert names("tag=Alumni") == ["Jane"]
    assert names("stage=met") == ["Bob"]
    assert names(f"introduced_by_id={jane['id']}") == ["Bob"]
    assert names("due=true") == ["Jane"]
    assert names("due=false") == ["Bob"]
    assert names("q=globex") == ["Jane"]
    assert names("q=BOB@EX") == ["Bob"]
    assert names("q=%25") == []


def test_lists_show_only_the_callers_rows(api, other_user, api_client_for):
    _create(api, full_name="Mine", tags=["shared-name"])
    theirs = api_client_for(other_user)
    _create(theirs, full_name="Theirs", tags=["shared-name", "secret"])
    assert [c["full_name"] for c in api.get("/api/v1/contacts").json()["items"]] == ["Mine"]
    assert [t["name"] for t in api.get("/api/v1/tags").json()["items"]] == ["shared-name"]
    assert api.get("/api/v1/tags").json()["items"][0]["contact_count"] == 1
    assert api.get("/api/v1/interactions").json()["total"] == 0


def test_read_only_token_cannot_write(api_client_for, user):
    reader = api_client_for(user, scopes=("read",))
    assert reader.post("/api/v1/contacts", json={"full_name": "X"}).status_code == 403
    assert reader.get("/api/v1/contacts").status_code == 200
