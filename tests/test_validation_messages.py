"""One catalogue of plain-language messages, by label, for pages and the API (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from app import validation

PROGRAMMER_WORDS = ("Input should", "String should", "Field required", "unable to parse")


def _api_messages(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _page_messages(response) -> list[str]:
    assert response.status_code == 422, response.text[:500]
    box = BeautifulSoup(response.text, "html.parser").select_one(".form-errors")
    assert box is not None
    return [li.get_text(" ", strip=True) for li in box.select("li")]


def test_the_catalogue_words_pydantic_errors_by_label():
    cases = {
        ("missing", ("body", "full_name")): "Full name is required.",
        ("string_too_short", ("full_name",)): "Full name is required.",
        (
            "int_parsing",
            ("stay_in_touch_days",),
        ): "Stay in touch every (days) must be a whole number.",
        ("datetime_from_date_parsing", ("scheduled_at",)): (
            "Scheduled for must be a date between 1900 and 2200."
        ),
        (
            "date_from_datetime_parsing",
            ("read_on",),
        ): "Read on must be a date between 1900 and 2200.",
    }
    for (kind, loc), expected in cases.items():
        ctx = {"min_length": 1} if kind == "string_too_short" else {}
        error = {"type": kind, "loc": loc, "msg": "Input should be ...", "ctx": ctx}
        assert validation.message(error) == expected


def test_api_errors_are_plain_and_all_reported(api):
    response = api.post(
        "/api/v1/contacts",
        json={"full_name": "", "stay_in_touch_days": "abc", "email": "nope"},
    )
    messages = _api_messages(response)
    assert messages["full_name"] == "Full name is required."
    assert messages["stay_in_touch_days"] == "Stay in touch every (days) must be a whole number."
    assert messages["email"].startswith("Email must be an email address")
    assert not any(word in m for m in messages.values() for word in PROGRAMMER_WORDS)


def test_the_page_and_the_api_say_the_same(api, web):
    api_messages = _api_messages(
        api.post("/api/v1/contacts", json={"full_name": "Kim", "stay_in_touch_days": "abc"})
    )
    page = _page_messages(
        web.form_post("/contacts/new", {"full_name": "Kim", "stay_in_touch_days": "abc"})
    )
    assert api_messages["stay_in_touch_days"] in page


def test_an_empty_name_reads_the_same_on_every_form(web):
    for url, field in (("/contacts/new", "full_name"), ("/careers/new", "title")):
        messages = _page_messages(web.form_post(url, {field: ""}))
        assert any(m.endswith("is required.") for m in messages), (url, messages)


def test_an_interaction_in_the_future_is_refused_by_the_api(api, web):
    contact = api.post("/api/v1/contacts", json={"full_name": "Fay"}).json()
    ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    response = api.post(
        "/api/v1/interactions",
        json={"contact_id": contact["id"], "kind": "call", "occurred_at": ahead},
    )
    assert _api_messages(response)["occurred_at"].startswith("When must not be in the future")


@pytest.mark.parametrize("year", ["1200", "2300"])
def test_interview_dates_out_of_range_read_like_every_other_date(web, api, year):
    contact = api.post("/api/v1/contacts", json={"full_name": "Lee"}).json()
    response = web.form_post(
        "/interviews",
        {
            "contact": f"Lee (#{contact['id']})",
            "status": "scheduled",
            "scheduled_at": f"{year}-03-01T10:00",
        },
    )
    assert "Scheduled for must be a date between 1900 and 2200." in _page_messages(response)
    assert f'value="{year}-03-01T10:00"' in response.text  # what was typed is kept


def test_query_parameters_read_in_plain_words(api):
    """A search's text and kinds are named as the search box and its filters name them,
    and a bad item of a list of values says which one."""
    missing = _api_messages(api.get("/api/v1/search"))
    assert missing == {"q": "Search text is required."}
    bad_kind = _api_messages(api.get("/api/v1/search?q=ab&types=contact&types=nope"))
    assert list(bad_kind) == ["types.1"]
    assert bad_kind["types.1"].startswith("Kinds (item 2) must be one of: 'contact'")
    too_long = _api_messages(api.get("/api/v1/contacts?q=" + "x" * 201))
    assert too_long == {"q": "Search text must be at most 200 characters."}
