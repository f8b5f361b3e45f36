"""What a newcomer trips over (issue 11), walked in Chromium on a desktop and on a 390 px phone.

Setup proposes the browser's time zone and reports every mistake at once; every form post
ends on a page that reloads cleanly (no 405); errors name fields by label and keep what was
typed; a new contact is not due; completing an interview dates nothing in the future and
moves the contact to "met"; no main page scrolls sideways on a phone; no console errors.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, assert_clean_console, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

USERNAME = "newcomer"
PASSWORD = "a newcomer's long passphrase"
ZONE = "America/Chicago"
PHONE = {"width": 390, "height": 844}
# Refusals answer 422 on purpose; Chromium logs every 4xx load of a fetch.
EXPECTED_CONSOLE = ("status of 422",)
INTERVIEW_PAGE = re.compile(r"/interviews/(\d+)$")


def _reload_is_clean(page: Any) -> None:
    """A reload after a form post gets the page again, never "405 Method Not Allowed"."""
    response = page.reload()
    assert response is not None and response.status == 200, (
        f"reload of {page.url} answered {response.status if response else None}"
    )
    assert "Method Not Allowed" not in page.content()


def _errors(page: Any) -> str:
    return page.locator(".form-errors").inner_text()


def _set_up(page: Any, server: LiveServer) -> None:
    page.goto("/setup")
    # The browser's zone is proposed (app.js), the server checks the name.
    expect(page.locator("#f-timezone")).to_have_value(ZONE)
    page.locator("#f-username").fill("ab")
    page.locator("#f-display_name").fill("Nia Newcomer")
    page.locator("#f-email").fill("nia@")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("#f-password_confirm").fill(PASSWORD + " typo")
    page.get_by_role("button", name="Create account").click()
    errors = page.locator(".form-errors")
    expect(errors).to_be_visible()
    # Every problem at once, each named by its label, in plain words.
    text = _errors(page)
    assert "Username must be at least 3 characters." in text, text
    assert "Email must be an email address" in text, text
    assert "The two passwords do not match." in text, text
    assert "Input should" not in text and "String should" not in text, text
    # What was typed is kept (passwords excepted, on purpose).
    expect(page.locator("#f-username")).to_have_value("ab")
    expect(page.locator("#f-email")).to_have_value("nia@")
    expect(page.locator("#f-display_name")).to_have_value("Nia Newcomer")
    expect(page.locator("#f-timezone")).to_have_value(ZONE)
    page.locator("#f-username").fill(USERNAME)
    page.locator("#f-email").fill("nia@example.org")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("#f-password_confirm").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{server.base_url}/")
    _reload_is_clean(page)


def _account(page: Any) -> str:
    """Profile and token saves land on /account; a reload neither fails nor re-shows them."""
    page.goto("/account")
    expect(page.locator("#f-timezone")).to_have_value(ZONE)
    page.locator("#f-display_name").fill("Nia N.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Profile saved.")).to_be_visible()
    assert page.url.split("#")[0].endswith("/account")
    _reload_is_clean(page)
    expect(page.get_by_text("Profile saved.")).to_have_count(0)
    page.get_by_label("Token name").fill("newcomer script")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").inner_text().strip()
    assert token.startswith("rpt_")
    assert "rpt_" not in page.url
    _reload_is_clean(page)
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once
    return token


def _add_career(page: Any) -> int:
    page.goto("/careers/new")
    page.locator("#f-title").fill("Health informatics")
    page.get_by_role("button", name="Add career").click()
    page.wait_for_url(re.compile(r"/careers/\d+$"))
    _reload_is_clean(page)
    return int(page.url.rsplit("/", 1)[1])


def _add_contact(page: Any, career_id: int) -> int:
    page.goto("/contacts/new")
    page.locator("#f-full_name").fill("Jane Doe")
    page.locator("#f-organization").fill("Acme Health")
    page.locator("#f-email").fill("jane@")
    page.locator("#f-phone").fill("12")
    page.locator("#f-linkedin_url").fill("linkedin.com/in/jane-doe")  # no https://: accepted
    page.locator(f"#f-career-{career_id}").check()
    page.locator("#f-stay_in_touch_days").fill("every month")
    page.get_by_role("button", name="Add contact").click()
    expect(page.locator(".form-errors")).to_be_visible()
    text = _errors(page)
    for expected in (
        "None of your organizations is named “Acme Health”",
        "Email must be an email address",
        "Phone must be a valid number for region US",
        "Stay in touch every (days) must be a whole number.",
    ):
        assert expected in text, f"{expected!r} missing from:\n{text}"
    assert "LinkedIn" not in text, text
    # Every typed value is kept, valid or not.
    for field, value in (
        ("#f-full_name", "Jane Doe"),
        ("#f-email", "jane@"),
        ("#f-phone", "12"),
        ("#f-linkedin_url", "linkedin.com/in/jane-doe"),
        ("#f-stay_in_touch_days", "every month"),
        ("#f-organization", "Acme Health"),
    ):
        expect(page.locator(field)).to_have_value(value)
    save_screenshot(page, "contact-form-errors")
    page.locator("#f-email").fill("jane@example.org")
    page.locator("#f-phone").fill("+1 202 555 0143")
    page.locator("#f-stay_in_touch_days").fill("30")
    page.get_by_test_id("create-organization").check()  # "create 'Acme Health'" inline
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_url(re.compile(r"/contacts/\d+$"))
    _reload_is_clean(page)
    expect(page.get_by_role("link", name="Acme Health")).to_be_visible()
    expect(page.locator("#touch-summary")).not_to_contain_text("due now")
    return int(page.url.rsplit("/", 1)[1])


def _plan_and_complete(page: Any, career_id: int, contact_id: int) -> int:
    page.goto(f"/interviews/new?career_id={career_id}")
    page.locator("#f-contact").fill(f"Jane Doe (#{contact_id})")
    page.locator("#f-status").select_option("scheduled")
    page.locator("#f-scheduled_at").fill("1200-03-01T10:00")
    page.get_by_test_id("save-interview").click()
    expect(page.locator(".form-errors")).to_contain_text("must be a date between 1900 and 2200")
    expect(page.locator("#f-scheduled_at")).to_have_value("1200-03-01T10:00")
    next_week = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT10:00")
    page.locator("#f-scheduled_at").fill(next_week)
    page.get_by_test_id("save-interview").click()
    page.wait_for_url(INTERVIEW_PAGE)
    _reload_is_clean(page)
    interview_id = int(INTERVIEW_PAGE.search(page.url).group(1))  # type: ignore[union-attr]
    # Completing a future interview asks when it happened, proposing now (not next week).
    held = page.get_by_test_id("held-at").input_value()
    assert held[:10] <= datetime.now(UTC).strftime("%Y-%m-%d"), held
    page.get_by_test_id("transition-completed").click()
    expect(page.get_by_test_id("interview-status")).to_have_text("Completed")
    _reload_is_clean(page)
    return interview_id


def _check_dates(server: LiveServer, token: str, contact_id: int) -> None:
    """No derived date in the future; the contact moved to "met"; the clock starts now."""
    headers = {"Authorization": f"Bearer {token}"}
    contact = httpx.get(
        f"{server.base_url}/api/v1/contacts/{contact_id}", headers=headers, timeout=10
    ).json()
    now = datetime.now(UTC)
    last = datetime.fromisoformat(contact["last_contacted_at"])
    due = datetime.fromisoformat(contact["next_touch_due"])
    assert last <= now, contact
    assert due <= last + timedelta(days=30), contact
    assert contact["stage"] == "met", contact
    assert contact["phone"] == "+12025550143", "the API keeps E.164"


def test_newcomer_journey_on_a_desktop(start_server: Any, open_page: Any) -> None:
    server = start_server()
    page = open_page(server, timezone_id=ZONE)
    _set_up(page, server)
    token = _account(page)
    career_id = _add_career(page)
    contact_id = _add_contact(page, career_id)
    # A contact just added is not due: the dashboard does not list it.
    page.goto("/")
    expect(page.get_by_role("region", name="Due for a touch")).not_to_contain_text("Jane Doe")
    _plan_and_complete(page, career_id, contact_id)
    _check_dates(server, token, contact_id)
    # The contact page lists the interview under its career.
    page.goto(f"/contacts/{contact_id}")
    section = page.get_by_test_id("interviews-section-list")
    expect(section).to_contain_text("Health informatics")
    # With none upcoming, the interviews list opens where the held one is, on a styled tab.
    page.goto("/interviews")
    current = page.locator(".tabs a[aria-current=page]")
    expect(current).not_to_have_text("Upcoming")
    expect(page.get_by_test_id("interview-table")).to_contain_text("Jane Doe")
    assert current.evaluate("a => getComputedStyle(a).fontWeight") in ("700", "bold")
    # Phones read as people write them (the API keeps E.164, checked above).
    page.goto(f"/contacts/{contact_id}")
    expect(page.locator("[data-field=phone]")).to_have_text("(202) 555-0143")
    page.goto("/")
    expect(page.locator("ol.method")).to_contain_text("1 contact")
    expect(page.locator("ol.method")).to_contain_text("1 interview")
    # The API docs name no icon: the browser's /favicon.ico must not be a 404 either.
    page.goto("/docs")
    expect(page.locator("#swagger-ui .info")).to_be_visible()
    assert_clean_console(page, expected=EXPECTED_CONSOLE)


MAIN_PAGES = [
    "/",
    "/careers",
    "/careers/new",
    "/contacts",
    "/contacts/new",
    "/contacts/due",
    "/organizations",
    "/interviews",
    "/interviews/new",
    "/interviews/compare",
    "/question-banks",
    "/follow-ups",
    "/import-export",
    "/account",
]


def test_every_main_page_fits_a_390px_phone(live_server: LiveServer, open_page: Any) -> None:
    from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USER

    page = open_page(live_server, viewport=PHONE, timezone_id=ZONE)
    page.goto("/login")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    too_wide = []
    for url in MAIN_PAGES:
        response = page.goto(url)
        if response is None or response.status == 404:
            continue  # a domain whose pages have not landed
        assert response.status == 200, f"{url}: {response.status}"
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            too_wide.append(f"{url}: {width[0]}px of content on a {width[1]}px screen")
            save_screenshot(page, "phone-too-wide" + url.replace("/", "-"))
    assert not too_wide, "\n".join(too_wide)
    # The contacts filters are all on screen (none clipped at the right edge).
    page.goto("/contacts")
    save_screenshot(page, "contacts-phone")
    edges = page.eval_on_selector_all(
        "form.toolbar label, form.toolbar button",
        "els => els.map(e => e.getBoundingClientRect().right)",
    )
    assert edges and max(edges) <= PHONE["width"], edges
    # The main menu fits: every link of it is within the screen once opened.
    menu = page.locator("details.nav-menu")
    if menu.count():
        menu.locator("summary").click()
    links = page.eval_on_selector_all(
        "header nav a",
        "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().right)",
    )
    assert links and max(links) <= PHONE["width"], links
    assert_clean_console(page, expected=EXPECTED_CONSOLE)
