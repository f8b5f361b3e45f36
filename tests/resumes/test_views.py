"""Resume pages: upload form, list, a version's page with who has it, delete that asks."""

from __future__ import annotations

import re

from app.resumes.shares.models import ResumeShare
from tests.resumes.conftest import EXE_BYTES, PDF_BYTES, URL, upload


def upload_page(web, content, name="cv.pdf", label="Data roles, Nov 2026"):
    return web.post(
        "/resumes/new",
        files={"file": (name, content, "application/pdf")},
        data={"label": label, "notes": "for data roles"},
        follow_redirects=False,
    )


def test_upload_form_stores_a_version_and_shows_it(web, api):
    assert "Upload a resume version" in web.get("/resumes/new").text
    response = upload_page(web, PDF_BYTES)
    assert response.status_code == 303
    page = web.get(response.headers["location"])
    assert page.status_code == 200
    assert "Data roles, Nov 2026" in page.text
    assert "Nobody has this version yet" in page.text
    listing = web.get("/resumes")
    assert "Data roles, Nov 2026" in listing.text
    assert api.get(URL).json()["total"] == 1


def test_a_renamed_executable_is_refused_on_the_form(web, api):
    response = upload_page(web, EXE_BYTES, name="resume.pdf", label="Sneaky")
    assert response.status_code == 415
    assert 'aria-invalid="true"' in response.text
    assert "none of those" in response.text
    assert 'value="Sneaky"' in response.text  # what was typed is kept
    assert api.get(URL).json()["total"] == 0


def test_an_empty_file_or_label_is_422_on_the_form(web, api):
    assert upload_page(web, b"").status_code == 422
    assert upload_page(web, PDF_BYTES, label="").status_code == 422
    assert api.get(URL).json()["total"] == 0


def test_the_page_download_is_an_attachment(web, api):
    resume = upload(api, PDF_BYTES, "cv.pdf").json()
    response = web.get(f"/resumes/{resume['id']}/file")
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response.headers["content-disposition"].startswith('attachment; filename="cv.pdf"')
    assert response.headers["x-content-type-options"] == "nosniff"


