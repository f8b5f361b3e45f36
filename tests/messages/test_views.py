"""Message template pages: the list, copy, the editor with its preview, errors kept."""

from __future__ import annotations

from bs4 import BeautifulSoup


def _page(response):
    return BeautifulSoup(response.text, "html.parser")


def _builtin_id(web, kind="thank_you"):
    page = _page(web.get("/message-templates"))
    rows = page.select("tr[data-template-id]")
    assert len(rows) == 7
    for row in rows:
        if "Thank you after" in row.text:
            return int(row["data-template-id"])
    raise AssertionError("no thank-you built-in")


def test_copy_a_builtin_and_edit_it(web):
    builtin = _builtin_id(web)
    copied = web.form_post(f"/message-templates/{builtin}/copy", {}, follow_redirects=False)
    assert copied.status_code == 303
    edit_url = copied.headers["location"]
    editor = _page(web.get(edit_url))
    assert editor.select_one("#template-preview")
    version = editor.select_one('input[name="version"]')["value"]
    saved = web.form_post(
        edit_url,
        {
            "name": "My thanks",
            "kind": "thank_you",
            "subject": "Thanks",
            "body": "Hi {{ contact.first_name }}",
            "version": version,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303


def test_builtin_cannot_be_edited_in_the_browser(web):
    builtin = _builtin_id(web)
    page = _page(web.get(f"/message-templates/{builtin}/edit"))
    assert not page.select_one("#template-form")
    refused = web.form_post(
        f"/message-templates/{builtin}/edit",
        {"name": "x", "kind": "custom", "body": "x", "version": "1"},
    )
    assert refused.status_code == 403


def test_invalid_save_keeps_what_was_typed_and_names_the_line(web):
    typed = {
        "name": "",
        "kind": "custom",
        "subject": "Kept",
        "body": "Hello\n{{ contact.first_name ",
    }
    response = web.form_post("/message-templates/new", typed)
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#e-name") and page.select_one("#e-body")
    assert "Line 2" in page.select_one("#e-body").text
    assert page.select_one('input[name="subject"]')["value"] == "Kept"
    assert page.select_one('textarea[name="body"]').text == typed["body"]


def test_preview_beside_the_editor(web, user, make_contact):
    contact = make_contact(user, "Rachel Carson", email="rachel@example.org")
    response = web.form_post(
        "/message-templates/preview",
        {
            "kind": "outreach",
            "subject": "Hello {{ contact.first_name }}",
            "body": "Can we talk?",
            "contact_id": str(contact.id),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = _page(response)
    assert page.select_one("#preview-subject").text == "Hello Rachel"
    assert page.select_one("#preview-mailto")["href"].startswith(
        "mailto:rachel@example.org?subject=Hello%20Rachel"
    )
    assert page.select('[data-testid="draft-warning"]')
    broken = _page(web.form_post("/message-templates/preview", {"body": "{{ nope }}"}))
    assert "'nope' is undefined" in broken.select_one('[data-testid="preview-errors"]').text


def test_no_js_preview_button_renders_without_saving(web):
    response = web.form_post(
        "/message-templates/new",
        {
            "action": "preview",
            "name": "Draft",
            "kind": "custom",
            "subject": "S",
            "body": "B {{ me.name }}",
        },
    )
    assert response.status_code == 200
    assert _page(response).select_one("#preview-body").text.startswith("B ")
    listed = _page(web.get("/message-templates"))
    assert len(listed.select("tr[data-template-id]")) == 7


def test_template_pages_render_and_delete(web):
    builtin = _builtin_id(web)
    assert web.get(f"/message-templates/{builtin}").status_code == 200
    assert "cannot be deleted" in web.get(f"/message-templates/{builtin}/delete").text
    assert web.get("/message-templates/new").status_code == 200
    copied = web.form_post(f"/message-templates/{builtin}/copy", {}, follow_redirects=False)
    mine = copied.headers["location"].removesuffix("/edit")
    page = _page(web.get(f"{mine}/delete"))
    version = page.select_one('input[name="version"]')["value"]
    assert (
        web.form_post(f"{mine}/delete", {"version": version}, follow_redirects=False).status_code
        == 303
    )
    assert web.get(mine).status_code == 404
