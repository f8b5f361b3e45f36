"""Organization pages, read as a browser would: parsed HTML, plain forms, HTMX fragments."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.organizations import service

HX = {"HX-Request": "true"}


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def field_value(page, name):
    element = page.find(attrs={"name": name})
    assert element is not None, f"no field {name}"
    return element.text if element.name == "textarea" else element.get("value", "")


def error_for(page, name):
    input_ = page.find(id=f"f-{name}")
    assert input_.get("aria-invalid") == "true", f"{name} is not marked invalid"
    return page.find(id=input_["aria-describedby"]).text


def test_empty_list_has_a_helpful_empty_state(web):
    empty = soup(web.get("/organizations")).select_one("#organization-results .empty-state")
    assert "Add the first organization" in empty.text
    assert empty.find("a", href="/organizations/new")


def test_list_filters_and_live_search(web, user, other_user, make_organization):
    make_organization(user, "City Hospital", industry="Health", location="Leeds")
    make_organization(
        user, "Byte Works", industry="Tech", location="York", website="https://byte.example"
    )
    make_organization(other_user, "Hidden Corp")
    page = soup(web.get("/organizations"))
    rows = page.select("#organization-results tbody tr")
    assert [r.find("a").text for r in rows] == ["Byte Works", "City Hospital"]
    assert rows[0].find("a", href="https://byte.example")
    assert [o["value"] for o in page.select("#organization-location option")] == [
        "",
        "Leeds",
        "York",
    ]
    search = page.select_one("main input[name=q]")
    assert search["hx-get"] == "/organizations" and "delay:" in search["hx-trigger"]

    fragment = web.get("/organizations", params={"q": "leeds"}, headers=HX)
    assert "<html" not in fragment.text
    assert [a.text for a in soup(fragment).select("tbody td:first-child a")] == ["City Hospital"]

    blank = soup(web.get("/organizations", params={"q": "", "industry": "", "location": ""}))
    assert len(blank.select("#organization-results tbody tr")) == 2
    filtered = soup(web.get("/organizations", params={"industry": "tech"}))
    assert [a.text for a in filtered.select("tbody td:first-child a")] == ["Byte Works"]
    none = soup(web.get("/organizations", params={"q": "nothing"}))
    assert "No organizations match" in none.select_one(".empty-state").text
    assert web.get("/organizations", params={"sort": "website"}).status_code == 400


def test_create_and_invalid_create_keeps_what_was_typed(web, db, user):
    page = soup(web.get("/organizations/new"))
    for name in ("name", "website", "industry", "location", "research_notes"):
        assert page.find("label", attrs={"for": f"f-{name}"}), name

    bad = web.form_post(
        "/organizations/new",
        {
            "name": "",
            "website": "javascript:alert(1)",
            "industry": "Health",
            "research_notes": "kept",
        },
    )
    assert bad.status_code == 422
    page = soup(bad)
    assert error_for(page, "name")
    assert "http" in error_for(page, "website")
    assert field_value(page, "website") == "javascript:alert(1)"
    assert field_value(page, "industry") == "Health"
    assert field_value(page, "research_notes") == "kept"
    assert service.count_organizations(db, user) == 0
    db.rollback()  # end the read transaction: a SQLite write session holds the lock

    for change, field in [
        ({"name": "n" * 201}, "name"),
        ({"name": "a\x00"}, "name"),
        ({"website": "ftp://x.example"}, "website"),
        ({"industry": "i" * 201}, "industry"),
        ({"location": "l" * 201}, "location"),
        ({"research_notes": "r" * 50_001}, "research_notes"),
    ]:
        response = web.form_post("/organizations/new", {"name": "Acme", **change})
        assert response.status_code == 422, change
        assert error_for(soup(response), field)

    good = web.form_post(
        "/organizations/new",
        {"name": "Acme", "website": "https://acme.example", "location": "", "industry": ""},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert good.headers["location"].startswith("/organizations/")


def test_detail_shows_notes_contacts_and_quick_add(web, user, make_organization, add_contact):
    organization = make_organization(
        user, website="https://acme.example", research_notes="Hiring *slowly*."
    )
    contact = add_contact(organization, "Grace Hopper")
    page = soup(web.get(f"/organizations/{organization.id}"))
    assert page.find("h1").text == "Acme Health"
    assert page.select_one(".markdown em").text == "slowly"
    link = page.select_one("ul.contacts a")
    assert (link["href"], link.text) == (f"/contacts/{contact.id}", "Grace Hopper")
    form = page.find("form", action="/contacts/new")
    hidden = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    assert hidden["organization_id"] == str(organization.id)
    assert hidden["next"] == f"/organizations/{organization.id}"
    assert form.find("input", attrs={"name": "full_name"}).has_attr("required")


def test_detail_empty_states(web, user, make_organization):
    organization = make_organization(user)
    text = " ".join(
        e.text for e in soup(web.get(f"/organizations/{organization.id}")).select(".empty")
    )
    assert "No research yet" in text and "No contacts at this organization yet" in text


def test_edit_and_conflict(web, db, user, make_organization):
    organization_id = make_organization(user, website="https://acme.example").id
    page = soup(web.get(f"/organizations/{organization_id}/edit"))
    assert field_value(page, "version") == "1"
    assert field_value(page, "website") == "https://acme.example"

    saved = web.form_post(
        f"/organizations/{organization_id}/edit",
        {"version": "1", "name": "Acme Group", "website": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    db.expire_all()
    organization = service.get_organization(db, user, organization_id)
    assert (organization.name, organization.website, organization.version) == (
        "Acme Group",
        None,
        2,
    )
    db.rollback()

    stale = web.form_post(
        f"/organizations/{organization_id}/edit",
        {"version": "1", "name": "My stale edit", "location": "Leeds"},
    )
    assert stale.status_code == 409
    page = soup(stale)
    assert page.select_one('#conflict [data-field="name"]').text == "Acme Group"
    assert field_value(page, "name") == "My stale edit"
    assert field_value(page, "location") == "Leeds"
    assert field_value(page, "version") == "2"
    db.expire_all()
    assert service.get_organization(db, user, organization_id).name == "Acme Group"
    db.rollback()

    invalid = web.form_post(f"/organizations/{organization_id}/edit", {"version": "2", "name": ""})
    assert invalid.status_code == 422
    assert field_value(soup(invalid), "version") == "2"


def test_delete_confirm_then_cascade(web, db, user, make_organization, add_contact):
    organization = make_organization(user)
    organization_id = organization.id
    contact = add_contact(organization, "Grace Hopper")
    page = soup(web.get(f"/organizations/{organization_id}/delete"))
    assert "1 contact" in page.select_one("#dependents-contacts").text
    assert page.find("a", href=f"/contacts/{contact.id}")
    form = page.find("form", action=f"/organizations/{organization_id}/delete")
    hidden = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    assert hidden["cascade"] == "true"

    refused = web.form_post(f"/organizations/{organization_id}/delete", {"version": "1"})
    assert refused.status_code == 409
    done = web.form_post(f"/organizations/{organization_id}/delete", hidden, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/organizations"
    assert service.count_organizations(db, user) == 0


def test_another_users_organization_pages_are_404(
    web, db, user, other_user, make_organization, web_client_for
):
    organization_id = make_organization(user, "Private").id
    intruder = web_client_for(other_user)
    for path in ("", "/edit", "/delete"):
        assert intruder.get(f"/organizations/{organization_id}{path}").status_code == 404
    assert (
        intruder.form_post(f"/organizations/{organization_id}/edit", {"name": "x"}).status_code
        == 404
    )
    assert (
        intruder.form_post(
            f"/organizations/{organization_id}/delete", {"cascade": "true"}
        ).status_code
        == 404
    )
    db.expire_all()
    kept = service.get_organization(db, user, organization_id)
    assert (kept.name, kept.version) == ("Private", 1)
