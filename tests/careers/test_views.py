"""Career pages, read as a browser would: parsed HTML, forms without JavaScript, HTMX fragments."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.careers import service

HX = {"HX-Request": "true"}


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def field_value(page, name):
    element = page.find(attrs={"name": name})
    assert element is not None, f"no field {name}"
    if element.name == "textarea":
        return element.text
    if element.name == "select":
        chosen = element.find("option", selected=True)
        return chosen["value"] if chosen else None
    return element.get("value", "")


def error_for(page, field_id):
    input_ = page.find(id=f"f-{field_id}")
    assert input_ is not None, field_id
    described = input_.get("aria-describedby")
    assert input_.get("aria-invalid") == "true" and described, f"{field_id} is not marked invalid"
    return page.find(id=described).text


# ---- list -----------------------------------------------------------------------------


def test_empty_list_tells_the_user_what_to_do_first(web):
    page = soup(web.get("/careers"))
    empty = page.select_one("#career-results .empty-state")
    assert "Start by adding a career you are curious about" in empty.text
    assert empty.find("a", href="/careers/new")


def test_list_shows_the_users_careers_only(web, user, other_user, make_career):
    make_career(user, "Data science", industry="Tech", interest=5)
    make_career(user, "Nursing", industry="Health")
    make_career(other_user, "Someone else's")
    response = web.get("/careers", params={"sort": "title"})
    assert response.status_code == 200
    assert response.headers["vary"] == "HX-Request"
    page = soup(response)
    rows = page.select("#career-results tbody tr")
    assert [r.find("a").text for r in rows] == ["Data science", "Nursing"]
    assert rows[0].find("a")["href"].startswith("/careers/")
    assert page.find("a", attrs={"aria-current": "page"}, href="/careers")
    # Filter choices come from the user's own data.
    industries = [o["value"] for o in page.select("#career-industry option")]
    assert industries == ["", "Health", "Tech"]


def test_search_as_you_type_gets_the_results_block(web, user, make_career):
    make_career(user, "Data science", industry="Tech")
    make_career(user, "Nursing", industry="Health")
    page = soup(web.get("/careers"))
    search = page.select_one("main input[name=q]")
    assert search["hx-get"] == "/careers"
    assert "delay:" in search["hx-trigger"] and "input" in search["hx-trigger"]
    target = search.find_parent("form")["hx-target"]
    assert target == "#career-results" and page.select_one(target)

    response = web.get("/careers", params={"q": "nurs"}, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<nav" not in response.text
    fragment = soup(response)
    assert fragment.select_one("section#career-results")
    assert [a.text for a in fragment.select("tbody a")] == ["Nursing"]


def test_blank_filters_mean_any_and_filters_apply(web, user, make_career):
    make_career(user, "Data science", industry="Tech", status="researching", interest=5)
    make_career(user, "Nursing", industry="Health", interest=2)
    blank = web.get("/careers", params={"q": "", "status": "", "industry": "", "interest_min": ""})
    assert blank.status_code == 200
    assert len(soup(blank).select("#career-results tbody tr")) == 2

    page = soup(web.get("/careers", params={"status": "researching", "interest_min": "4"}))
    assert [a.text for a in page.select("#career-results tbody a")] == ["Data science"]
    assert field_value(page, "status") == "researching"
    assert field_value(page, "interest_min") == "4"

    none = soup(web.get("/careers", params={"q": "zzz"}))
    assert "No careers match" in none.select_one("#career-results .empty-state").text


def test_invalid_page_filters_and_sort_are_refused(web):
    assert web.get("/careers", params={"status": "bogus"}).status_code == 422
    assert web.get("/careers", params={"interest_min": "99999999999999999999"}).status_code == 422
    assert web.get("/careers", params={"industry": "a\x00"}).status_code == 422
    assert web.get("/careers", params={"sort": "owner_id"}).status_code == 400


def test_list_paginates(web, user, make_career):
    for n in range(5):
        make_career(user, f"Career {n}")
    page = soup(web.get("/careers", params={"sort": "title", "limit": 2, "offset": 2}))
    assert [a.text for a in page.select("#career-results tbody a")] == ["Career 2", "Career 3"]
    pager = page.select_one("nav.pager")
    assert "offset=4" in pager.find("a", rel="next")["href"]
    assert "offset=0" in pager.find("a", rel="prev")["href"]
    assert "sort=title" in pager.find("a", rel="next")["href"]


# ---- create ---------------------------------------------------------------------------


def test_new_form_offers_labelled_fields_and_three_blank_resource_rows(web):
    page = soup(web.get("/careers/new"))
    form = page.find("form", action="/careers/new")
    assert form.find("input", attrs={"name": "csrf_token"})
    for name in ("title", "industry", "status", "interest", "research_notes"):
        assert page.find("label", attrs={"for": f"f-{name}"}), name
    rows = form.select(".resource-row")
    assert len(rows) == 3
    assert page.find("label", attrs={"for": "f-resources-0-url"})
    assert field_value(page, "status") == "interested"
    assert field_value(page, "interest") == "3"


def test_create_redirects_to_the_new_career(web, db, user):
    response = web.form_post(
        "/careers/new",
        {
            "title": "Hospital pharmacy",
            "industry": "Health",
            "status": "researching",
            "interest": "4",
            "research_notes": "**Basics**",
            "resources-0-url": "https://pharmacy.example",
            "resources-0-title": "Society",
            "resources-0-kind": "website",
            "resources-1-kind": "book",
            "resources-2-url": "https://book.example",
            "resources-2-kind": "book",
            "resources-2-note": "chapter 3",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    career = service.get_career(db, user, int(location.rsplit("/", 1)[1]))
    assert (career.title, career.status, career.interest) == ("Hospital pharmacy", "researching", 4)
    assert [r["url"] for r in career.resources] == [
        "https://pharmacy.example",
        "https://book.example",
    ]
    assert career.resources[1] == {
        "url": "https://book.example",
        "title": "",
        "kind": "book",
        "note": "chapter 3",
    }


def test_invalid_create_rerenders_with_messages_keeping_what_was_typed(web, db, user):
    typed = {
        "title": "",
        "industry": "Health",
        "interest": "9",
        "research_notes": "my *notes*",
        "resources-0-url": "https://fine.example",
        "resources-0-title": "Fine",
        "resources-1-url": "javascript:alert(1)",
        "resources-1-title": "Bad link",
        "resources-1-kind": "article",
        "resources-2-kind": "website",
    }
    response = web.form_post("/careers/new", typed)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".form-errors")
    assert error_for(page, "title")
    assert "5" in error_for(page, "interest")
    assert "http" in error_for(page, "resources-1-url")
    assert field_value(page, "industry") == "Health"
    assert field_value(page, "research_notes") == "my *notes*"
    assert field_value(page, "resources-0-url") == "https://fine.example"
    assert field_value(page, "resources-1-url") == "javascript:alert(1)"
    assert field_value(page, "resources-1-title") == "Bad link"
    assert field_value(page, "resources-1-kind") == "article"
    # The two typed rows plus three blank ones.
    assert len(page.select(".resource-row")) == 5
    assert service.count_careers(db, user) == 0


def test_invalid_create_names_every_bad_field(web, db, user):
    cases = [
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00"}, "title"),
        ({"industry": "i" * 201}, "industry"),
        ({"status": "done"}, "status"),
        ({"interest": "99999999999999999999"}, "interest"),
        ({"research_notes": "n" * 50_001}, "research_notes"),
        ({"resources-0-url": "ftp://x.example"}, "resources-0-url"),
        ({"resources-0-title": "Only a title"}, "resources-0-url"),
        ({"resources-0-url": "https://x.example", "resources-0-kind": "film"}, "resources-0-kind"),
        (
            {"resources-0-url": "https://x.example", "resources-0-note": "n" * 2001},
            "resources-0-note",
        ),
    ]
    for change, field in cases:
        response = web.form_post("/careers/new", {"title": "Valid", **change})
        assert response.status_code == 422, (change, response.status_code)
        assert error_for(soup(response), field), change
    assert service.count_careers(db, user) == 0


def test_unknown_form_field_is_422_not_500(web):
    response = web.form_post("/careers/new", {"title": "x", "owner_id": "2"})
    assert response.status_code == 422
    assert "owner id" in soup(response).select_one(".form-errors").text.lower()


# ---- detail ---------------------------------------------------------------------------


def test_detail_shows_research_resources_and_linked_contacts(web, user, make_career, link_contact):
    career = make_career(
        user,
        "Data science",
        research_notes="## Outlook\n\nGrowing *fast*.",
        resources=[
            {"url": "https://ds.example", "title": "DS intro", "kind": "course", "note": "free"}
        ],
    )
    contact = link_contact(career, "Grace Hopper")
    page = soup(web.get(f"/careers/{career.id}"))
    assert page.find("h1").text == "Data science"
    notes = page.select_one(".markdown")
    assert notes.find("h2").text == "Outlook" and notes.find("em").text == "fast"
    link = page.select_one("ul.resources a")
    assert (link["href"], link.text) == ("https://ds.example", "DS intro")
    assert "nofollow" in link["rel"]
    contact_link = page.select_one("ul.contacts a")
    assert (contact_link["href"], contact_link.text) == (f"/contacts/{contact.id}", "Grace Hopper")


def test_detail_quick_add_contact_form(web, user, make_career):
    career = make_career(user)
    page = soup(web.get(f"/careers/{career.id}"))
    form = page.find("form", action="/contacts/new")
    assert form["method"] == "post"
    hidden = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    assert hidden["career_ids"] == str(career.id)
    assert hidden["next"] == f"/careers/{career.id}"
    assert hidden["csrf_token"]
    name = form.find("input", attrs={"name": "full_name"})
    assert name.has_attr("required") and page.find("label", attrs={"for": name["id"]})


def test_detail_empty_states(web, user, make_career):
    career = make_career(user)
    page = soup(web.get(f"/careers/{career.id}"))
    empties = " ".join(e.text for e in page.select(".empty"))
    assert "No research yet" in empties
    assert "No resources yet" in empties
    assert "No contacts linked yet" in empties


# ---- edit and conflicts ---------------------------------------------------------------


def test_edit_form_carries_version_and_existing_resources(web, user, make_career):
    career = make_career(
        user, resources=[{"url": "https://a.example", "title": "A", "kind": "book"}]
    )
    page = soup(web.get(f"/careers/{career.id}/edit"))
    assert field_value(page, "version") == "1"
    assert field_value(page, "title") == "UX research"
    assert field_value(page, "resources-0-url") == "https://a.example"
    assert field_value(page, "resources-0-kind") == "book"
    assert len(page.select(".resource-row")) == 4


def test_edit_saves_and_redirects(web, db, user, make_career):
    career = make_career(user, resources=[{"url": "https://a.example"}])
    response = web.form_post(
        f"/careers/{career.id}/edit",
        {
            "version": "1",
            "title": "UX writing",
            "status": "interviewing",
            "interest": "5",
            "resources-0-url": "",
            "resources-0-kind": "website",
            "resources-1-url": "https://b.example",
            "resources-1-kind": "article",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/careers/{career.id}"
    db.expire_all()
    saved = service.get_career(db, user, career.id)
    assert (saved.title, saved.status, saved.interest, saved.version) == (
        "UX writing",
        "interviewing",
        5,
        2,
    )
    assert [r["url"] for r in saved.resources] == ["https://b.example"]


def test_invalid_edit_keeps_typed_values_and_version(web, db, user, make_career):
    career = make_career(user)
    response = web.form_post(
        f"/careers/{career.id}/edit", {"version": "1", "title": "", "industry": "Typed"}
    )
    assert response.status_code == 422
    page = soup(response)
    assert field_value(page, "industry") == "Typed"
    assert field_value(page, "version") == "1"
    db.expire_all()
    assert service.get_career(db, user, career.id).title == "UX research"


def test_stale_edit_shows_a_conflict_instead_of_overwriting(web, db, user, make_career):
    career_id = make_career(user).id
    newer = web.form_post(
        f"/careers/{career_id}/edit", {"version": "1", "title": "Changed in another tab"}
    )
    assert newer.status_code == 200  # followed the redirect

    response = web.form_post(
        f"/careers/{career_id}/edit", {"version": "1", "title": "My late edit", "industry": "Mine"}
    )
    assert response.status_code == 409
    page = soup(response)
    conflict = page.select_one("#conflict")
    assert conflict is not None
    assert conflict.select_one('[data-field="title"]').text == "Changed in another tab"
    assert field_value(page, "title") == "My late edit"
    assert field_value(page, "industry") == "Mine"
    assert field_value(page, "version") == "2"
    db.expire_all()
    assert service.get_career(db, user, career_id).title == "Changed in another tab"
    db.rollback()  # end the read transaction: a SQLite write session holds the lock

    # Saving again from the conflict page is a deliberate overwrite.
    again = web.form_post(f"/careers/{career_id}/edit", {"version": "2", "title": "My late edit"})
    assert again.status_code == 200
    db.expire_all()
    assert service.get_career(db, user, career_id).title == "My late edit"


def test_damaged_version_field_is_422(web, user, make_career):
    career = make_career(user)
    for version in ("abc", "99999999999999999999", "-1"):
        response = web.form_post(f"/careers/{career.id}/edit", {"version": version, "title": "x"})
        assert response.status_code == 422, version


# ---- delete ---------------------------------------------------------------------------


def test_delete_confirm_lists_dependents_then_cascades(
    web, db, user, make_career, link_contact, add_interview
):
    career = make_career(user)
    contact = link_contact(career, "Grace Hopper")
    add_interview(career, contact)
    page = soup(web.get(f"/careers/{career.id}/delete"))
    assert "1 linked contact" in page.select_one("#dependents-contacts").text
    assert "1 interview" in page.select_one("#dependents-interviews").text
    assert page.find("a", href=f"/contacts/{contact.id}")
    form = page.find("form", action=f"/careers/{career.id}/delete")
    hidden = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    assert hidden["cascade"] == "true" and hidden["version"] == "1"

    # Without the confirmation the career is kept and the page explains why.
    refused = web.form_post(f"/careers/{career.id}/delete", {"version": "1"})
    assert refused.status_code == 409
    assert soup(refused).select_one("[role=alert]")
    assert service.get_career(db, user, career.id)
    db.rollback()

    done = web.form_post(f"/careers/{career.id}/delete", hidden, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/careers"
    assert service.count_careers(db, user) == 0


def test_delete_without_dependents(web, db, user, make_career):
    career = make_career(user)
    page = soup(web.get(f"/careers/{career.id}/delete"))
    assert "Nothing else refers" in page.text
    response = web.form_post(
        f"/careers/{career.id}/delete", {"version": "1"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert service.count_careers(db, user) == 0


def test_forms_need_the_csrf_token(web, db, user):
    response = web.post("/careers/new", data={"title": "x"}, headers={"X-CSRF-Token": "wrong"})
    assert response.status_code == 403
    assert service.count_careers(db, user) == 0


# ---- privacy --------------------------------------------------------------------------


def test_another_users_career_pages_are_404_and_change_nothing(
    web, db, user, other_user, make_career, web_client_for
):
    career = make_career(user, "Private")
    intruder = web_client_for(other_user)
    for path in ("", "/edit", "/delete"):
        assert intruder.get(f"/careers/{career.id}{path}").status_code == 404, path
    assert (
        intruder.form_post(f"/careers/{career.id}/edit", {"title": "Hijacked"}).status_code == 404
    )
    deleted = intruder.form_post(f"/careers/{career.id}/delete", {"cascade": "true"})
    assert deleted.status_code == 404
    assert "Private" not in intruder.get("/careers").text
    db.expire_all()
    kept = service.get_career(db, user, career.id)
    assert (kept.title, kept.version) == ("Private", 1)


def test_pages_need_a_login(client):
    response = client.get("/careers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
