"""A single interview as its own .ics file, and the account panel for the feed."""

from __future__ import annotations

from icalendar import Calendar

from tests.feeds.conftest import events


def test_one_interview_downloads_as_its_own_ics(api, web, schedule):
    interview = schedule(api)
    for client, path in (
        (api, f"/api/v1/interviews/{interview['id']}/ics"),
        (web, f"/interviews/{interview['id']}.ics"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.headers["content-disposition"].startswith(
            f'attachment; filename="interview-{interview["id"]}.ics"'
        )
        assert list(events(response.content)) == [f"interview-{interview['id']}@testserver"]
        Calendar.from_ical(response.content)


def test_an_unscheduled_or_anothers_interview_has_no_ics(
    api, schedule, other_user, api_client_for, web_client_for
):
    contact_id = schedule(api)["contact_id"]
    planned = api.post("/api/v1/interviews", json={"contact_id": contact_id}).json()
    assert api.get(f"/api/v1/interviews/{planned['id']}/ics").status_code == 404
    scheduled = schedule(api, "Jane Goodall")
    assert (
        api_client_for(other_user).get(f"/api/v1/interviews/{scheduled['id']}/ics").status_code
        == 404
    )
    assert web_client_for(other_user).get(f"/interviews/{scheduled['id']}.ics").status_code == 404


def test_account_panel_turns_on_rotates_and_turns_off(web, client):
    page = web.get("/feeds")
    assert "Your feed is <strong>off</strong>" in page.text
    on = web.form_post("/feeds/rotate", {})
    assert on.status_code == 200
    assert "webcal://testserver/feeds/rcal_" in on.text
    assert 'data-copy="#feed-url"' in on.text
    url = on.text.split('value="webcal://testserver', 1)[1].split('"', 1)[0]
    assert client.get(url).status_code == 200
    again = web.get("/feeds")
    assert "Your feed is <strong>on</strong>" in again.text
    assert "rcal_" not in again.text  # the address is never shown twice
    off = web.form_post("/feeds/revoke", {}, follow_redirects=False)
    assert off.status_code == 303
    assert client.get(url).status_code == 404
    assert "Your feed is <strong>off</strong>" in web.get("/feeds").text


def test_the_panel_fragment_loads_into_another_page(web):
    fragment = web.get("/feeds", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="calendar-feed"')
    assert "<html" not in fragment.text


def test_the_account_page_carries_the_panel(web):
    page = web.get("/account")
    assert 'id="calendar-feed"' in page.text
    assert 'hx-get="/feeds"' in page.text and 'href="/feeds"' in page.text
