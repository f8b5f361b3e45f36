"""Addresses are accepted as people write them (issue 11): "acme.org" means https://acme.org."""

from __future__ import annotations


def test_a_website_without_a_scheme_is_read_as_https(api, web):
    made = api.post("/api/v1/organizations", json={"name": "Acme", "website": "acme.org/about"})
    assert made.status_code == 201, made.text
    assert made.json()["website"] == "https://acme.org/about"
    page = web.get("/organizations/new")
    field = page.text.split('id="f-website"')[1].split(">")[0]
    assert 'type="text"' in field and 'inputmode="url"' in field  # the browser does not refuse it


def test_other_schemes_are_still_refused(api):
    made = api.post(
        "/api/v1/organizations", json={"name": "Evil", "website": "javascript:alert(1)"}
    )
    assert made.status_code == 422
    assert made.json()["errors"][0]["message"].startswith("Website must be")
