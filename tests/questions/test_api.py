"""/api/v1/question-banks: conventions, read-only banks, the two-user journey, import/export."""

from __future__ import annotations

import json

import pytest

BASE = "/api/v1/question-banks"
PROBLEM = "application/problem+json"
BUILTIN_MESSAGE = "Built-in banks are read-only; copy it to change it."


def _bank(api, name="Engineering", **extra):
    r = api.post(BASE, json={"name": name, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _question(api, bank_id, text="What does a day look like?", **extra):
    r = api.post(f"{BASE}/{bank_id}/questions", json={"text": text, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _builtin_id(api, name="TIARA"):
    items = api.get(BASE, params={"scope": "builtin"}).json()["items"]
    return next(b["id"] for b in items if b["name"] == name)


def _errors(r):
    assert r.headers["content-type"].startswith(PROBLEM), r.text
    return {e["field"]: e["message"] for e in r.json().get("errors", [])}


# ---- banks ------------------------------------------------------------------------------


def test_list_shows_flags_counts_and_pages(api):
    _bank(api, "Mine", shared=True)
    r = api.get(BASE, params={"limit": 2, "sort": "-question_count"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 4 and body["limit"] == 2 and body["offset"] == 0
    assert len(body["items"]) == 2
    assert 'rel="next"' in r.headers["link"] and 'rel="last"' in r.headers["link"]
    first = body["items"][0]
    assert first["name"] == "Informational interview essentials"
    assert first["builtin"] is True and first["shared"] is False and first["question_count"] == 24
    assert first["editable"] is False and first["owned"] is False
    mine = api.get(BASE, params={"scope": "mine"}).json()["items"]
    assert [(b["name"], b["shared"], b["builtin"], b["question_count"]) for b in mine] == [
        ("Mine", True, False, 0)
    ]
    assert mine[0]["editable"] is True and mine[0]["owner_name"] is None
    assert api.get(BASE, params={"q": "tiara"}).json()["total"] == 1


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"sort": "owner_id"}, 400, "sort"),
        ({"colour": "red"}, 400, "colour"),
        ({"scope": "everyone"}, 422, "scope"),
        ({"limit": 500}, 422, "limit"),
        ({"q": "a\x00b"}, 400, "q"),
    ],
)
def test_list_refuses_bad_parameters(api, params, status, field):
    r = api.get(BASE, params=params)
    assert r.status_code == status, r.text
    assert field in _errors(r)


def test_create_get_update_delete_with_etags(api):
    r = api.post(BASE, json={"name": "  Engineering  ", "description": "a\r\nb"})
    assert r.status_code == 201
    bank = r.json()
    assert r.headers["location"] == f"{BASE}/{bank['id']}"
    assert r.headers["etag"] == '"v1"'
    assert (bank["name"], bank["description"], bank["copied_from_id"]) == (
        "Engineering",
        "a\nb",
        None,
    )

    r = api.get(f"{BASE}/{bank['id']}")
    assert r.status_code == 200 and r.headers["etag"] == '"v1"'
    r = api.patch(f"{BASE}/{bank['id']}", json={"name": "Eng"}, headers={"If-Match": '"v1"'})
    assert r.status_code == 200 and r.json()["name"] == "Eng" and r.headers["etag"] == '"v2"'
    r = api.patch(f"{BASE}/{bank['id']}", json={"name": "Stale"}, headers={"If-Match": '"v1"'})
    assert r.status_code == 412 and r.json()["current_version"] == 2
    r = api.delete(f"{BASE}/{bank['id']}", headers={"If-Match": '"v1"'})
    assert r.status_code == 412
    r = api.delete(f"{BASE}/{bank['id']}", headers={"If-Match": '"v2"'})
    assert r.status_code == 204
    assert api.get(f"{BASE}/{bank['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "two\nlines"}, "name"),
        ({"name": "nul\x00"}, "name"),
        ({"name": "ok", "description": "d" * 5001}, "description"),
        ({"name": "ok", "shared": "perhaps"}, "shared"),
        ({"name": "ok", "owner_id": 3}, "owner_id"),
        ({"name": "ok", "builtin": True}, "builtin"),
        ({}, "name"),
    ],
)
def test_create_bank_validation(api, body, field):
    r = api.post(BASE, json=body)
    assert r.status_code == 422, r.text
    assert field in _errors(r)


def test_patch_refuses_null_name(api):
    bank = _bank(api)
    r = api.patch(f"{BASE}/{bank['id']}", json={"name": None})
    assert r.status_code == 422 and "name" in _errors(r)


def test_idempotent_create_replays(api):
    headers = {"Idempotency-Key": "bank-1"}
    first = api.post(BASE, json={"name": "Once"}, headers=headers)
    again = api.post(BASE, json={"name": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert api.get(BASE, params={"scope": "mine"}).json()["total"] == 1
    other = api.post(BASE, json={"name": "Different"}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in _errors(other)


@pytest.mark.parametrize("bad_id", ["0", "-1", "2147483648", "99999999999999999999", "abc"])
def test_bad_path_ids_are_422(api, bad_id):
    assert api.get(f"{BASE}/{bad_id}").status_code == 422
    assert api.get(f"{BASE}/1/questions/{bad_id}").status_code == 422


# ---- built-in banks ---------------------------------------------------------------------


def test_builtin_bank_answers_403_to_every_write(api):
    bank_id = _builtin_id(api)
    questions = api.get(f"{BASE}/{bank_id}/questions").json()["items"]
    question_id = questions[0]["id"]
    ids = [q["id"] for q in questions]
    writes = [
        ("PATCH", f"{BASE}/{bank_id}", {"name": "Mine"}),
        ("DELETE", f"{BASE}/{bank_id}", None),
        ("POST", f"{BASE}/{bank_id}/questions", {"text": "New?"}),
        ("PATCH", f"{BASE}/{bank_id}/questions/{question_id}", {"text": "Changed?"}),
        ("DELETE", f"{BASE}/{bank_id}/questions/{question_id}", None),
        ("PUT", f"{BASE}/{bank_id}/questions/order", {"question_ids": ids[::-1]}),
    ]
    for method, url, body in writes:
        r = api.request(method, url, json=body) if body is not None else api.request(method, url)
        assert r.status_code == 403, (method, url, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["detail"] == BUILTIN_MESSAGE
    after = api.get(f"{BASE}/{bank_id}/questions").json()["items"]
    assert after == questions


# ---- questions --------------------------------------------------------------------------


def test_question_crud_and_filters(api):
    bank = _bank(api)
    first = _question(api, bank["id"], category="culture", tags=["Remote", "pay"], why_ask="Fit.")
    assert first["position"] == 0 and first["tags"] == ["remote", "pay"]
    second = _question(api, bank["id"], "Where is the field going?", category="future_of_industry")
    assert second["position"] == 1 and second["category"] == "future_of_industry"
    assert api.get(f"{BASE}/{bank['id']}").json()["question_count"] == 2

    listed = api.get(f"{BASE}/{bank['id']}/questions", params={"category": "culture"}).json()
    assert [q["id"] for q in listed["items"]] == [first["id"]] and listed["total"] == 1
    by_tag = api.get(f"{BASE}/{bank['id']}/questions", params={"tag": "PAY"}).json()
    assert [q["id"] for q in by_tag["items"]] == [first["id"]]
    r = api.get(f"{BASE}/{bank['id']}/questions", params={"category": "astrology"})
    assert r.status_code == 422 and "category" in _errors(r)
    r = api.get(f"{BASE}/{bank['id']}/questions", params={"sort": "owner_id"})
    assert r.status_code == 400

    url = f"{BASE}/{bank['id']}/questions/{first['id']}"
    r = api.get(url)
    assert r.status_code == 200 and r.headers["etag"] == '"v1"'
    r = api.patch(url, json={"text": "Edited?", "tags": []}, headers={"If-Match": '"v1"'})
    assert r.status_code == 200 and r.json()["text"] == "Edited?" and r.json()["tags"] == []
    assert r.json()["category"] == "culture"  # untouched by PATCH
    r = api.patch(url, json={"why_ask": "x"}, headers={"If-Match": '"v1"'})
    assert r.status_code == 412
    r = api.delete(url, headers={"If-Match": '"v2"'})
    assert r.status_code == 204
    assert api.get(url).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"text": "a\nb"}, "text"),
        ({"text": "nul\x00?"}, "text"),
        ({"text": "ok", "category": "astrology"}, "category"),
        ({"text": "ok", "tags": ["a;b"]}, "tags.0"),
        ({"text": "ok", "tags": ["t" * 51]}, "tags.0"),
        ({"text": "ok", "tags": [str(n) for n in range(21)]}, "tags"),
        ({"text": "ok", "why_ask": "w" * 2001}, "why_ask"),
        ({"text": "ok", "position": 3}, "position"),
    ],
)
def test_question_validation(api, body, field):
    bank = _bank(api)
    r = api.post(f"{BASE}/{bank['id']}/questions", json=body)
    assert r.status_code == 422, r.text
    assert field in _errors(r)
    assert api.get(f"{BASE}/{bank['id']}").json()["question_count"] == 0


def test_full_bank_is_409(api, app):
    app.state.settings.max_bank_questions = 2
    bank = _bank(api)
    _question(api, bank["id"], "One?")
    _question(api, bank["id"], "Two?")
    r = api.post(f"{BASE}/{bank['id']}/questions", json={"text": "Three?"})
    assert r.status_code == 409 and "maximum of 2 questions" in r.json()["detail"]


def test_question_of_another_bank_is_404(api):
    one, two = _bank(api, "One"), _bank(api, "Two")
    question = _question(api, two["id"])
    assert api.get(f"{BASE}/{one['id']}/questions/{question['id']}").status_code == 404
    assert api.delete(f"{BASE}/{one['id']}/questions/{question['id']}").status_code == 404


def test_reorder_takes_the_full_list(api):
    bank = _bank(api)
    ids = [_question(api, bank["id"], f"Question {n}?")["id"] for n in range(3)]
    r = api.get(f"{BASE}/{bank['id']}/questions/order")
    assert r.status_code == 200 and r.json()["question_ids"] == ids
    etag = r.headers["etag"]
    url = f"{BASE}/{bank['id']}/questions/order"
    r = api.put(url, json={"question_ids": ids[::-1]}, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["question_ids"] == ids[::-1] and r.headers["etag"] != etag
    listed = api.get(f"{BASE}/{bank['id']}/questions").json()["items"]
    assert [q["id"] for q in listed] == ids[::-1]
    assert [q["position"] for q in listed] == [0, 1, 2]
    r = api.put(url, json={"question_ids": ids}, headers={"If-Match": etag})
    assert r.status_code == 412

    for bad in (ids[:2], [*ids, 2_000_000], [ids[0], *ids], [], [0, *ids]):
        r = api.put(url, json={"question_ids": bad})
        assert r.status_code == 422, (bad, r.text)
        assert any(f.startswith("question_ids") for f in _errors(r)), r.json()
    assert api.get(url).json()["question_ids"] == ids[::-1]


# ---- copy, share, and the second user ---------------------------------------------------


def test_copy_a_starter_bank(api):
    tiara = _builtin_id(api)
    r = api.post(f"{BASE}/{tiara}/copy")
    assert r.status_code == 201, r.text
    copy = r.json()
    assert copy["copied_from_id"] == tiara and copy["builtin"] is False and copy["editable"]
    assert copy["name"] == "TIARA (my copy)" and copy["question_count"] == 15
    assert r.headers["location"] == f"{BASE}/{copy['id']}"
    named = api.post(f"{BASE}/{tiara}/copy", json={"name": "My TIARA"}).json()
    assert named["name"] == "My TIARA"
    r = api.post(f"{BASE}/{tiara}/copy", json={"name": ""})
    assert r.status_code == 422 and "name" in _errors(r)
    original = [q["text"] for q in api.get(f"{BASE}/{tiara}/questions").json()["items"]]
    copied = [q["text"] for q in api.get(f"{BASE}/{copy['id']}/questions").json()["items"]]
    assert copied == original


def test_two_users_share_copy_but_never_edit(api, other_user, api_client_for):
    bob = api_client_for(other_user)
    shared = _bank(api, "Alice's questions")
    question = _question(api, shared["id"], "What surprised you?")
    private = _bank(api, "Alice's private")
    private_q = _question(api, private["id"])

    r = api.patch(f"{BASE}/{shared['id']}", json={"shared": True})
    assert r.status_code == 200 and r.json()["shared"] is True

    seen = bob.get(BASE, params={"scope": "shared"}).json()["items"]
    assert [(b["name"], b["owner_name"], b["editable"]) for b in seen] == [
        ("Alice's questions", "alice", False)
    ]
    assert bob.get(f"{BASE}/{shared['id']}").status_code == 200
    assert bob.get(f"{BASE}/{shared['id']}/questions/{question['id']}").status_code == 200
    r = bob.post(f"{BASE}/{shared['id']}/copy")
    assert r.status_code == 201 and r.json()["owned"] and r.json()["copied_from_id"] == shared["id"]
    bob_copy = r.json()["id"]
    assert bob.patch(f"{BASE}/{bob_copy}", json={"name": "Bob's now"}).status_code == 200

    writes = [
        ("PATCH", f"{BASE}/{shared['id']}", {"name": "Bob's"}),
        ("DELETE", f"{BASE}/{shared['id']}", None),
        ("POST", f"{BASE}/{shared['id']}/questions", {"text": "Bob?"}),
        ("PATCH", f"{BASE}/{shared['id']}/questions/{question['id']}", {"text": "Bob?"}),
        ("DELETE", f"{BASE}/{shared['id']}/questions/{question['id']}", None),
        ("PUT", f"{BASE}/{shared['id']}/questions/order", {"question_ids": [question["id"]]}),
    ]
    for method, url, body in writes:
        r = bob.request(method, url, json=body) if body else bob.request(method, url)
        assert r.status_code == 403, (method, url, r.text)
        assert "copy it to change it" in r.json()["detail"]
    assert api.get(f"{BASE}/{shared['id']}").json()["name"] == "Alice's questions"

    # Every id route on Alice's unshared bank is a 404 for Bob.
    order = f"{BASE}/{private['id']}/questions/order"
    probes = [
        ("GET", f"{BASE}/{private['id']}", None),
        ("PATCH", f"{BASE}/{private['id']}", {"name": "x"}),
        ("DELETE", f"{BASE}/{private['id']}", None),
        ("POST", f"{BASE}/{private['id']}/copy", None),
        ("GET", f"{BASE}/{private['id']}/export?format=csv", None),
        ("GET", f"{BASE}/{private['id']}/questions", None),
        ("POST", f"{BASE}/{private['id']}/questions", {"text": "x?"}),
        ("GET", order, None),
        ("PUT", order, {"question_ids": [private_q["id"]]}),
        ("GET", f"{BASE}/{private['id']}/questions/{private_q['id']}", None),
        ("PATCH", f"{BASE}/{private['id']}/questions/{private_q['id']}", {"text": "x?"}),
        ("DELETE", f"{BASE}/{private['id']}/questions/{private_q['id']}", None),
        ("GET", f"{BASE}/{bob_copy}/questions/{private_q['id']}", None),
    ]
    for method, url, body in probes:
        r = bob.request(method, url, json=body) if body else bob.request(method, url)
        assert r.status_code == 404, (method, url, r.text)
        assert "Alice" not in r.text
    assert private["id"] not in [b["id"] for b in bob.get(BASE).json()["items"]]

    # Unsharing takes it away from Bob; his copy stays his.
    api.patch(f"{BASE}/{shared['id']}", json={"shared": False})
    assert bob.get(f"{BASE}/{shared['id']}").status_code == 404
    assert bob.get(f"{BASE}/{bob_copy}").status_code == 200


def test_read_only_token_cannot_write(user, api_client_for):
    reader = api_client_for(user, scopes=("read",))
    assert reader.get(BASE).status_code == 200
    assert reader.post(BASE, json={"name": "x"}).status_code == 403


# ---- export and import ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_format", "media_type"),
    [("json", "application/json"), ("csv", "text/csv"), ("md", "text/markdown")],
)
def test_export_and_import_round_trip_over_http(api, file_format, media_type):
    bank = _bank(api, "Round Trip", description="About it.")
    _question(api, bank["id"], "=Formula first?", category="culture", tags=["a", "b"], why_ask="x")
    _question(api, bank["id"], "Second?", category="trends")
    r = api.get(f"{BASE}/{bank['id']}/export", params={"format": file_format})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media_type)
    assert r.headers["content-disposition"] == f'attachment; filename="round-trip.{file_format}"'

    files = {"file": (f"round-trip.{file_format}", r.content)}
    imported = api.post(f"{BASE}/import", files=files, data={"format": file_format})
    assert imported.status_code == 201, imported.text
    new = imported.json()
    assert imported.headers["location"] == f"{BASE}/{new['id']}"
    assert new["question_count"] == 2 and new["owned"]

    def questions(bank_id):
        items = api.get(f"{BASE}/{bank_id}/questions").json()["items"]
        return [(q["text"], q["category"], q["tags"], q["why_ask"], q["position"]) for q in items]

    assert questions(new["id"]) == questions(bank["id"])
    expected_name = "round-trip" if file_format == "csv" else "Round Trip"
    assert new["name"] == expected_name


