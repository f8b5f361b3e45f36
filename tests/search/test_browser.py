"""In Chromium: results as you type on /search, and the navigation box's keyboard."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (  # noqa: F401 (fixtures)
    DEMO_PASSWORD,
    DEMO_USER,
    LiveServer,
    assert_clean_console,
    browser,
    live_server,
    open_page,
    run_cli,
    save_screenshot,
    start_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def answer_url(live_server: LiveServer) -> str:  # noqa: F811
    """One interview whose agenda answer mentions Python; the URL of that answer."""
    made = run_cli(live_server.env, "create-token", DEMO_USER, "--name", "search-e2e")
    assert made.returncode == 0, made.stdout + made.stderr
    token = made.stdout.strip().splitlines()[-1]
    with httpx.Client(
        base_url=live_server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    ) as api:
        contact = api.post("/api/v1/contacts", json={"full_name": "Search Journey"})
        assert contact.status_code == 201, contact.text
        interview = api.post("/api/v1/interviews", json={"contact_id": contact.json()["id"]})
        assert interview.status_code == 201, interview.text
        interview_id = interview.json()["id"]
        item = api.post(
            f"/api/v1/interviews/{interview_id}/questions",
            json={"text": "What matters most?"},
        )
        assert item.status_code == 201, item.text
        item_id = item.json()["id"]
        version = item.json()["version"]
        answered = api.patch(
            f"/api/v1/interviews/{interview_id}/questions/{item_id}",
            json={"answer_notes": "SQL matters more than Pythonesque tooling."},
            headers={"If-Match": f'"v{version}"'},
        )
        assert answered.status_code == 200, answered.text
    return f"/interviews/{interview_id}#agenda-item-{item_id}"


def _log_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def test_results_come_as_you_type(
    live_server: LiveServer,  # noqa: F811
    open_page: Any,  # noqa: F811
    answer_url: str,
) -> None:
    page = open_page(live_server)
    _log_in(page)
    page.goto("/search")
    page.locator("#search-page-q").press_sequentially("pyth", delay=40)
    first = page.locator('[data-testid="search-hit"]').first
    first.locator("mark").wait_for()
    assert first.locator("a").get_attribute("href") == answer_url
    assert first.locator("mark").first.inner_text().lower() == "pythonesque"
    assert "q=pyth" in page.url
    # The answer says whose interview it was (not scheduled: no date).
    assert first.locator(".search-hit-context").inner_text() == "Interview with Search Journey"
    # The links to each kind's results sit side by side, not spread across the page.
    boxes = [link.bounding_box() for link in page.locator(".search-counts a").all()]
    assert len(boxes) >= 2
    for left, right in pairwise(boxes):
        assert left is not None and right is not None
        assert right["y"] == left["y"] and right["x"] - (left["x"] + left["width"]) < 30
    save_screenshot(page, "search-results")
    assert_clean_console(page)


def test_navigation_box_keyboard(
    live_server: LiveServer,  # noqa: F811
    open_page: Any,  # noqa: F811
    answer_url: str,
) -> None:
    page = open_page(live_server)
    _log_in(page)
    page.keyboard.press("/")
    box = page.locator("[data-search-box] input[name=q]")
    assert box.evaluate("el => el === document.activeElement")
    box.press_sequentially("pyth", delay=40)
    page.locator(".search-suggestions [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "search-option-1"
    page.keyboard.press("Enter")
    page.wait_for_url("**" + answer_url.split("#")[0] + "*")
    assert_clean_console(page)
