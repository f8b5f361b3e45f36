"""The job-search page: set the status, then update the network in one step."""

from __future__ import annotations

from bs4 import BeautifulSoup


def _page(response):
    return BeautifulSoup(response.text, "html.parser")


def test_searching_offers_update_my_network(web, user, make_contact, make_career, make_interview):
    career = make_career(user, "Marine biology")
    people = [make_contact(user, f"Person {i}") for i in range(6)]
    for person in people:
        make_interview(user, person, career=career)
    form = _page(web.get("/job-search"))
    version = form.select_one('input[name="version"]')["value"]
    response = web.form_post(
        "/job-search",
        {"status": "searching", "note": "Analyst roles", "since": "", "version": version},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/job-search/network"
    page = _page(web.get("/job-search/network"))
    boxes = page.select('input[name="contact_ids"]')
    assert len(boxes) == 6 and all(b.has_attr("checked") for b in boxes)
    assert page.select_one("legend").text == "Marine biology"
    chosen = [b["value"] for b in boxes]
    done = web.form_post("/job-search/network", {"contact_ids": chosen}, follow_redirects=False)
    assert done.status_code == 303
    listed = _page(web.get(done.headers["location"]))
    assert len(listed.select("tr[data-follow-up-id]")) == 6
    # Submitting again (a double click) tells nobody twice.
    web.form_post("/job-search/network", {"contact_ids": chosen})
    listed = _page(web.get("/follow-ups?kind=status_update"))
    assert len(listed.select("tr[data-follow-up-id]")) == 6


def test_invalid_status_keeps_the_note(web):
    response = web.form_post(
        "/job-search", {"status": "retired", "note": "Kept note", "version": "0"}
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#e-status")
    assert page.select_one('textarea[name="note"]').text == "Kept note"


def test_network_without_a_choice_is_422(web):
    web.form_post("/job-search", {"status": "searching", "version": "0"})
    response = web.form_post("/job-search/network", {})
    assert response.status_code == 422
    assert "Choose at least one person" in response.text


def test_a_damaged_or_blank_version_is_refused_not_a_silent_overwrite(web):
    for damaged in ("", "abc"):
        response = web.form_post(
            "/job-search", {"status": "preparing", "note": "n", "version": damaged}
        )
        assert response.status_code == 422, damaged
    stale = web.form_post("/job-search", {"status": "preparing", "note": "n", "version": "7"})
    assert stale.status_code == 409
