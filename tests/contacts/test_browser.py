"""Contacts in real Chromium: add people, autocomplete tags and organizations, search as you
type, record an interaction inline (HTMX, no page reload), follow the referral chain, find who
is due, filter by a typed organization."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USER, assert_clean_console, save_screenshot

CONTACT_PAGE = re.compile(r"/contacts/\d+$")
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _log_in(page: Any, base_url: str) -> None:
    page.goto("/login?next=/contacts")
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/contacts")


def _add_contact(page: Any, name: str, **fields: str) -> None:
    page.goto("/contacts/new")
    page.get_by_label("Full name").fill(name)
    if "organization" in fields:
        page.get_by_label("Organization").fill(fields["organization"])
    if "tags" in fields:
        page.locator("#f-tags").fill(fields["tags"])
    if "introduced_by" in fields:
        page.get_by_label("Introduced by").fill(fields["introduced_by"])
    if "cadence" in fields:
        page.get_by_label("Stay in touch every (days)").fill(fields["cadence"])
    page.get_by_role("button", name="Add contact").click()
    page.wait_for_url(CONTACT_PAGE)
    assert page.get_by_role("heading", level=1).inner_text() == name


def test_contacts_journey(live_server: Any, open_page: Any) -> None:
    page = open_page(live_server)
    _log_in(page, live_server.base_url)

    assert page.get_by_text("Add your first contact").is_visible()

    _add_contact(page, "Ada First", tags="alumni, mentor", cadence="30")
    # Tag autocomplete: the datalist is filled by an HTMX request as the user types.
    page.goto("/contacts/new")
    page.locator("#f-tags").fill("men")
    # (expect() polls with selectors: the CSP forbids the eval behind wait_for_function.)
    expect(page.locator("#tag-options option")).to_have_count(1)
    expect(page.locator("#tag-options option")).to_have_attribute("value", "mentor")
    _add_contact(page, "Ben Second", tags="alumni", introduced_by="Ada First")
    # Who introduced them: suggestions carry each contact's number ("Name (#id)").
    page.goto("/contacts/new")
    page.get_by_label("Introduced by").fill("ben")
    expect(page.locator("#introducer-options option")).to_have_count(1)
    picked = page.locator("#introducer-options option").first.get_attribute("value") or ""
    assert re.fullmatch(r"Ben Second \(#\d+\)", picked), picked
    _add_contact(page, "Cleo Third", introduced_by=picked)

    # The referral chain, from the first introducer down to this person.
    chain = page.locator("#referral-chain li").all_inner_texts()
    assert chain == ["Ada First", "Ben Second", "Cleo Third"]

    # Search as you type: results change without leaving the page, the URL follows.
    page.goto("/contacts")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Search", exact=True).fill("cle")
    expect(page.locator("#contact-results tbody tr")).to_have_count(1)
    assert page.locator("#contact-results tbody tr a").first.inner_text() == "Cleo Third"
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_url("**/contacts?*q=cle*")
    save_screenshot(page, "contacts-search")

    # Record an interaction inline on Ada's page: the timeline updates in place.
    page.goto("/contacts")
    page.get_by_role("link", name="Ada First").click()
    page.wait_for_url(CONTACT_PAGE)
    page.evaluate("window.__sameDocument = true")
    page.get_by_text("Record an interaction").click()
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Talked about the **field**")
    page.get_by_role("button", name="Add to timeline").click()
    page.wait_for_selector("#interactions li")
    assert page.evaluate("window.__sameDocument") is True
    assert "Call" in page.locator("#interactions li").first.inner_text()
    assert page.locator("[data-field=last_contacted_at]").inner_text() != "never"
    save_screenshot(page, "contact-detail")

    # Ada, just added with a 30-day cadence, is not due (issue 11), nor after the touch.
    page.goto("/contacts/due")
    assert page.get_by_text("Nobody is due for a touch.").is_visible()
    assert_clean_console(page)


def _add_organization(page: Any, name: str) -> None:
    page.goto("/organizations/new")
    page.locator("#f-name").fill(name)
    page.get_by_role("button", name="Add organization").click()
    page.wait_for_url(re.compile(r"/organizations/\d+$"))


def test_organization_type_ahead(live_server: Any, open_page: Any) -> None:
    page = open_page(live_server)
    _log_in(page, live_server.base_url)
    for name in ("Globex", "Global Health", "Initech"):
        _add_organization(page, name)

    # The form suggests the user's organizations as they type (a datalist filled by HTMX).
    page.goto("/contacts/new")
    page.get_by_label("Organization").fill("glo")
    options = page.locator("#organization-options option")
    expect(options).to_have_count(2)
    assert [o.get_attribute("value") for o in options.all()] == ["Global Health", "Globex"]
    _add_contact(page, "Gina Globex", organization="Globex")
    assert page.get_by_role("link", name="Globex").is_visible()
    _add_contact(page, "Ian Initech", organization="initech")

    # The list's filter: type a name, leave the field, the results follow (no page load).
    page.goto("/contacts")
    page.evaluate("window.__sameDocument = true")
    field = page.locator("#contact-organization")
    field.fill("Initech")
    field.press("Tab")
    expect(page.locator("#contact-results tbody tr")).to_have_count(1)
    assert page.locator("#contact-results tbody tr a").first.inner_text() == "Ian Initech"
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_url("**/contacts?*organization=Initech*")

    # A link by id shows the organization's name in the field.
    gina_org = page.goto("/contacts?organization=Globex")
    assert gina_org is not None and gina_org.ok
    org_id = page.locator("input[name=organization_id]").get_attribute("value")
    page.goto(f"/contacts?organization_id={org_id}")
    expect(page.locator("#contact-organization")).to_have_value("Globex")
    expect(page.locator("#contact-results tbody tr")).to_have_count(1)
    save_screenshot(page, "contacts-organization-filter")
    assert_clean_console(page)
