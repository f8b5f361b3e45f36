"""The contacts page reads its career filter's careers with the page's own statements (the
unfiltered page's, past its end too, or a filtered list's count), in
``career_choices``' order, and draws its head and filter form once per distinct values
shown (app.contacts.rows.draw_toolbar): the same markup, a new career shown at once."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.contacts import service
from app.contacts.rows import _kept_toolbars
from tests.statements import forget_credentials, recorded

# Titles whose code-point order differs from a case- or accent-aware one, a title twice
# (its careers then by id) and markup to escape.
TITLES = ["Zeta", "émile", "Émile", "apple", "Äpfel", "straße", "strasse", "Same", "Same", "<b>&"]


def _selects(sent: list[str]) -> list[str]:
    return [s for s in sent if s.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize(
    ("filters", "offset", "statements"),
    [
        (service.ContactFilters(), 0, 1),  # the page carries the total and the careers
        (service.ContactFilters(stage="met"), 0, 2),  # the count carries them
        # Past the end: the page is still one row carrying them (its rows' JSON text empty).
        (service.ContactFilters(), 10, 1),
        (service.ContactFilters(q="person"), 0, 2),
    ],
    ids=["owner only", "filtered", "past the end", "q"],
)
def test_the_list_reads_the_careers_as_career_choices_gives_them(
    engine, db, user, other_user, make_contact, make_career, filters, offset, statements
):
    for title in TITLES:
        make_career(user, title)
    make_career(other_user, "Someone else's career")
    for i in range(3):
        make_contact(user, f"Person {i}", stage="met")
    db.rollback()
    expected = service.career_choices(db, user)
    db.rollback()
    assert user.id  # loaded again after the rollback, before the statements are counted
    with recorded(engine) as sent:
        listed = service.contact_list_view(db, user, filters, offset=offset, careers=True)
    assert len(_selects(sent)) == statements, sent
    assert listed.careers == expected
    assert len(expected) == len(TITLES)
    assert listed.page.total == 3
    assert len(listed.page.items) == (0 if offset else 3)
    plain = service.contact_list_view(db, user, filters, offset=offset).page
    assert plain.items == listed.page.items and plain.total == listed.page.total
    db.rollback()


def test_an_account_without_careers_or_contacts(db, user):
    listed = service.contact_list_view(db, user, service.ContactFilters(), careers=True)
    assert listed.careers == [] and listed.page.items == [] and listed.page.total == 0
    db.rollback()


def test_the_page_is_one_statement_and_htmx_draws_no_toolbar(
    engine, db, user, web, make_contact, make_career
):
    make_career(user, "Nursing")
    make_contact(user, "Ada")
    db.rollback()
    web.get("/contacts")  # warm up: the session's touch happens once
    forget_credentials()
    with recorded(engine) as sent:
        page = web.get("/contacts")
    assert page.status_code == 200
    assert "FROM careers" in _selects(sent)[-1]  # in the page's statement, not one of its own
    assert not [s for s in _selects(sent) if s.lstrip().startswith("SELECT careers.id")]
    fragment = web.get("/contacts", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="contact-career"' not in fragment.text and "data-contact-id" in fragment.text


def test_the_toolbar_is_drawn_once_and_follows_new_careers(web, user, make_career):
    nursing = make_career(user, "Nursing")
    _kept_toolbars.cache_clear()
    first = web.get(f"/contacts?career_id={nursing.id}&q=ada").text
    assert web.get(f"/contacts?career_id={nursing.id}&q=ada").text == first
    assert _kept_toolbars.cache_info().hits >= 1
    soup = BeautifulSoup(first, "html.parser")
    assert soup.select_one("#contact-q")["value"] == "ada"  # type: ignore[index]
    selected = soup.select_one("#contact-career option[selected]")
    assert selected is not None and selected["value"] == str(nursing.id)
    teaching = make_career(user, "Teaching")
    again = BeautifulSoup(web.get(f"/contacts?career_id={nursing.id}&q=ada").text, "html.parser")
    options = [o["value"] for o in again.select("#contact-career option")]
    assert options == ["", str(nursing.id), str(teaching.id)]
