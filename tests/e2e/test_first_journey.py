"""The first journey a newcomer takes: setup, log in, make a token, use it, log out."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_clean_console, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ADMIN = "ada"
PASSWORD = "first journey passphrase"


def test_setup_login_token_logout(start_server: Any, open_page: Any) -> None:
    server = start_server()  # an empty database: setup is open
    page = open_page(server)

    page.goto("/")
    assert page.url.endswith("/setup"), "a fresh install should send the visitor to setup"
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome to Rapport"
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.locator("#f-password").fill(PASSWORD)
    page.locator("#f-password_confirm").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{server.base_url}/")
    assert "Hello, Ada Lovelace" in page.get_by_role("heading", level=1).inner_text()

    # Setup signed us in; log out so the journey goes through the login page too.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Log in to Rapport"
    save_screenshot(page, "login")

    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    assert "Unknown username or wrong password" in page.get_by_role("alert").inner_text()
    # HTMX swaps the answer in, then honours `autofocus` on the username: typing before that
    # lands half the password in the username (seen once in CI under load).
    expect(page.locator("#f-username")).to_be_focused()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.base_url}/")
    assert page.get_by_role("heading", name="Your path").is_visible()
    save_screenshot(page, "dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ada Lovelace").click()
    page.wait_for_url("**/account")
    page.get_by_label("Token name").fill("journey script")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").inner_text().strip()
    assert token.startswith("rpt_")
    assert page.get_by_role("cell", name="journey script").is_visible()
    save_screenshot(page, "account-new-token")

    me = httpx.get(
        f"{server.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert me.status_code == 200, me.text
    assert me.json()["username"] == ADMIN

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.goto("/account")
    assert "/login" in page.url, "a logged-out browser must be sent to the login page"
    # The wrong password above answered 401 on purpose; Chromium logs every 4xx load.
    assert_clean_console(page, expected=("status of 401",))


def test_setup_is_closed_once_an_account_exists(live_server: Any, open_page: Any) -> None:
    page = open_page(live_server)
    page.goto("/setup")
    assert page.url.endswith("/login")
    assert_clean_console(page)