def test_export_default_format_is_json_and_bad_format_is_422(api):
    bank_id = _builtin_id(api)
    r = api.get(f"{BASE}/{bank_id}/export")
    assert r.status_code == 200 and json.loads(r.text)["name"] == "TIARA"
    r = api.get(f"{BASE}/{bank_id}/export", params={"format": "xlsx"})
    assert r.status_code == 422 and "format" in _errors(r)


def test_import_with_a_name_and_idempotency(api):
    files = {"file": ("x.md", b"## Advice\n- One?\n")}
    headers = {"Idempotency-Key": "import-1"}
    first = api.post(
        f"{BASE}/import", files=files, data={"format": "md", "name": "Named"}, headers=headers
    )
    again = api.post(
        f"{BASE}/import", files=files, data={"format": "md", "name": "Named"}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["name"] == "Named" and again.json()["id"] == first.json()["id"]
    assert api.get(BASE, params={"scope": "mine"}).json()["total"] == 1


@pytest.mark.parametrize(
    ("file_format", "content", "field"),
    [
        ("csv", b"Fine?,culture\n", "row 1"),
        ("csv", b"text,category\nFine?,culture\nBad?,zodiac\n", "row 3"),
        ("md", b"## Advice\n- Fine?\nloose text\n", "line 3"),
        ("json", b'{"name": "x", "questions": [{"text": ""}]}', "question 1"),
        ("json", b"{oops", "line 1"),
        ("md", b"## Advice\n- caf\xe9?\n", "line 2"),
        ("csv", b"text\nA\x00\n", "line 2"),
    ],
)
def test_import_errors_are_located_and_import_nothing(api, file_format, content, field):
    r = api.post(f"{BASE}/import", files={"file": ("f", content)}, data={"format": file_format})
    assert r.status_code == 422, r.text
    assert field in _errors(r)
    assert api.get(BASE, params={"scope": "mine"}).json()["total"] == 0


def test_import_refuses_too_many_questions(api, app):
    app.state.settings.max_bank_questions = 2
    content = b"text\nOne?\nTwo?\nThree?\n"
    r = api.post(f"{BASE}/import", files={"file": ("f.csv", content)}, data={"format": "csv"})
    assert r.status_code == 422
    assert "at most 2" in r.json()["detail"] and "file" in _errors(r)
    assert api.get(BASE, params={"scope": "mine"}).json()["total"] == 0


def test_import_needs_file_and_known_format(api):
    r = api.post(f"{BASE}/import", data={"format": "csv"})
    assert r.status_code == 422 and "file" in _errors(r)
    r = api.post(f"{BASE}/import", files={"file": ("f", b"text\nA?\n")}, data={"format": "xls"})
    assert r.status_code == 422 and "format" in _errors(r)
    r = api.post(f"{BASE}/import", files={"file": ("f", b"text\nA?\n")})
    assert r.status_code == 422 and "format" in _errors(r)


def test_import_without_format_takes_it_from_the_file_name_like_the_page(api):
    r = api.post(f"{BASE}/import", files={"file": ("Ideas.markdown", b"## Advice\n- One?\n")})
    assert r.status_code == 201, r.text
    assert (r.json()["name"], r.json()["question_count"]) == ("Ideas", 1)
    r = api.post(f"{BASE}/import", files={"file": ("list.CSV", b"text\nA?\nB?\n")})
    assert r.status_code == 201 and r.json()["question_count"] == 2


def test_openapi_documents_the_routes(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths[BASE]) == {"get", "post"}
    assert "multipart/form-data" in paths[f"{BASE}/import"]["post"]["requestBody"]["content"]
    export = paths[f"{BASE}/{{bank_id}}/export"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv", "text/markdown"} <= set(export)
    operation_ids = [
        op["operationId"]
        for path, ops in paths.items()
        if path.startswith(BASE)
        for op in ops.values()
    ]
    assert len(operation_ids) == len(set(operation_ids)) == 15
    for ops in (paths[f"{BASE}/{{bank_id}}"], paths[f"{BASE}/{{bank_id}}/questions/order"]):
        for op in ops.values():
            assert "404" in op["responses"]
