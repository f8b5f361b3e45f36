"""Phones are shown as people write them; the API keeps E.164 (issue 11)."""

from __future__ import annotations


def test_a_phone_is_shown_formatted_and_kept_e164_in_the_api(api, web):
    made = api.post("/api/v1/contacts", json={"full_name": "Pat", "phone": "+1 202 555 0143"})
    assert made.status_code == 201, made.text
    assert made.json()["phone"] == "+12025550143"
    page = web.get(f"/contacts/{made.json()['id']}")
    assert "(202) 555-0143" in page.text
    abroad = api.post("/api/v1/contacts", json={"full_name": "Sam", "phone": "+44 20 7946 0958"})
    assert "+44 20 7946 0958" in web.get(f"/contacts/{abroad.json()['id']}").text
