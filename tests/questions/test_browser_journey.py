"""The question bank journey in real Chromium: copy TIARA, add, reorder, edit, share; a second
user reads the shared bank, cannot change it, and copies it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

# The browser harness lives with the other journeys; its fixtures are reused here.
from tests.e2e.conftest import (  # noqa: F401
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

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SECOND_USER = "bob"
SECOND_PASSWORD = "bob's long passphrase"
NEW_QUESTION = "What would you do in my place this month?"


def _log_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def _question_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#questions li .question-text").all_inner_texts()]


def test_question_bank_journey(live_server: Any, open_page: Any) -> None:  # noqa: F811
    made = run_cli(
        live_server.env, "create-user", SECOND_USER, "--password-stdin", stdin=SECOND_PASSWORD
    )
    assert made.returncode == 0, made.stdout + made.stderr

    page = open_page(live_server)
    _log_in(page, live_server.base_url, DEMO_USER, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Question banks").click()
    page.wait_for_url("**/question-banks")
    starter = page.locator("section#starter")
    assert starter.get_by_role("link", name="TIARA").is_visible()
    assert page.locator("section#mine .empty-state").is_visible()
    save_screenshot(page, "question-banks")

    starter.get_by_role("link", name="TIARA").click()
    page.wait_for_url("**/question-banks/*")
    assert "read-only" in page.locator("#read-only").inner_text()
    page.locator("#read-only").get_by_role("button", name="Copy to my banks").click()
    page.wait_for_selector("#add-question")
    copy_url = page.url
    assert len(_question_texts(page)) == 15

    # Add a question (HTMX swaps the bank body in place).
    form = page.locator("#add-question")
    form.locator("#f-text").fill(NEW_QUESTION)
    form.locator("#f-category").select_option("advice")
    form.locator("#f-tags").fill("plan; next")
    page.get_by_role("button", name="Add question").click()
    expect(page.locator("#questions li")).to_have_count(16)
    assert _question_texts(page)[-1] == NEW_QUESTION

    # Reorder with the keyboard: focus "Move up" and press Enter, twice; focus stays put.
    new_id = page.locator("#questions li").nth(15).get_attribute("id").removeprefix("q-")
    page.get_by_role("button", name="Move question 16 up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#questions li .question-text").nth(14)).to_have_text(NEW_QUESTION)
    expect(page.locator(f"#move-up-{new_id}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#questions li .question-text").nth(13)).to_have_text(NEW_QUESTION)
    page.locator(f"#move-down-{new_id}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#questions li .question-text").nth(14)).to_have_text(NEW_QUESTION)

    # Inline edit of the first question.
    page.get_by_role("button", name="Edit question 1", exact=True).click()
    page.wait_for_selector("form.question-edit")
    page.locator("#f-edit-text").fill("Which trends are changing your work this year?")
    page.get_by_role("button", name="Save question").click()
    page.wait_for_selector("form.question-edit", state="detached")
    assert _question_texts(page)[0] == "Which trends are changing your work this year?"

    # Filter by category, then share.
    page.locator("#f-filter-category").select_option("advice")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**category=advice*")
    assert NEW_QUESTION in _question_texts(page)
    page.get_by_role("button", name="Show all").click()
    expect(page.locator("#questions li")).to_have_count(16)
    assert page.locator("header.site-header").count() == 1
    page.get_by_role("button", name="Share with other users").click()
    page.get_by_role("button", name="Stop sharing").wait_for()
    save_screenshot(page, "question-bank")
    assert_clean_console(page)

    # The second user sees it under "Shared with me", read-only, and copies it.
    other = open_page(live_server)
    _log_in(other, live_server.base_url, SECOND_USER, SECOND_PASSWORD)
    other.goto("/question-banks")
    shared = other.locator("section#shared")
    assert shared.get_by_role("link", name="TIARA").is_visible()
    shared.get_by_role("link", name="TIARA").click()
    other.wait_for_url(copy_url)
    assert other.locator("#add-question").count() == 0
    assert other.locator(".question-actions").count() == 0
    assert "demo" in other.locator("[data-testid=kind]").inner_text()
    other.locator("#read-only").get_by_role("button", name="Copy to my banks").click()
    other.wait_for_selector("#add-question")
    assert other.url != copy_url
    assert _question_texts(other)[14] == NEW_QUESTION
    assert_clean_console(other)
