"""Question bank pages, read as a browser would (parsed HTML), with and without HTMX."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from app.questions import service
from app.questions.models import QuestionBank

HX = {"HX-Request": "true"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _bank_id(location: str) -> int:
    match = re.fullmatch(r"/question-banks/(\d+)(#.*)?", location)
    assert match, location
    return int(match.group(1))


def _section_names(page: BeautifulSoup, section_id: str) -> list[str]:
    section = page.find("section", id=section_id)
    assert section is not None
    return [a.get_text(strip=True) for a in section.select("table a")]


def _question_texts(page: BeautifulSoup) -> list[str]:
    return [p.get_text(strip=True) for p in page.select("#questions li .question-text")]


def _create_bank(web, name="Engineering") -> int:
    r = web.form_post("/question-banks", {"name": name, "description": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return _bank_id(r.headers["location"])


def _add(web, bank_id, text, category="other", **extra):
    data = {"text": text, "category": category, "tags": "", "why_ask": "", **extra}
    r = web.form_post(f"/question-banks/{bank_id}/questions", data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def _copy(web, bank_id) -> int:
    r = web.form_post(f"/question-banks/{bank_id}/copy", {}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return _bank_id(r.headers["location"])


def _starter_id(page: BeautifulSoup, name: str) -> int:
    link = page.find("section", id="starter").find("a", string=name)
    return _bank_id(link["href"])


# ---- the list ---------------------------------------------------------------------------


def test_list_has_three_sections_and_empty_states_pointing_to_starters(web):
    r = web.get("/question-banks")
    assert r.status_code == 200
    page = soup(r)
    assert page.h1.get_text(strip=True) == "Question banks"
    assert _section_names(page, "mine") == []
    assert _section_names(page, "shared") == []
    assert _section_names(page, "starter") == [
        "Informational interview essentials",
        "TIARA",
        "Closing and next steps",
    ]
    for section_id in ("mine", "shared"):
        empty = page.find("section", id=section_id).select_one(".empty-state")
        assert empty is not None and empty.find("a", href="#starter") is not None
    copy_buttons = page.find("section", id="starter").select("form[action$='/copy'] button")
    assert len(copy_buttons) == 3
    assert page.select_one("a[aria-current=page]")["href"] == "/question-banks"
    # Every field of the create and import forms is labelled.
    for form_id in ("create-bank", "import-bank"):
        for field in page.find("form", id=form_id).select("input:not([type=hidden]), select"):
            assert page.find("label", attrs={"for": field["id"]}) is not None, field


def test_search_narrows_every_section(web):
    _create_bank(web, "Nursing")
    page = soup(web.get("/question-banks", params={"q": "tiara"}))
    assert _section_names(page, "starter") == ["TIARA"]
    assert _section_names(page, "mine") == []
    assert "None of your banks match" in page.find("section", id="mine").get_text()


def test_create_bank_and_invalid_form_keeps_what_was_typed(web):
    bank_id = _create_bank(web, "Engineering")
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert page.h1.get_text(strip=True) == "Engineering"
    assert page.select_one("#questions .empty-state a[href='/question-banks#starter']")
    r = web.form_post("/question-banks", {"name": "", "description": "Kept text"})
    assert r.status_code == 422
    page = soup(r)
    assert page.select_one("#f-name")["aria-invalid"] == "true"
    assert page.select_one("#f-description").get_text() == "Kept text"
    assert page.select_one("details[open] #create-bank") is not None


def test_forms_need_the_csrf_token(web, db):
    r = web.post("/question-banks", data={"name": "x"}, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    assert (
        db.scalar(select(func.count(QuestionBank.id)).where(QuestionBank.owner_id.is_not(None)))
        == 0
    )


# ---- read-only banks --------------------------------------------------------------------


def test_starter_bank_page_is_read_only_with_copy(web):
    tiara = _starter_id(soup(web.get("/question-banks")), "TIARA")
    page = soup(web.get(f"/question-banks/{tiara}"))
    assert page.select_one("[data-testid=kind]").get_text(strip=True) == "Starter bank"
    notice = page.select_one("#read-only")
    assert "read-only" in notice.get_text()
    assert notice.find("button", string="Copy to my banks")
    assert page.select_one("#add-question") is None
    assert page.select(".question-actions") == []
    assert len(_question_texts(page)) == 15
    assert page.select_one(".why-ask") is not None
    exports = [a["href"] for a in page.select("#bank-actions a[download]")]
    assert exports == [
        f"/api/v1/question-banks/{tiara}/export?format={f}" for f in ("json", "csv", "md")
    ]
    # Writes through the page routes are refused too, with the same message.
    r = web.form_post(f"/question-banks/{tiara}/questions", {"text": "Mine?"})
    assert r.status_code == 403 and "Built-in banks are read-only" in r.text


def test_export_link_works_with_the_browser_session(web):
    tiara = _starter_id(soup(web.get("/question-banks")), "TIARA")
    r = web.get(f"/api/v1/question-banks/{tiara}/export?format=md")
    assert r.status_code == 200 and r.text.startswith("# TIARA\n")
    assert "attachment" in r.headers["content-disposition"]


# ---- editing a bank ---------------------------------------------------------------------


def test_add_edit_move_delete_questions_without_javascript(web):
    bank_id = _create_bank(web)
    r = _add(web, bank_id, "First?", "culture", tags="Remote; pay", why_ask="Fit.")
    assert r.headers["location"].startswith(f"/question-banks/{bank_id}#q-")
    _add(web, bank_id, "Second?", "trends")
    _add(web, bank_id, "Third?", "culture")
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert _question_texts(page) == ["First?", "Second?", "Third?"]
    first_li = page.select("#questions li")[0]
    assert [t.get_text() for t in first_li.select(".tag")] == ["remote", "pay"]
    assert first_li.select_one("button[aria-label='Move question 1 up']").has_attr("disabled")
    last_li = page.select("#questions li")[-1]
    assert last_li.select_one("button[aria-label='Move question 3 down']").has_attr("disabled")

    third_id = int(last_li["id"].removeprefix("q-"))
    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{third_id}/move",
        {"direction": "up"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert _question_texts(page) == ["First?", "Third?", "Second?"]
    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{third_id}/move", {"direction": "sideways"}
    )
    assert r.status_code == 422

    # Inline edit: the edit link opens the form in place, with the current values.
    page = soup(web.get(f"/question-banks/{bank_id}", params={"edit": third_id}))
    form = page.select_one(f"#q-{third_id} form.question-edit")
    assert form.select_one("#f-edit-text")["value"] == "Third?"
    version = form.select_one("input[name=version]")["value"]
    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{third_id}",
        {
            "text": "Third, edited?",
            "category": "advice",
            "tags": "a;b",
            "why_ask": "",
            "version": version,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert _question_texts(page) == ["First?", "Third, edited?", "Second?"]

    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{third_id}/delete", {}, follow_redirects=False
    )
    assert r.status_code == 303
    assert _question_texts(soup(web.get(f"/question-banks/{bank_id}"))) == ["First?", "Second?"]


def test_invalid_question_forms_rerender_with_errors(web):
    bank_id = _create_bank(web)
    r = web.form_post(
        f"/question-banks/{bank_id}/questions",
        {"text": "", "category": "culture", "tags": "kept", "why_ask": "Because."},
    )
    assert r.status_code == 422
    page = soup(r)
    assert page.select_one("#f-text")["aria-invalid"] == "true"
    assert page.select_one("#f-tags")["value"] == "kept"
    assert page.select_one("#f-why_ask")["value"] == "Because."
    assert page.select_one("#f-category option[selected]")["value"] == "culture"

    r = web.form_post(f"/question-banks/{bank_id}/questions", {"text": "ok", "category": "zodiac"})
    assert r.status_code == 422 and soup(r).select_one("#f-category")["aria-invalid"] == "true"

    _add(web, bank_id, "Original?")
    question_id = int(
        soup(web.get(f"/question-banks/{bank_id}")).select_one("#questions li")["id"][2:]
    )
    url = f"/question-banks/{bank_id}/questions/{question_id}"
    r = web.form_post(url, {"text": "x" * 1001, "category": "other", "version": "1"})
    assert r.status_code == 422
    assert soup(r).select_one("#f-edit-text")["aria-invalid"] == "true"
    web.form_post(url, {"text": "Newer?", "category": "other", "version": "1"})
    r = web.form_post(url, {"text": "Stale edit?", "category": "other", "version": "1"})
    assert r.status_code == 409
    page = soup(r)
    assert "changed since you loaded" in page.select_one(".form-errors").get_text()
    assert page.select_one("#f-edit-text")["value"] == "Stale edit?"


def test_htmx_requests_get_the_bank_body_fragment(web):
    bank_id = _create_bank(web)
    r = web.post(
        f"/question-banks/{bank_id}/questions",
        data={"text": "Via HTMX?", "category": "culture"},
        headers=HX,
    )
    assert r.status_code == 200
    assert "<html" not in r.text and r.headers["vary"] == "HX-Request"
    fragment = soup(r)
    assert fragment.select_one("#bank-body") is not None
    assert _question_texts(fragment) == ["Via HTMX?"]
    r = web.post(f"/question-banks/{bank_id}/questions", data={"text": ""}, headers=HX)
    assert r.status_code == 422 and "<html" not in r.text
    assert soup(r).select_one("#f-text")["aria-invalid"] == "true"
    question_id = int(fragment.select_one("#questions li")["id"][2:])
    r = web.get(f"/question-banks/{bank_id}", params={"edit": question_id}, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    assert soup(r).select_one("form.question-edit")["hx-target"] == "#bank-body"
    # Boosted navigation gets the whole page.
    r = web.get(f"/question-banks/{bank_id}", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in r.text


def test_category_filter(web):
    bank_id = _create_bank(web)
    _add(web, bank_id, "Culture one?", "culture")
    _add(web, bank_id, "Trend one?", "trends")
    page = soup(web.get(f"/question-banks/{bank_id}", params={"category": "trends"}))
    assert _question_texts(page) == ["Trend one?"]
    assert page.select(".question-actions button[aria-label*='Move']") == []
    assert page.select_one("#f-filter-category option[selected]")["value"] == "trends"
    page = soup(web.get(f"/question-banks/{bank_id}", params={"category": "advice"}))
    assert _question_texts(page) == [] and "No questions in this category" in page.text
    page = soup(web.get(f"/question-banks/{bank_id}", params={"category": "nonsense"}))
    assert len(_question_texts(page)) == 2


def test_rename_share_and_delete_bank(web, db, user):
    bank_id = _create_bank(web, "Old name")
    page = soup(web.get(f"/question-banks/{bank_id}"))
    version = page.select_one("#details input[name=version]")["value"]
    r = web.form_post(
        f"/question-banks/{bank_id}",
        {"name": "New name", "description": "Why this bank", "version": version},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert page.h1.get_text(strip=True) == "New name"
    r = web.form_post(f"/question-banks/{bank_id}", {"name": "Stale", "version": version})
    assert r.status_code == 409 and "changed since you loaded" in r.text
    r = web.form_post(f"/question-banks/{bank_id}", {"name": "", "version": "99"})
    assert r.status_code == 422

    share = page.select_one("#share-form")
    r = web.form_post(
        f"/question-banks/{bank_id}/share",
        {
            "shared": share.select_one("input[name=shared]")["value"],
            "version": share.select_one("input[name=version]")["value"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert page.select_one("[data-testid=kind]").get_text(strip=True) == "Shared"
    assert page.select_one("#share-form button").get_text(strip=True) == "Stop sharing"

    delete_form = page.select_one("#danger form")
    assert delete_form.has_attr("data-confirm")
    r = web.form_post(
        f"/question-banks/{bank_id}/delete",
        {"version": delete_form.select_one("input[name=version]")["value"]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/question-banks"
    assert web.get(f"/question-banks/{bank_id}").status_code == 404


@pytest.mark.parametrize("damaged", ["abc", "²", "-1", ""])
def test_a_damaged_version_field_is_refused_not_a_silent_overwrite(web, db, damaged):
    bank_id = _create_bank(web, "Kept name")
    _add(web, bank_id, "Kept text?")
    question_id = int(
        soup(web.get(f"/question-banks/{bank_id}")).select_one("#questions li")["id"][2:]
    )
    # Someone else's newer edit is what a damaged field must not overwrite.
    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{question_id}",
        {"text": "Newer text?", "category": "other", "version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    version = soup(web.get(f"/question-banks/{bank_id}")).select_one(
        "#details input[name=version]"
    )["value"]
    r = web.form_post(
        f"/question-banks/{bank_id}",
        {"name": "Newer name", "version": version},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = web.form_post(f"/question-banks/{bank_id}", {"name": "Overwrite", "version": damaged})
    assert r.status_code == 422 and "damaged" in r.text
    assert soup(r).select_one("#details input[name=name]")["value"] == "Overwrite"
    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{question_id}",
        {"text": "Overwrite?", "category": "other", "version": damaged},
    )
    assert r.status_code == 422 and "damaged" in r.text
    r = web.form_post(f"/question-banks/{bank_id}/share", {"shared": "on", "version": damaged})
    assert r.status_code == 422
    r = web.form_post(f"/question-banks/{bank_id}/delete", {"version": damaged})
    assert r.status_code == 422
    r = web.form_post(
        f"/question-banks/{bank_id}/questions/{question_id}/delete", {"version": damaged}
    )
    assert r.status_code == 422
    page = soup(web.get(f"/question-banks/{bank_id}"))
    assert page.h1.get_text(strip=True) == "Newer name"
    assert _question_texts(page) == ["Newer text?"]
    assert page.select_one("[data-testid=kind]") is None  # not shared


def test_stale_delete_and_full_bank_answer_409_like_every_form(web, app):
    bank_id = _create_bank(web)
    _add(web, bank_id, "First?")
    question_id = int(
        soup(web.get(f"/question-banks/{bank_id}")).select_one("#questions li")["id"][2:]
    )
    web.form_post(
        f"/question-banks/{bank_id}/questions/{question_id}",
        {"text": "Edited?", "category": "other", "version": "1"},
    )
    r = web.form_post(f"/question-banks/{bank_id}/questions/{question_id}/delete", {"version": "1"})
    assert r.status_code == 409 and "changed since you loaded" in r.text
    r = web.form_post(f"/question-banks/{bank_id}/delete", {"version": "1"})
    assert r.status_code == 409
    assert _question_texts(soup(web.get(f"/question-banks/{bank_id}"))) == ["Edited?"]
    app.state.settings.max_bank_questions = 1
    r = web.form_post(
        f"/question-banks/{bank_id}/questions", {"text": "One too many?", "category": "other"}
    )
    assert r.status_code == 409 and "maximum of 1 questions" in r.text
    assert soup(r).select_one("#f-text")["value"] == "One too many?"


def test_tags_are_separated_by_commas_like_contacts(web, api):
    bank_id = _create_bank(web)
    _add(web, bank_id, "Tagged?", tags="Remote Work, pay;travel")
    question = api.get(f"/api/v1/question-banks/{bank_id}/questions").json()["items"][0]
    assert question["tags"] == ["remote work", "pay", "travel"]
    page = soup(web.get(f"/question-banks/{bank_id}", params={"edit": question["id"]}))
    assert page.select_one("#f-edit-tags")["value"] == "remote work, pay, travel"
    assert "commas" in page.select_one("label[for=f-edit-tags]").get_text()


# ---- import from the page ---------------------------------------------------------------


def test_import_form(web):
    r = web.post(
        "/question-banks/import",
        data={"csrf_token": web.csrf_token, "format": "md", "name": ""},
        files={
            "file": ("my-list.md", b"# From file\n\n## Advice\n- Imported?\n  - Why: because\n")
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = soup(web.get(r.headers["location"]))
    assert page.h1.get_text(strip=True) == "From file"
    assert _question_texts(page) == ["Imported?"]


def test_import_form_errors_are_listed_and_nothing_is_imported(web):
    r = web.post(
        "/question-banks/import",
        data={"csrf_token": web.csrf_token, "format": "csv"},
        files={"file": ("bad.csv", b"text,category\nFine?,culture\nBad?,zodiac\n")},
    )
    assert r.status_code == 422
    page = soup(r)
    errors = page.select_one("#import-errors")
    assert "row 3" in errors.get_text() and "zodiac" in errors.get_text()
    assert page.select_one("#f-format option[selected]")["value"] == "csv"
    assert _section_names(page, "mine") == []
    r = web.post("/question-banks/import", data={"csrf_token": web.csrf_token, "format": "csv"})
    assert r.status_code == 422 and "Choose a file" in r.text
    r = web.post(
        "/question-banks/import",
        data={"csrf_token": web.csrf_token, "format": ""},
        files={"file": ("notes.txt", b"text\nA?\n")},
    )
    assert r.status_code == 422 and "file name does not tell" in r.text


def test_import_form_guesses_the_format_from_the_file_name(web):
    r = web.post(
        "/question-banks/import",
        data={"csrf_token": web.csrf_token, "format": ""},
        files={"file": ("Engineers.CSV", b"text,category\nGuessed?,culture\n")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = soup(web.get(r.headers["location"]))
    assert page.h1.get_text(strip=True) == "Engineers"
    assert _question_texts(page) == ["Guessed?"]


# ---- two users --------------------------------------------------------------------------


def test_second_user_sees_shared_bank_read_only_and_copies_it(web, other_user, web_client_for, db):
    bank_id = _create_bank(web, "Alice shares")
    _add(web, bank_id, "Shared question?")
    private_id = _create_bank(web, "Alice private")
    web.form_post(f"/question-banks/{bank_id}/share", {"shared": "on"})
    bob = web_client_for(other_user)

    page = soup(bob.get("/question-banks"))
    assert _section_names(page, "shared") == ["Alice shares"]
    assert "alice" in page.find("section", id="shared").get_text()
    assert _section_names(page, "mine") == []

    page = soup(bob.get(f"/question-banks/{bank_id}"))
    assert page.select_one("[data-testid=kind]").get_text(strip=True) == "Shared by alice"
    assert page.select_one("#read-only button").get_text(strip=True) == "Copy to my banks"
    assert page.select_one("#add-question") is None and page.select_one("#share-form") is None
    for url, data in [
        (f"/question-banks/{bank_id}", {"name": "Bob's"}),
        (f"/question-banks/{bank_id}/questions", {"text": "Bob?"}),
        (f"/question-banks/{bank_id}/share", {"shared": "off"}),
        (f"/question-banks/{bank_id}/delete", {}),
    ]:
        r = bob.form_post(url, data)
        assert r.status_code == 403, (url, r.text)
        assert "copy it to change it" in r.text

    copy_id = _copy(bob, bank_id)
    page = soup(bob.get(f"/question-banks/{copy_id}"))
    assert _question_texts(page) == ["Shared question?"]
    assert page.select_one("#add-question") is not None

    for url in (f"/question-banks/{private_id}", f"/question-banks/{private_id}?edit=1"):
        assert bob.get(url).status_code == 404
    for url in (
        f"/question-banks/{private_id}",
        f"/question-banks/{private_id}/copy",
        f"/question-banks/{private_id}/share",
        f"/question-banks/{private_id}/delete",
        f"/question-banks/{private_id}/questions",
    ):
        assert bob.form_post(url, {"name": "x", "text": "x"}).status_code == 404, url
    assert service.readable_bank(db, other_user, copy_id).owner_id == other_user.id


def test_dashboard_counts_my_banks(web):
    _create_bank(web, "One")
    _create_bank(web, "Two")
    page = soup(web.get("/"))
    step = page.find("a", string="Prepare your questions").find_parent("li")
    assert "2 banks of your own" in step.get_text()


@pytest.mark.parametrize("path", ["/question-banks", "/question-banks/1"])
def test_pages_need_a_login(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# ---- the newcomer's journey -------------------------------------------------------------


def test_newcomer_journey(web, other_user, web_client_for):
    """Open the starters, copy TIARA, add and reorder, share; a second user copies it."""
    tiara = _starter_id(soup(web.get("/question-banks")), "TIARA")
    mine = _copy(web, tiara)
    _add(web, mine, "What would you do in my place this month?", "advice")
    page = soup(web.get(f"/question-banks/{mine}"))
    texts = _question_texts(page)
    assert len(texts) == 16 and texts[-1] == "What would you do in my place this month?"
    new_li = page.select("#questions li")[-1]
    for _ in range(15):
        web.form_post(
            f"/question-banks/{mine}/questions/{new_li['id'][2:]}/move", {"direction": "up"}
        )
    texts = _question_texts(soup(web.get(f"/question-banks/{mine}")))
    assert texts[0] == "What would you do in my place this month?"
    web.form_post(f"/question-banks/{mine}/share", {"shared": "on"})

    bob = web_client_for(other_user)
    assert "TIARA (my copy)" in _section_names(soup(bob.get("/question-banks")), "shared")
    bobs = _copy(bob, mine)
    assert _question_texts(soup(bob.get(f"/question-banks/{bobs}"))) == texts
    r = bob.form_post(f"/question-banks/{mine}/questions", {"text": "Bob's?"})
    assert r.status_code == 403
    assert _question_texts(soup(web.get(f"/question-banks/{mine}"))) == texts


def test_pages_have_unique_ids_and_labelled_fields(web):
    bank_id = _create_bank(web)
    _add(web, bank_id, "One?")
    question_id = soup(web.get(f"/question-banks/{bank_id}")).select_one("#questions li")["id"][2:]
    for url in (
        "/question-banks",
        f"/question-banks/{bank_id}",
        f"/question-banks/{bank_id}?edit={question_id}",
    ):
        page = soup(web.get(url))
        ids = [tag["id"] for tag in page.select("[id]")]
        assert len(ids) == len(set(ids)), (url, sorted(i for i in ids if ids.count(i) > 1))
        for field in page.select("main input:not([type=hidden]), main select, main textarea"):
            assert page.find("label", attrs={"for": field.get("id")}), (url, field)
        assert page.select("[style]") == [] and page.select("script:not([src])") == []
        # hx-target is inherited: a boosted link under it would swap a whole page into it.
        for link in page.select("[hx-target] a[href]"):
            assert link.has_attr("hx-get") or link.get("hx-boost") == "false", (url, link)
    filtered = soup(web.get(f"/question-banks/{bank_id}", params={"category": "other"}))
    for link in filtered.select("[hx-target] a[href]"):
        assert link.has_attr("hx-get"), link
