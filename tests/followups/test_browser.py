"""The issue's journey in real Chromium: an interview completed through the API leaves a
thank-you with a draft naming the person and something they said; it opens in the mail
program, is marked done and shows on the contact; promises and referrals are tasks too; a
template is copied and previewed as it is edited; six contacts hear of a job search in one
step. No console errors, no CSP violations."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DEMO_USER,
    assert_clean_console,
    browser,
    live_server,
    open_page,
    run_cli,
    start_server,
)

__all__ = ["browser", "live_server", "open_page", "start_server"]
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _api(server: Any) -> httpx.Client:
    made = run_cli(server.env, "create-token", DEMO_USER, "--name", "follow-ups journey")
    assert made.returncode == 0, made.stdout + made.stderr
    token = re.search(r"rpt_\S+", made.stdout)
    assert token, made.stdout
    return httpx.Client(
        base_url=f"{server.base_url}/api/v1",
        headers={"Authorization": f"Bearer {token.group(0)}"},
        timeout=30,
    )


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _completed_interview(api: httpx.Client) -> dict[str, Any]:
    career = _ok(api.post("/careers", json={"title": "Marine biology"}))
    contact = _ok(
        api.post(
            "/contacts",
            json={
                "full_name": "Rachel Carson",
                "email": "rachel@example.org",
                "career_ids": [career["id"]],
                "stay_in_touch_days": 60,
            },
        )
    )
    interview = _ok(
        api.post(
            "/interviews",
            json={
                "contact_id": contact["id"],
                "career_id": career["id"],
                "status": "scheduled",
                "scheduled_at": "2026-11-20T10:00:00+00:00",
                "takeaways": "Field work is most of the job",
            },
        )
    )
    url = f"/interviews/{interview['id']}"
    _ok(api.post(f"{url}/promises", json={"text": "send my resume", "by": "me"}))
    _ok(api.post(f"{url}/referrals", json={"full_name": "Sylvia Earle"}))
    _ok(api.post(f"{url}/status", json={"status": "completed"}))
    for i in range(5):
        other = _ok(api.post("/contacts", json={"full_name": f"Colleague {i}"}))
        done = _ok(
            api.post(
                "/interviews",
                json={
                    "contact_id": other["id"],
                    "career_id": career["id"],
                    "status": "scheduled",
                    "scheduled_at": "2026-11-18T10:00:00+00:00",
                },
            )
        )
        _ok(api.post(f"/interviews/{done['id']}/status", json={"status": "completed"}))
    return contact


def _log_in(page: Any, base_url: str) -> None:
    page.goto("/login?next=/follow-ups")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/follow-ups")


def test_follow_up_journey(live_server: Any, open_page: Any) -> None:
    with _api(live_server) as api:
        contact = _completed_interview(api)
    page = open_page(live_server)
    _log_in(page, live_server.base_url)

    rows = page.locator("tr[data-follow-up-id]")
    expect(rows.filter(has_text="Keep a promise")).to_have_count(1)
    expect(rows.filter(has_text="Thank the introducer")).to_have_count(1)
    expect(page.locator('[data-testid="follow-up-count"]')).to_be_visible()

    thank_you = rows.filter(has_text="Thank you").filter(has_text="Rachel Carson")
    thank_you.get_by_role("link", name="Thank you").click()
    page.wait_for_url(re.compile(r"/follow-ups/\d+$"))
    draft = page.locator("#message-text").input_value()
    assert "Rachel" in draft and "Field work is most of the job" in draft
    mailto = page.locator("#mailto-link").get_attribute("href") or ""
    assert mailto.startswith("mailto:rachel@example.org?subject=")
    assert "Field work is most of the job" in unquote(mailto)

    page.get_by_role("button", name="Mark done").click()
    page.wait_for_url(f"{live_server.base_url}/contacts/{contact['id']}")
    expect(page.get_by_text(re.compile("Thank you: Thank you for your time"))).to_be_visible()

    page.goto("/follow-ups")
    promise = page.locator("tr[data-follow-up-id]").filter(has_text="Keep a promise")
    promise.get_by_role("button", name="Done").click()
    page.wait_for_url(f"{live_server.base_url}/follow-ups")
    expect(page.locator("tr[data-follow-up-id]").filter(has_text="Keep a promise")).to_have_count(0)

    page.goto("/message-templates")
    page.locator("tr[data-template-id]").filter(has_text="Thank you after").get_by_role(
        "button", name="Copy"
    ).click()
    page.wait_for_url(re.compile(r"/message-templates/\d+/edit$"))
    page.locator("#f-body").fill("Dear {{ contact.first_name }}, thanks!")
    page.locator("#f-contact_id").select_option(label="Rachel Carson")
    expect(page.locator("#preview-body")).to_have_value("Dear Rachel, thanks!")
    page.get_by_role("button", name="Save template").click()
    page.wait_for_url(re.compile(r"/message-templates/\d+$"))

    page.goto("/job-search")
    page.get_by_label("Status").select_option("searching")
    page.get_by_role("button", name="Save status").click()
    page.wait_for_url(f"{live_server.base_url}/job-search/network")
    expect(page.locator('input[name="contact_ids"]:checked')).to_have_count(6)
    page.get_by_role("button", name="Create the updates").click()
    page.wait_for_url(re.compile(r"/follow-ups\?kind=status_update$"))
    expect(page.locator("tr[data-follow-up-id]")).to_have_count(6)
    assert_clean_console(page)
