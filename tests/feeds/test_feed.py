"""The calendar feed: valid iCalendar, private to its secret, rotatable, revocable, cacheable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from icalendar import Calendar

from app.feeds.models import CalendarFeed
from tests.feeds.conftest import FEED_API, SOON, events, path_of

CALENDAR = "text/calendar; charset=utf-8"


def test_the_feed_lists_scheduled_interviews_as_valid_icalendar(api, client, schedule, feed_path):
    interview = schedule(api)
    response = client.get(feed_path(api))
    assert response.status_code == 200
    assert response.headers["content-type"] == CALENDAR
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["X-WR-CALNAME"]).startswith("Rapport")
    assert "REFRESH-INTERVAL" in calendar and "X-PUBLISHED-TTL" in calendar
    found = events(response.content)
    uid = f"interview-{interview['id']}@testserver"
    assert list(found) == [uid]
    event = found[uid]
    start = event.decoded("DTSTART")
    assert start == SOON and start.utcoffset() == timedelta(0)
    assert event.decoded("DTEND") - start == timedelta(minutes=45)
    assert "Rachel Carson" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "https://meet.example/abc"
    assert str(event["URL"]) == f"http://testserver/interviews/{interview['id']}"
    assert "Link: https://meet.example/abc" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTAMP").tzinfo is not None


def test_unscheduled_interviews_stay_off_and_cancelled_ones_say_so(
    api, client, schedule, feed_path
):
    planned = api.post(
        "/api/v1/interviews",
        json={"contact_id": schedule(api, "Jane Goodall")["contact_id"], "status": "planned"},
    ).json()
    cancelled = schedule(api, "Sylvia Earle")
    changed = api.post(f"/api/v1/interviews/{cancelled['id']}/status", json={"status": "cancelled"})
    assert changed.status_code == 200, changed.text
    found = events(client.get(feed_path(api)).content)
    assert f"interview-{planned['id']}@testserver" not in found
    event = found[f"interview-{cancelled['id']}@testserver"]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) >= 1


def test_moving_an_interview_raises_its_sequence_and_the_etag(api, client, schedule, feed_path):
    interview = schedule(api)
    path = feed_path(api)
    first = client.get(path)
    etag = first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    moved = api.patch(
        f"/api/v1/interviews/{interview['id']}",
        json={"scheduled_at": (SOON + timedelta(days=1)).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag
    before = events(first.content)[f"interview-{interview['id']}@testserver"]
    after = events(again.content)[f"interview-{interview['id']}@testserver"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == SOON + timedelta(days=1)
    assert str(after["UID"]) == str(before["UID"])


def test_the_same_data_gives_the_same_etag_and_a_304(api, client, schedule, feed_path):
    schedule(api)
    path = feed_path(api)
    first = client.get(path)
    second = client.get(path)
    assert first.content == second.content
    assert first.headers["ETag"] == second.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    not_modified = client.get(path, headers={"If-None-Match": f'"x", {first.headers["ETag"]}'})
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_a_second_users_secret_never_shows_the_first_users_items(
    api, client, schedule, feed_path, other_user, api_client_for
):
    mine = schedule(api, "Rachel Carson")
    mallory = api_client_for(other_user)
    theirs = schedule(mallory, "Mallory's contact")
    their_feed = client.get(feed_path(mallory))
    assert their_feed.status_code == 200
    assert list(events(their_feed.content)) == [f"interview-{theirs['id']}@testserver"]
    assert b"Rachel Carson" not in their_feed.content
    assert f"interview-{mine['id']}@" not in their_feed.text


def test_a_rotated_or_revoked_secret_answers_404(api, client, schedule, feed_path, db, user):
    schedule(api)
    old = feed_path(api)
    new = feed_path(api)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    stored = db.query(CalendarFeed).filter_by(owner_id=user.id).one()
    secret = new.removeprefix("/feeds/").removesuffix(".ics")
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    db.rollback()
    assert api.delete(FEED_API).status_code == 204
    assert client.get(new).status_code == 404
    for guess in ("/feeds/rcal_nothing.ics", "/feeds/x.ics", f"/feeds/{'a' * 150}.ics"):
        assert client.get(guess).status_code == 404


def test_feed_state_through_the_api(api, user, api_client_for):
    assert api.get(FEED_API).json() == {"enabled": False, "enabled_at": None, "rotated_at": None}
    made = api.post(FEED_API).json()
    assert made["webcal_url"] == "webcal://" + made["url"].removeprefix("http://")
    assert path_of(made["url"]).startswith("/feeds/rcal_")
    state = api.get(FEED_API).json()
    assert state["enabled"] is True and state["rotated_at"] is None
    assert "url" not in state
    api.post(FEED_API)
    assert api.get(FEED_API).json()["rotated_at"] is not None
    reader = api_client_for(user, ("read",))
    assert reader.post(FEED_API).status_code == 403
    assert reader.delete(FEED_API).status_code == 403


def test_a_feed_of_a_disabled_account_answers_404(api, client, feed_path, db, user):
    path = feed_path(api)
    user.is_active = False
    db.add(user)
    db.commit()
    assert client.get(path).status_code == 404


def test_times_are_utc_whatever_the_offset_sent(api, client, schedule, feed_path):
    from datetime import datetime, timezone

    paris = timezone(timedelta(hours=1))
    at = datetime(2030, 1, 15, 9, 30, tzinfo=paris)
    interview = schedule(api, at=at)
    event = events(client.get(feed_path(api)).content)[f"interview-{interview['id']}@testserver"]
    assert event.decoded("DTSTART") == at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert "DTSTART:20300115T083000Z" in event.to_ical().decode()


def test_open_follow_ups_are_all_day_items_on_their_due_day(api, client, schedule, feed_path):
    pytest.importorskip("app.followups")
    contact_id = schedule(api)["contact_id"]
    due = SOON + timedelta(days=2)
    made = api.post(
        "/api/v1/follow-ups",
        json={"contact_id": contact_id, "kind": "send_resume", "due_at": due.isoformat()},
    )
    assert made.status_code == 201, made.text
    event = events(client.get(feed_path(api)).content)[f"follow-up-{made.json()['id']}@testserver"]
    assert event.decoded("DTSTART") == due.date()  # the user's zone is UTC
    assert event.decoded("DTEND") == due.date() + timedelta(days=1)
    assert "Rachel Carson" in str(event["SUMMARY"])
