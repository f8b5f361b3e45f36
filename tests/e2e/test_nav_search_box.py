"""The header's search box is rounded at both ends, like the controls beside it, on a phone
and on a desktop (Pico squares a search group's inner edge; the box is a group of one)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USER, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CORNERS = (
    "e => { const s = getComputedStyle(e); return [s.borderTopLeftRadius, "
    "s.borderTopRightRadius, s.borderBottomRightRadius, s.borderBottomLeftRadius]; }"
)


def _log_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nav_search_box_is_rounded_at_both_ends(
    live_server: LiveServer, open_page: Any, viewport: dict[str, int]
) -> None:
    page = open_page(live_server, viewport=viewport)
    _log_in(page)
    box = page.locator("form.nav-search input[type=search]")
    corners = box.evaluate(CORNERS)
    assert "0px" not in corners, corners
    assert len(set(corners)) == 1, corners


def test_the_results_list_is_not_rounded_like_the_box(
    live_server: LiveServer, open_page: Any
) -> None:
    """The list of results opens inside the search form, where Pico's radius is the box's
    5rem pill: a list that rounded cut off the first letters of its lines."""
    page = open_page(live_server, viewport=DESKTOP)
    _log_in(page)
    # The list as the results fragment draws it, in the place it opens.
    corners = page.locator("#nav-search-results").evaluate(
        "e => { e.innerHTML = '<ul class=\"search-suggestions\"><li>x</li></ul>';"
        f" return ({CORNERS})(e.firstElementChild); }}"
    )
    assert all(float(c.removesuffix("px")) <= 12 for c in corners), corners
