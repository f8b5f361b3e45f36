"""/api/v1/message-templates: built-ins read-only, copies, 422 naming the line, render."""

from __future__ import annotations

import pytest

from app.messages.models import MessageTemplate

BUILTIN_KINDS = {
    "outreach",
    "thank_you",
    "status_update",
    "check_in",
    "send_resume",
    "thank_introducer",
    "keep_promise",
}


def _builtin(api, kind):
    found = api.get("/api/v1/message-templates", params={"kind": kind, "builtin": "true"}).json()
    assert found["total"] == 1
    return found["items"][0]


def test_builtins_are_listed_and_read_only(api):
    listed = api.get("/api/v1/message-templates", params={"limit": 200}).json()
    assert {t["kind"] for t in listed["items"] if t["builtin"]} == BUILTIN_KINDS
    outreach = _builtin(api, "outreach")
    assert "not looking for a job" in outreach["body"]
    url = f"/api/v1/message-templates/{outreach['id']}"
    assert api.get(url).status_code == 200
    assert api.patch(url, json={"name": "Mine"}).status_code == 403
    assert api.delete(url).status_code == 403
    assert api.get(url).json()["name"] == outreach["name"]


def test_copy_then_edit(api):
    thank = _builtin(api, "thank_you")
    copy = api.post(f"/api/v1/message-templates/{thank['id']}/copy")
    assert copy.status_code == 201
    mine = copy.json()
    assert mine["builtin"] is False and mine["body"] == thank["body"]
    assert copy.headers["Location"] == f"/api/v1/message-templates/{mine['id']}"
    url = f"/api/v1/message-templates/{mine['id']}"
    edited = api.patch(
        url, json={"subject": "Thanks, {{ contact.first_name }}"}, headers={"If-Match": '"v1"'}
    )
    assert edited.status_code == 200 and edited.headers["ETag"] == '"v2"'
    assert api.patch(url, json={"name": "x"}, headers={"If-Match": '"v1"'}).status_code == 412
    assert api.get("/api/v1/message-templates", params={"builtin": "false"}).json()["total"] == 1
    assert api.delete(url).status_code == 204


@pytest.mark.parametrize(
    "body, message",
    [
        ("Hi\n{{ contact.nickname }", "Line 2:"),
        ("Hi\n\n{% for %}", "Line 3:"),
        ("{{ ''.__class__ }}", "Line 1:"),
        ("{{ contact.name|center(99999) }}", "no filter named 'center'"),
    ],
)
def test_bad_templates_are_422_naming_the_line(api, body, message):
    response = api.post(
        "/api/v1/message-templates", json={"name": "Bad", "kind": "custom", "body": body}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    assert error["field"] == "body" and message in error["message"]


def test_unknown_variable_is_422_on_save_naming_the_line(api):
    response = api.post(
        "/api/v1/message-templates",
        json={"name": "Mine", "subject": "Hi", "body": "Dear\n{{ contact.nickname }}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "body",
        "message": "Line 2: 'dict object' has no attribute 'nickname'.",
    }


def test_a_template_failing_on_real_data_is_422_when_rendered(api, db, user, make_contact):
    # Saved before a rule tightened (or straight into the database): render still refuses.
    row = MessageTemplate(
        owner_id=user.id, name="Old", kind="custom", body="Hi\n{{ contact.nickname }}"
    )
    db.add(row)
    db.commit()
    contact = make_contact(user)
    response = api.post(
        f"/api/v1/message-templates/{row.id}/render", json={"contact_id": contact.id}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("Line 2:")


def test_render_for_a_contact_and_interview(api, user, make_contact, make_career, make_interview):
    career = make_career(user, "Marine biology")
    contact = make_contact(
        user, "Rachel Carson", email="rachel@example.org", organization="Ocean Institute"
    )
    interview = make_interview(user, contact, career=career, takeaways="Field work matters")
    thank = _builtin(api, "thank_you")
    response = api.post(
        f"/api/v1/message-templates/{thank['id']}/render",
        json={"contact_id": contact.id, "interview_id": interview.id},
    )
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["subject"] == "Thank you for your time"
    assert draft["body"].startswith("Dear Rachel,")
    assert '"Field work matters"' in draft["body"] and "Ocean Institute" in draft["body"]
    assert draft["mailto"].startswith("mailto:rachel@example.org?subject=Thank%20you")
    assert draft["warnings"] == []


def test_outreach_draft_warns(api, user, make_contact):
    made = api.post(
        "/api/v1/message-templates",
        json={
            "name": "Pushy",
            "kind": "outreach",
            "body": "Do you have openings? " + "word " * 160,
        },
    ).json()
    draft = api.post(f"/api/v1/message-templates/{made['id']}/render", json={}).json()
    assert len(draft["warnings"]) == 2
    builtin = _builtin(api, "outreach")
    clean = api.post(
        f"/api/v1/message-templates/{builtin['id']}/render",
        json={"contact_id": make_contact(user).id},
    ).json()
    assert clean["warnings"] == []


def test_another_users_templates_and_ids(api, user, other_user, api_client_for, make_contact):
    theirs = api_client_for(other_user)
    made = theirs.post("/api/v1/message-templates", json={"name": "Secret", "body": "hush"}).json()
    url = f"/api/v1/message-templates/{made['id']}"
    assert api.get(url).status_code == 404
    assert api.patch(url, json={"name": "x"}).status_code == 404
    assert api.delete(url).status_code == 404
    assert api.post(f"{url}/render", json={}).status_code == 404
    assert api.post(f"{url}/copy").status_code == 404
    assert theirs.get(url).json() == made
    mine = _builtin(api, "check_in")
    their_contact = make_contact(other_user, "Hidden Person")
    refused = api.post(
        f"/api/v1/message-templates/{mine['id']}/render", json={"contact_id": their_contact.id}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "contact_id"
    assert "Hidden" not in refused.text
    assert "Secret" not in api.get("/api/v1/message-templates", params={"limit": 200}).text


def test_sort_whitelist(api):
    assert api.get("/api/v1/message-templates", params={"sort": "body"}).status_code == 400
    names = [
        t["name"]
        for t in api.get("/api/v1/message-templates", params={"sort": "name"}).json()["items"]
    ]
    assert names == sorted(names, key=str.lower)