def test_edit_form_keeps_a_newer_edit(web, api):
    resume = upload(api, PDF_BYTES).json()
    form = web.get(f"/resumes/{resume['id']}/edit")
    assert 'name="version" value="1"' in form.text
    api.patch(f"{URL}/{resume['id']}", json={"label": "Changed elsewhere"})
    stale = web.form_post(
        f"/resumes/{resume['id']}/edit",
        {"label": "Mine", "notes": "", "version": "1"},
        follow_redirects=False,
    )
    assert stale.status_code == 409
    assert "Changed elsewhere" in stale.text
    saved = web.form_post(
        f"/resumes/{resume['id']}/edit",
        {"label": "Mine", "notes": "n", "version": "2"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert api.get(f"{URL}/{resume['id']}").json()["label"] == "Mine"


def test_record_a_share_by_picked_or_typed_name(web, api, contact_of):
    resume = upload(api, PDF_BYTES).json()
    rachel = contact_of(api, "Rachel Carson")
    contact_of(api, "Jane Goodall")
    options = web.get("/resumes/contact-options", params={"contact": "rach"})
    assert f"Rachel Carson (#{rachel['id']})" in options.text
    assert "Goodall" not in options.text
    picked = web.form_post(
        f"/resumes/{resume['id']}/shares",
        {"contact": f"Rachel Carson (#{rachel['id']})", "shared_on": "2026-11-20", "feedback": ""},
        follow_redirects=False,
    )
    assert picked.status_code == 303
    typed = web.form_post(
        f"/resumes/{resume['id']}/shares",
        {"contact": "jane goodall", "shared_on": "", "feedback": "Too long"},
        follow_redirects=False,
    )
    assert typed.status_code == 303
    page = web.get(f"/resumes/{resume['id']}")
    assert "Rachel Carson" in page.text and "Jane Goodall" in page.text
    assert "2026-11-20" in page.text and "Too long" in page.text
    unknown = web.form_post(
        f"/resumes/{resume['id']}/shares",
        {"contact": "Nobody Known", "shared_on": "2026-11-20", "feedback": "kept"},
    )
    assert unknown.status_code == 422
    assert "None of your contacts" in unknown.text
    assert "Nobody Known" in unknown.text
    bad_day = web.form_post(
        f"/resumes/{resume['id']}/shares",
        {"contact": "Jane Goodall", "shared_on": "20 Nov", "feedback": ""},
    )
    assert bad_day.status_code == 422
    assert api.get(f"{URL}/{resume['id']}/shares").json()["total"] == 2


def test_feedback_form_and_forgetting_a_share(web, api, contact_of):
    resume = upload(api, PDF_BYTES).json()
    contact = contact_of(api)
    made = api.post(f"{URL}/{resume['id']}/shares", json={"contact_id": contact["id"]}).json()
    base = f"/resumes/{resume['id']}/shares/{made['id']}"
    assert web.get(f"{base}/edit").status_code == 200
    saved = web.form_post(
        f"{base}/edit",
        {"feedback": "Lead with projects", "shared_on": "2026-11-21", "version": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stale = web.form_post(f"{base}/edit", {"feedback": "older", "shared_on": "", "version": "1"})
    assert stale.status_code == 409
    current = api.get(f"{URL}/{resume['id']}/shares/{made['id']}").json()
    assert current["feedback"] == "Lead with projects"
    gone = web.form_post(f"{base}/delete", {"version": "2"}, follow_redirects=False)
    assert gone.status_code == 303
    assert api.get(f"{URL}/{resume['id']}/shares").json()["total"] == 0


def test_deleting_a_shared_version_asks_and_keeps_who_received_it(web, api, contact_of, db):
    resume = upload(api, PDF_BYTES, "cv.pdf", label="Data roles").json()
    contact = contact_of(api, "Rachel Carson")
    api.post(f"{URL}/{resume['id']}/shares", json={"contact_id": contact["id"]})
    confirm = web.get(f"/resumes/{resume['id']}/delete")
    assert "Rachel Carson" in confirm.text
    assert "the record of who received it is kept" in confirm.text
    assert 'name="confirm" value="true"' in confirm.text
    # Without the confirmation the delete is refused and explained.
    refused = web.form_post(f"/resumes/{resume['id']}/delete", {"version": "1"})
    assert refused.status_code == 409
    deleted = web.form_post(
        f"/resumes/{resume['id']}/delete",
        {"version": "1", "confirm": "true"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert web.get(f"/resumes/{resume['id']}").status_code == 404
    kept = db.query(ResumeShare).filter_by(contact_id=contact["id"]).one()
    assert (kept.resume_id, kept.resume_label) == (None, "Data roles")


def test_the_contact_partial_shows_what_they_have(web, api, contact_of, user, db):
    from app.resumes.shares.service import shared_with_contact
    from app.web.templating import templates

    resume = upload(api, PDF_BYTES, "cv.pdf", label="Data roles").json()
    contact = contact_of(api, "Rachel Carson")
    api.post(f"{URL}/{resume['id']}/shares", json={"contact_id": contact["id"], "feedback": "Nice"})
    old = upload(api, PDF_BYTES, "old.pdf", label="Old one").json()
    api.post(f"{URL}/{old['id']}/shares", json={"contact_id": contact["id"]})
    assert api.delete(f"{URL}/{old['id']}", params={"confirm": "true"}).status_code == 204
    shares = shared_with_contact(db, user, contact["id"])
    html = templates.env.get_template("resumes/_shared_with_contact.html").render(
        resume_shares=shares, tz="UTC"
    )
    assert f'href="/resumes/{resume["id"]}"' in html
    assert "Data roles" in html and "Nice" in html
    assert re.search(r"sent \d{4}-\d\d-\d\d", html)
    assert "Old one <small>(old.pdf, version since deleted)</small>" in html


def test_another_users_pages_do_not_exist(web, api, other_user, web_client_for, contact_of):
    resume = upload(api, PDF_BYTES).json()
    made = api.post(
        f"{URL}/{resume['id']}/shares", json={"contact_id": contact_of(api)["id"]}
    ).json()
    mallory = web_client_for(other_user)
    for path in ("", "/edit", "/delete", "/file", f"/shares/{made['id']}/edit"):
        assert mallory.get(f"/resumes/{resume['id']}{path}").status_code == 404, path
    assert "Data roles" not in mallory.get("/resumes").text


def test_the_list_searches_and_its_results_block_serves_htmx(web, api):
    upload(api, PDF_BYTES, "data.pdf", label="Data roles")
    upload(api, PDF_BYTES, "ux.pdf", label="UX research")
    found = web.get("/resumes", params={"q": "ux"})
    assert "UX research" in found.text and "Data roles" not in found.text
    assert "1 version match" in found.text
    fragment = web.get("/resumes", params={"q": "data"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="resume-results"')
    assert "Data roles" in fragment.text
    assert web.get("/resumes", params={"sort": "secret"}).status_code == 400
    none = web.get("/resumes", params={"q": "zzz"})
    assert "No versions match this search" in none.text


def test_the_contact_page_shows_the_resumes_they_have(web, api, contact_of):
    resume = upload(api, PDF_BYTES, "cv.pdf", label="Data roles").json()
    contact = contact_of(api, "Rachel Carson")
    api.post(f"{URL}/{resume['id']}/shares", json={"contact_id": contact["id"], "feedback": "Nice"})
    page = web.get(f"/contacts/{contact['id']}")
    assert page.status_code == 200
    section = page.text.split('id="resumes-shared"', 1)[1]
    assert f'href="/resumes/{resume["id"]}"' in section and "Nice" in section


def test_the_share_form_reads_a_contact_as_every_contact_field_does(web, api, contact_of):
    # One reading of a typed contact (contacts.references): the same refusals and the same
    # suggestions as the contact and interview forms.
    resume = upload(api, PDF_BYTES).json()
    contact_of(api, "Sam Lee")
    contact_of(api, "sam lee")
    twice = web.form_post(
        f"/resumes/{resume['id']}/shares", {"contact": "Sam Lee", "shared_on": "", "feedback": ""}
    )
    assert twice.status_code == 422
    assert "Several of your contacts are named" in twice.text
    assert "show each one" in twice.text
    nul = web.form_post(
        f"/resumes/{resume['id']}/shares", {"contact": "Sam\x00", "shared_on": "", "feedback": ""}
    )
    assert nul.status_code == 422 and "Type a name" in nul.text
    shares = web.get("/resumes/contact-options", params={"contact": "sam"})
    contacts = web.get("/contacts/suggest", params={"contact": "sam"})
    assert (
        shares.text == contacts.text
        and shares.text.count("Sam Lee (#") + shares.text.count("sam lee (#") == 2
    )
    assert api.get(f"{URL}/{resume['id']}/shares").json()["total"] == 0
