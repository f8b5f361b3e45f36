"""The import journey in real Chromium: upload a hand-made spreadsheet, see the preview with
a guessed mapping, map a column, untick a row, commit; the same file again is all
duplicates, each linking to the contact it matches. No console errors, no CSP violations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DEMO_USER,
    assert_clean_console,
    browser,
    live_server,
    open_page,
    page_replaced,
    save_screenshot,
    start_server,
)

__all__ = ["browser", "live_server", "open_page", "start_server"]
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHEET = (
    "Nom complet;Courriel;Firma;Who knows\n"
    "Zelda Importwell;zelda@import.example;Hyrule Labs;owl\n"
    "Link Importwell;link@import.example;Hyrule Labs;fairy\n"
    "Ganon Importwell;ganon@import.example;Dark Inc;\n"
    ";nameless@import.example;;\n"
)


def _log_in(page: Any, base_url: str) -> None:
    page.goto("/login?next=/import-export")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/import-export")


def _upload(page: Any, path: Path) -> None:
    page.goto("/import-export#import-any")
    page.locator("#f-any-file").set_input_files(str(path))
    page.locator("#import-any-form").get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/import-export/preview$"))


def test_import_preview_journey(live_server: Any, open_page: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_bytes(SHEET.encode("cp1252"))
    page = open_page(live_server)
    _log_in(page, live_server.base_url)

    _upload(page, sheet)
    rows = page.locator("#preview-rows tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator('[data-reading="delimiter"]')).to_have_text("semicolon")
    expect(page.locator("#f-map-name")).to_have_value("Nom complet")
    expect(page.locator("#f-map-email")).to_have_value("Courriel")
    expect(page.locator('tr[data-status="invalid"]')).to_contain_text("A name is needed")
    save_screenshot(page, "import-preview")

    # Map "Who knows" as tags, then preview again: the choice survives the round trip.
    page.locator("#f-map-tags").select_option("Who knows")
    with page_replaced(page):
        page.get_by_role("button", name="Preview again").click()
    assert re.search(r"/import-export/preview$", page.url)
    expect(page.locator("#f-map-tags")).to_have_value("Who knows")

    # Leave Ganon out, import the rest.
    page.get_by_label("Import line 4").uncheck()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/import-export\?created=2"))
    expect(page.locator('[data-testid="import-done"]')).to_contain_text("Imported 2 contacts")

    # The same file again: nothing new, each row links to the contact it matches.
    _upload(page, sheet)
    expect(page.locator('tr[data-status="new"]')).to_have_count(1)  # Ganon, left out before
    zelda = page.locator('tr[data-status="duplicate"]').filter(has_text="Zelda Importwell")
    expect(zelda).to_contain_text("same email")
    zelda.get_by_role("link", name="Zelda Importwell").click()
    page.wait_for_url(re.compile(r"/contacts/\d+$"))
    expect(page.locator("h1")).to_contain_text("Zelda Importwell")
    expect(page.get_by_text("owl")).to_be_visible()
    assert_clean_console(page)
