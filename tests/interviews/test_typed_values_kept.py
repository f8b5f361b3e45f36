"""A refused section form on the interview page keeps what was typed (issue 11)."""

from __future__ import annotations

import pytest


@pytest.fixture
def interview_id(api) -> int:
    contact = api.post("/api/v1/contacts", json={"full_name": "Ria"}).json()
    made = api.post("/api/v1/interviews", json={"contact_id": contact["id"]})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def test_a_research_link_with_a_bad_date_keeps_the_link_and_title(web, api, interview_id):
    version = str(api.get(f"/api/v1/interviews/{interview_id}").json()["version"])
    response = web.form_post(
        f"/interviews/{interview_id}/links",
        {
            "url": "example.org/article",
            "title": "Trends",
            "read_on": "31/02/20",
            "version": version,
        },
    )
    assert response.status_code == 422
    assert 'value="example.org/article"' in response.text
    assert 'value="Trends"' in response.text
    assert 'value="31/02/20"' in response.text
    assert "Read on must be a date between 1900 and 2200." in response.text


def test_the_agenda_own_question_is_kept_after_a_refusal(web, api, interview_id):
    response = web.form_post(
        f"/interviews/{interview_id}/agenda",
        {"text": "What surprised you most?", "category": "no-such-category"},
    )
    assert response.status_code == 422
    assert "What surprised you most?" in response.text
