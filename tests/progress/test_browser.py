"""Progress in real Chromium: the dashboard chart and a career's page, no console errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

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
    save_screenshot,
    start_server,
)

__all__ = ["browser", "live_server", "open_page", "start_server"]
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _held_interviews(server: Any) -> dict[str, Any]:
    made = run_cli(server.env, "create-token", DEMO_USER, "--name", "progress journey")
    token = re.search(r"rpt_\S+", made.stdout)
    assert token, made.stdout + made.stderr
    with httpx.Client(
        base_url=f"{server.base_url}/api/v1",
        headers={"Authorization": f"Bearer {token.group(0)}"},
        timeout=30,
    ) as api:
        career = _ok(api.post("/careers", json={"title": "Marine biology", "interest": 5}))
        now = datetime.now(UTC)
        for days, rating in ((2, 2), (30, 3), (1, 4)):
            contact = _ok(
                api.post(
                    "/contacts", json={"full_name": f"Person {days}", "career_ids": [career["id"]]}
                )
            )
            interview = _ok(
                api.post(
                    "/interviews",
                    json={
                        "contact_id": contact["id"],
                        "career_id": career["id"],
                        "status": "scheduled",
                        "scheduled_at": (now - timedelta(days=days)).isoformat(),
                        "confidence": rating,
                    },
                )
            )
            _ok(api.post(f"/interviews/{interview['id']}/status", json={"status": "completed"}))
    return career


def test_dashboard_and_career_progress(live_server: Any, open_page: Any) -> None:
    career = _held_interviews(live_server)
    page = open_page(live_server)
    page.goto("/login")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.base_url}/")

    chart = page.get_by_role("img", name="Interviews held per month")
    expect(chart).to_be_visible()
    expect(page.locator("svg .bar-label").filter(has_text=re.compile(r"^[1-9]"))).not_to_have_count(
        0
    )
    page.locator("details.chart-numbers summary").click()
    expect(page.locator("details.chart-numbers table")).to_be_visible()
    row = page.locator(f'tr[data-career="{career["id"]}"]')
    expect(row.locator('td[data-field="interviews"]')).to_have_text("3 / 3")
    save_screenshot(page, "dashboard-progress")

    row.get_by_role("link", name="Marine biology").click()
    page.wait_for_url(f"{live_server.base_url}/careers/{career['id']}")
    expect(page.get_by_role("heading", name="Ready for job interviews?")).to_be_visible()
    expect(page.locator('dd[data-field="talked_to"]')).to_have_text("3")
    expect(page.locator('dd[data-field="confidence"]')).to_contain_text("3 → 4/5")
    expect(
        page.get_by_role("img", name="Marine biology: interviews held per month")
    ).to_be_visible()
    save_screenshot(page, "career-progress")
    assert_clean_console(page)
