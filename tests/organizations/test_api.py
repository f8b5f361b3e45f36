"""/api/v1/organizations: the API conventions of DESIGN.md section 3, end to end."""

from __future__ import annotations

import pytest

from app.organizations import service

URL = "/api/v1/organizations"
PROBLEM = "application/problem+json"


def create(api, **body):
    body.setdefault("name", "Acme Health")
    response = api.post(URL, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def problem_fields(response):
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    return [e["field"] for e in response.json().get("errors", [])]


def test_create_read_with_location_and_etag(api):
    response = api.post(
        URL,
        json={
            "name": "City Hospital",
            "website": "https://hospital.example/about",
            "industry": "Health",
            "location": "Leeds",
            "research_notes": "New wing in 2025.",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{URL}/{body['id']}"
    assert response.headers["etag"] == '"v1"'
    fetched = api.get(response.headers["location"])
    assert fetched.json() == body and fetched.headers["etag"] == '"v1"'
    assert create(api, name="Bare")["website"] is None


INVALID = [
    ({"name": ""}, "name"),
    ({"name": "  "}, "name"),
    ({"name": "n" * 201}, "name"),
    ({"name": "a\x00"}, "name"),
    ({"name": None}, "name"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"website": "JAVASCRIPT:alert(1)"}, "website"),
    ({"website": "data:text/html,hi"}, "website"),
    ({"website": "ftp://files.example"}, "website"),
    ({"website": "ftp://hospital.example"}, "website"),
    ({"website": "https://" + "a" * 2000 + ".example"}, "website"),
    ({"website": "https://x.example/\x00"}, "website"),
    ({"industry": "i" * 201}, "industry"),
    ({"industry": 5}, "industry"),
    ({"location": "l" * 201}, "location"),
    ({"location": "\x00"}, "location"),
    ({"research_notes": "r" * 50_001}, "research_notes"),
    ({"research_notes": "\x00"}, "research_notes"),
    ({"owner_id": 1}, "owner_id"),
]


@pytest.mark.parametrize(("change", "field"), INVALID)
def test_invalid_create_is_422_naming_the_field(api, db, user, change, field):
    response = api.post(URL, json={"name": "Acme", **change})
    assert response.status_code == 422, response.text
    assert field in problem_fields(response)
    assert service.count_organizations(db, user) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"industry": None}, "industry"),
        ({"location": None}, "location"),
        ({"research_notes": None}, "research_notes"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"name": "n" * 201}, "name"),
        ({"version": 2}, "version"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(api, change, field):
    organization = create(api, website="https://acme.example")
    response = api.patch(f"{URL}/{organization['id']}", json=change)
    assert response.status_code == 422, response.text
    assert field in problem_fields(response)
    assert api.get(f"{URL}/{organization['id']}").json() == organization


def test_patch_if_match_and_clearing_the_website(api):
    organization = create(api, website="https://acme.example", industry="Health")
    item = f"{URL}/{organization['id']}"
    response = api.patch(item, json={"website": None}, headers={"If-Match": '"v1"'})
    assert response.status_code == 200
    assert (response.json()["website"], response.json()["industry"]) == (None, "Health")
    assert response.headers["etag"] == '"v2"'
    stale = api.patch(item, json={"name": "Late"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert api.get(item).json()["name"] == "Acme Health"
    assert api.delete(item, headers={"If-Match": '"v1"'}).status_code == 412
    assert api.delete(item, headers={"If-Match": '"v2"'}).status_code == 204


def test_idempotency_key(api, db, user):
    headers = {"Idempotency-Key": "org-1"}
    first = api.post(URL, json={"name": "Once"}, headers=headers)
    again = api.post(URL, json={"name": "Once"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    different = api.post(URL, json={"name": "Other"}, headers=headers)
    assert different.status_code == 422
    assert "Idempotency-Key" in problem_fields(different)
    assert service.count_organizations(db, user) == 1


def test_list_paging_link_sort_and_filters(api):
    for name, industry, location in [
        ("Delta", "Tech", "Leeds"),
        ("alpha", "Health", "Leeds"),
        ("Charlie", "Health", "York"),
        ("bravo", "Tech", "York"),
    ]:
        create(api, name=name, industry=industry, location=location)
    response = api.get(URL, params={"limit": 2, "offset": 0})
    body = response.json()
    assert [o["name"] for o in body["items"]] == ["alpha", "bravo"]
    assert body["total"] == 4
    assert 'rel="next"' in response.headers["link"] and 'rel="prev"' not in response.headers["link"]
    assert "offset=2" in response.headers["link"]

    def found(**params):
        result = api.get(URL, params=params)
        assert result.status_code == 200, result.text
        return [o["name"] for o in result.json()["items"]]

    assert found(sort="-name") == ["Delta", "Charlie", "bravo", "alpha"]
    assert found(sort="location,-name") == ["Delta", "alpha", "Charlie", "bravo"]
    assert found(industry="health") == ["alpha", "Charlie"]
    assert found(location="YORK") == ["bravo", "Charlie"]
    assert found(q="ta") == ["Delta"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"sort": "website"}, 400, "sort"),
        ({"sort": "owner_id"}, 400, "sort"),
        ({"country": "UK"}, 400, "country"),
        ({"industry": "a\x00"}, 422, "industry"),
        ({"location": "x" * 201}, 422, "location"),
        ({"limit": "99999999999999999999"}, 422, "limit"),
    ],
)
def test_bad_list_parameters(api, params, status, field):
    response = api.get(URL, params=params)
    assert response.status_code == status, response.text
    assert field in problem_fields(response)


def test_delete_with_contacts_is_409_then_cascade_detaches(
    api, db, user, make_organization, add_contact
):
    organization = make_organization(user)
    organization_id = organization.id
    add_contact(organization)
    refused = api.delete(f"{URL}/{organization_id}")
    assert refused.status_code == 409
    assert refused.json()["dependents"] == {"contacts": 1}
    assert api.get(f"{URL}/{organization_id}").status_code == 200
    assert api.delete(f"{URL}/{organization_id}?cascade=true").status_code == 204
    assert api.get(f"{URL}/{organization_id}").status_code == 404


@pytest.mark.parametrize("bad_id", ["0", "2147483648", "1e3", "x"])
def test_bad_path_ids_are_422(api, bad_id):
    assert api.get(f"{URL}/{bad_id}").status_code == 422


def test_another_users_organization_is_404_and_unchanged(api, other_user, api_client_for):
    organization = create(api, name="Private")
    intruder = api_client_for(other_user)
    item = f"{URL}/{organization['id']}"
    assert intruder.get(item).status_code == 404
    assert intruder.patch(item, json={"name": "Hijacked"}).status_code == 404
    assert intruder.delete(item, params={"cascade": "true"}).status_code == 404
    assert intruder.get(URL).json()["total"] == 0
    assert api.get(item).json() == organization
