"""/api/v1/careers: the API conventions of DESIGN.md section 3, end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.careers import service
from tests.statements import forget_credentials

URL = "/api/v1/careers"
PROBLEM = "application/problem+json"


def create(api, **body):
    body.setdefault("title", "UX research")
    response = api.post(URL, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def problem_fields(response):
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    return [e["field"] for e in response.json().get("errors", [])]


# ---- create and read ------------------------------------------------------------------


def test_create_returns_the_resource_with_location_and_etag(api):
    response = api.post(
        URL,
        json={
            "title": "Urban planning",
            "industry": "Public sector",
            "status": "researching",
            "interest": 4,
            "research_notes": "Zoning, transport.",
            "resources": [{"url": "https://planning.example/intro", "kind": "course"}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{URL}/{body['id']}"
    assert response.headers["etag"] == '"v1"'
    assert body["resources"] == [
        {"url": "https://planning.example/intro", "title": "", "kind": "course", "note": ""}
    ]
    assert set(body) >= {"id", "created_at", "updated_at", "version", "title", "interest"}

    fetched = api.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"v1"'


def test_defaults(api):
    body = create(api)
    assert (body["status"], body["interest"], body["industry"], body["resources"]) == (
        "interested",
        3,
        "",
        [],
    )


# ---- invalid input: every field ---------------------------------------------------------

INVALID_CREATES = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "a\x00b"}, "title"),
    ({"title": 12}, "title"),
    ({"industry": "x" * 201}, "industry"),
    ({"industry": "\x00"}, "industry"),
    ({"status": "ruled out"}, "status"),
    ({"status": None}, "status"),
    ({"interest": 0}, "interest"),
    ({"interest": 6}, "interest"),
    ({"interest": 10**40}, "interest"),
    ({"interest": "very"}, "interest"),
    ({"research_notes": "x" * 50_001}, "research_notes"),
    ({"research_notes": "notes\x00"}, "research_notes"),
    ({"resources": "https://example.org"}, "resources"),
    ({"resources": [{"url": "javascript:alert(1)"}]}, "resources.0.url"),
    ({"resources": [{"url": "JavaScript:alert(1)//http://x"}]}, "resources.0.url"),
    ({"resources": [{"url": "ftp://example.org/file"}]}, "resources.0.url"),
    ({"resources": [{"url": "https://"}]}, "resources.0.url"),
    ({"resources": [{"url": "https://exa mple.org"}]}, "resources.0.url"),
    ({"resources": [{"url": "https://x.org/" + "a" * 2000}]}, "resources.0.url"),
    ({"resources": [{"title": "no url"}]}, "resources.0.url"),
    ({"resources": [{"url": "https://x.org", "kind": "podcast"}]}, "resources.0.kind"),
    ({"resources": [{"url": "https://x.org", "title": "t" * 201}]}, "resources.0.title"),
    ({"resources": [{"url": "https://x.org", "note": "n" * 2001}]}, "resources.0.note"),
    ({"resources": [{"url": "https://x.org", "note": "\x00"}]}, "resources"),
    ({"resources": [{"url": "https://x.org", "rating": 5}]}, "resources.0.rating"),
    ({"resources": [{"url": f"https://x.org/{n}"} for n in range(51)]}, "resources"),
    ({"owner_id": 2}, "owner_id"),
    ({"version": 9}, "version"),
]


@pytest.mark.parametrize(("change", "field"), INVALID_CREATES)
def test_invalid_create_is_422_naming_the_field(api, db, user, change, field):
    body = {"title": "UX research", **change}
    response = api.post(URL, json=body)
    assert response.status_code == 422, response.text
    assert field in problem_fields(response)
    assert service.count_careers(db, user) == 0


def test_missing_title_and_malformed_json(api):
    assert "title" in problem_fields(api.post(URL, json={}))
    response = api.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"industry": None}, "industry"),
        ({"status": None}, "status"),
        ({"interest": None}, "interest"),
        ({"research_notes": None}, "research_notes"),
        ({"resources": None}, "resources"),
        ({"title": ""}, "title"),
        ({"interest": 2**63}, "interest"),
        ({"status": "done"}, "status"),
        ({"resources": [{"url": "javascript:alert(1)"}]}, "resources.0.url"),
        ({"id": 5}, "id"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(api, change, field):
    career = create(api, title="Kept", interest=4)
    response = api.patch(f"{URL}/{career['id']}", json=change)
    assert response.status_code == 422, response.text
    assert field in problem_fields(response)
    assert api.get(f"{URL}/{career['id']}").json() == career


@pytest.mark.parametrize("bad_id", ["0", "-1", "2147483648", "99999999999999999999", "abc"])
def test_bad_path_ids_are_422(api, bad_id):
    assert api.get(f"{URL}/{bad_id}").status_code == 422
    assert api.patch(f"{URL}/{bad_id}", json={}).status_code == 422
    assert api.delete(f"{URL}/{bad_id}").status_code == 422


# ---- update, ETag and If-Match -----------------------------------------------------------


def test_patch_changes_only_sent_fields_and_bumps_the_etag(api):
    career = create(api, industry="Tech", interest=2)
    response = api.patch(
        f"{URL}/{career['id']}",
        json={"interest": 5, "resources": [{"url": "https://a.example", "kind": "article"}]},
        headers={"If-Match": '"v1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["interest"], body["industry"], body["version"]) == (5, "Tech", 2)
    assert body["resources"][0]["kind"] == "article"
    assert response.headers["etag"] == '"v2"'


def test_stale_if_match_is_412_and_changes_nothing(api):
    career = create(api, title="Original")
    assert api.patch(f"{URL}/{career['id']}", json={"title": "Second"}).status_code == 200
    stale = api.patch(
        f"{URL}/{career['id']}", json={"title": "Lost update"}, headers={"If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert api.get(f"{URL}/{career['id']}").json()["title"] == "Second"
    assert api.delete(f"{URL}/{career['id']}", headers={"If-Match": '"v1"'}).status_code == 412
    assert api.get(f"{URL}/{career['id']}").status_code == 200
    garbage = api.patch(f"{URL}/{career['id']}", json={}, headers={"If-Match": "yesterday"})
    assert garbage.status_code == 412


def test_if_match_star_and_current_etag_succeed(api):
    career = create(api)
    etag = api.get(f"{URL}/{career['id']}").headers["etag"]
    assert (
        api.patch(f"{URL}/{career['id']}", json={}, headers={"If-Match": etag}).status_code == 200
    )
    assert api.patch(f"{URL}/{career['id']}", json={}, headers={"If-Match": "*"}).status_code == 200
    response = api.delete(f"{URL}/{career['id']}", headers={"If-Match": '"v3"'})
    assert response.status_code == 204
    assert api.get(f"{URL}/{career['id']}").status_code == 404


# ---- Idempotency-Key ------------------------------------------------------------------


def test_idempotency_key_replays_the_first_response(api, db, user):
    headers = {"Idempotency-Key": "career-create-1"}
    first = api.post(URL, json={"title": "Once"}, headers=headers)
    again = api.post(URL, json={"title": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert service.count_careers(db, user) == 1


def test_idempotency_key_with_another_body_is_422(api, db, user):
    headers = {"Idempotency-Key": "career-create-2"}
    assert api.post(URL, json={"title": "Once"}, headers=headers).status_code == 201
    other = api.post(URL, json={"title": "Twice"}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in problem_fields(other)
    assert service.count_careers(db, user) == 1


def test_idempotency_keys_are_per_user(api, other_user, api_client_for, db, user):
    headers = {"Idempotency-Key": "shared-key"}
    assert api.post(URL, json={"title": "Mine"}, headers=headers).status_code == 201
    theirs = api_client_for(other_user).post(URL, json={"title": "Theirs"}, headers=headers)
    assert theirs.status_code == 201
    assert theirs.json()["title"] == "Theirs"


# ---- lists: paging, Link, sort, filters ------------------------------------------------


def test_paging_with_link_header(api):
    for n in range(5):
        create(api, title=f"Career {n}")
    response = api.get(URL, params={"sort": "title", "limit": 2, "offset": 2})
    assert response.status_code == 200
    body = response.json()
    assert [c["title"] for c in body["items"]] == ["Career 2", "Career 3"]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)
    links = {
        part.split('rel="')[1].rstrip('"'): part for part in response.headers["link"].split(", ")
    }
    assert set(links) == {"first", "prev", "next", "last"}
    assert "offset=0" in links["first"] and "offset=0" in links["prev"]
    assert "offset=4" in links["next"] and "offset=4" in links["last"]
    assert "sort=title" in links["next"]
    last = api.get(URL, params={"sort": "title", "limit": 2, "offset": 4})
    assert [c["title"] for c in last.json()["items"]] == ["Career 4"]
    assert 'rel="next"' not in last.headers["link"]


def test_sort_fields(api):
    create(api, title="b", interest=1, status="pursuing")
    create(api, title="a", interest=5, status="ruled_out")
    create(api, title="c", interest=3, status="interested")

    def order(sort):
        response = api.get(URL, params={"sort": sort})
        assert response.status_code == 200, response.text
        return [c["title"] for c in response.json()["items"]]

    assert order("title") == ["a", "b", "c"]
    assert order("-title") == ["c", "b", "a"]
    assert order("-interest,title") == ["a", "c", "b"]
    assert order("status") == ["c", "b", "a"]
    assert order("created_at") == ["b", "a", "c"]
    assert order("-updated_at")[0] == "c"


@pytest.mark.parametrize("sort", ["owner_id", "title,secret", "-", "research_notes"])
def test_unknown_sort_is_400(api, sort):
    response = api.get(URL, params={"sort": sort})
    assert response.status_code in (400,), response.text
    assert "sort" in problem_fields(response)


def test_unknown_filter_is_400(api):
    response = api.get(URL, params={"owner_id": 2})
    assert response.status_code == 400
    assert "owner_id" in problem_fields(response)


def test_filters(api):
    create(api, title="Data science", industry="Tech", status="researching", interest=5)
    create(api, title="Nursing", industry="Health", interest=2)

    def found(**params):
        response = api.get(URL, params=params)
        assert response.status_code == 200, response.text
        return [c["title"] for c in response.json()["items"]]

    assert found(status="researching") == ["Data science"]
    assert found(industry="health") == ["Nursing"]
    assert found(interest_min=3) == ["Data science"]
    assert found(q="nurs") == ["Nursing"]
    assert found(q="TECH") == ["Data science"]
    assert found(q="zzz") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"interest_min": 0}, "interest_min"),
        ({"interest_min": "99999999999999999999999"}, "interest_min"),
        ({"industry": "a\x00"}, "industry"),
        ({"industry": "x" * 201}, "industry"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_invalid_filters_are_422(api, params, field):
    response = api.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert field in problem_fields(response)


def test_nul_in_q_is_refused(api):
    assert api.get(URL, params={"q": "a\x00"}).status_code in (400, 422)


def test_list_query_count_does_not_grow_with_rows(api, engine):
    def count_queries(path):
        statements = []

        def record(*_args):
            statements.append(1)

        forget_credentials()  # the token is looked up in both counts
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert api.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    create(api, title="one")
    few = count_queries(URL)
    for n in range(30):
        create(api, title=f"career {n}", resources=[{"url": f"https://x.example/{n}"}])
    assert count_queries(URL) == few


# ---- delete and cascade ---------------------------------------------------------------


def test_delete_with_dependents_is_409_then_cascade(
    api, db, user, make_career, link_contact, add_interview
):
    career = make_career(user)
    contact = link_contact(career)
    add_interview(career, contact)
    refused = api.delete(f"{URL}/{career.id}")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["dependents"] == {"contacts": 1, "interviews": 1}
    assert api.get(f"{URL}/{career.id}").status_code == 200

    assert api.delete(f"{URL}/{career.id}", params={"cascade": "true"}).status_code == 204
    assert api.get(f"{URL}/{career.id}").status_code == 404


def test_delete_without_dependents(api):
    career = create(api)
    assert api.delete(f"{URL}/{career['id']}").status_code == 204
    assert api.delete(f"{URL}/{career['id']}").status_code == 404


# ---- privacy --------------------------------------------------------------------------


def test_another_users_career_is_404_and_unchanged(api, other_user, api_client_for):
    career = create(api, title="Private")
    intruder = api_client_for(other_user)
    item = f"{URL}/{career['id']}"
    assert intruder.get(item).status_code == 404
    assert intruder.patch(item, json={"title": "Hijacked"}).status_code == 404
    assert (
        intruder.patch(item, json={"title": "x"}, headers={"If-Match": '"v1"'}).status_code == 404
    )
    assert intruder.delete(item).status_code == 404
    assert intruder.delete(item, params={"cascade": "true"}).status_code == 404
    assert intruder.get(URL).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert api.get(item).json() == career


def test_read_only_token_cannot_write(user, api_client_for):
    reader = api_client_for(user, scopes=("read",))
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, json={"title": "x"}).status_code == 403


def test_anonymous_is_401(client):
    assert client.get(URL).status_code == 401
