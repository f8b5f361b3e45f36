"""Every main page, with a little data, renders cleanly in Chromium (and on a phone)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DEMO_USER,
    LiveServer,
    assert_clean_console,
    run_cli,
    save_screenshot,
)
from tests.seeding import Seeded, routes_in_schema, seed_everything

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Navigation targets; a page whose domain has not landed yet (404) is left out.
LIST_PAGES = [
    "/",
    "/careers",
    "/contacts",
    "/organizations",
    "/interviews",
    "/question-banks",
    "/follow-ups",
    "/account",
]
# Detail pages, by the seeded record they show.
DETAIL_PAGES = {
    "career_id": "/careers/{career_id}",
    "contact_id": "/contacts/{contact_id}",
    "organization_id": "/organizations/{organization_id}",
    "interview_id": "/interviews/{interview_id}",
    "bank_id": "/question-banks/{bank_id}",
}
# Named pages keep a readable screenshot name in test-artifacts/.
NAMED_PAGES = {"/careers": "careers", "/contacts": "contacts", "/interviews": "interviews"}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> Iterator[Seeded]:
    made = run_cli(live_server.env, "create-token", DEMO_USER, "--name", "e2e")
    assert made.returncode == 0, made.stdout + made.stderr
    token = made.stdout.strip().splitlines()[-1]
    with httpx.Client(
        base_url=live_server.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    ) as api:
        routes = routes_in_schema(api.get("/openapi.json").json())
        yield seed_everything(routes, api, marked=False)


def _log_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def _pages(seeded: Seeded) -> list[str]:
    details = [
        template.format(**seeded.params)
        for param, template in DETAIL_PAGES.items()
        if param in seeded.params
    ]
    return LIST_PAGES + details


def test_main_pages_render_without_console_errors(
    live_server: LiveServer, open_page: Any, seeded: Seeded
) -> None:
    page = open_page(live_server)
    _log_in(page)
    visited = []
    for url in _pages(seeded):
        response = page.goto(url)
        assert response is not None
        if response.status == 404 and url in LIST_PAGES:
            continue  # that domain's pages are not there yet
        assert response.status == 200, f"{url}: {response.status}"
        assert page.locator("h1").count() >= 1, f"{url} has no heading"
        assert page.locator("main#main").is_visible()
        visited.append(url)
        name = NAMED_PAGES.get(url)
        save_screenshot(page, name or "page" + url.replace("/", "-"))
    assert "/" in visited and "/account" in visited
    assert_clean_console(page)


def test_main_pages_fit_a_phone_screen(
    live_server: LiveServer, open_page: Any, seeded: Seeded
) -> None:
    page = open_page(live_server)
    page.set_viewport_size(PHONE)
    _log_in(page)
    too_wide = []
    for url in _pages(seeded):
        response = page.goto(url)
        if response is None or response.status != 200:
            continue
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            too_wide.append(f"{url} is {overflow}px wider than the screen")
            save_screenshot(page, "phone" + url.replace("/", "-"))
    assert not too_wide, "\n".join(too_wide)
    assert_clean_console(page)
