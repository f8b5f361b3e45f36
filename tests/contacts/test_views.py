"""Contact pages, parsed as HTML: list, search, filters, detail, forms, timeline, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from app.contacts import service
from app.contacts.models import Contact
from app.contacts.schemas import ContactUpdate
from app.interactions import service as interactions_service

HTMX = {"HX-Request": "true"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _rows(response) -> list[str]:
    return [
        a.get_text(strip=True)
        for a in soup(response).select("#contact-results tbody td:first-child a")
    ]


def _count(db, model=Contact) -> int:
    count = db.query(model).count()
    db.rollback()
    return count


# ---- list, search, filters ----------------------------------------------------------------


def test_empty_states(web):
    page = soup(web.get("/contacts"))
    empty = page.select_one("#contact-results .empty-state")
    assert empty is not None
    assert empty.find("a", href="/contacts/new")
    due = soup(web.get("/contacts/due"))
    assert "Nobody is due" in due.select_one("#contact-results .empty-state").get_text()


def test_list_search_filters_and_htmx_block(web, user, make_contact, make_org, make_career):
    org = make_org(user, "Globex")
    career = make_career(user, "Nursing")
    make_contact(user, "Jane Doe", organization_id=org.id, tags=["alumni"], career_ids=[career.id])
    make_contact(user, "Bob Roe", title="Nurse", stage="met")
    response = web.get("/contacts")
    assert response.status_code == 200
    page = soup(response)
    assert _rows(response) == ["Bob Roe", "Jane Doe"]
    # Filter controls are labelled; careers are listed, organizations typed with suggestions.
    for control in (
        "contact-q",
        "contact-career",
        "contact-organization",
        "contact-tag",
        "contact-stage",
        "contact-due",
        "contact-sort",
    ):
        assert page.find("label", attrs={"for": control}), control
    assert [o.get_text() for o in page.select("#contact-career option")][1:] == ["Nursing"]
    organization = page.select_one("#contact-organization")
    assert organization.name == "input" and organization["name"] == "organization"
    assert organization["value"] == "" and organization["hx-get"] == "/organizations/suggest"
    assert page.select_one(f"#{organization['list']}").name == "datalist"
    assert page.select("#contact-organization option") == []  # none rendered up front
    row = page.select_one("#contact-results tbody tr")
    assert row.find("a", class_="tag") is None  # Bob has no tags
    jane_row = page.select("#contact-results tbody tr")[1]
    assert jane_row.find("a", href=f"/organizations/{org.id}").get_text() == "Globex"
    assert jane_row.find("a", class_="tag").get_text() == "alumni"

    for query, expected in [
        ("q=glob", ["Jane Doe"]),
        ("q=alum", ["Jane Doe"]),
        ("q=nurse", ["Bob Roe"]),
        (f"career_id={career.id}", ["Jane Doe"]),
        (f"organization_id={org.id}", ["Jane Doe"]),
        ("tag=alumni", ["Jane Doe"]),
        ("stage=met", ["Bob Roe"]),
        ("stage=&career_id=&q=", ["Bob Roe", "Jane Doe"]),
        ("sort=-full_name", ["Jane Doe", "Bob Roe"]),
    ]:
        assert _rows(web.get(f"/contacts?{query}")) == expected, query
    # Search-as-you-type gets the results block only.
    fragment = web.get("/contacts?q=jane", headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert soup(fragment).select_one("section#contact-results")
    assert fragment.headers["vary"] == "HX-Request"
    nothing = soup(web.get("/contacts?q=zzz"))
    assert "No contacts match" in nothing.select_one(".empty-state").get_text()


def test_bad_list_parameters_are_errors_not_500(web):
    assert web.get("/contacts?sort=notes").status_code == 400
    assert web.get("/contacts?stage=friend").status_code == 422
    assert web.get("/contacts?career_id=99999999999").status_code == 422
    assert web.get("/contacts?q=a%00b").status_code == 400


def test_pagination_from_the_same_service_call(web, user, make_contact):
    for i in range(7):
        make_contact(user, f"Person {i}")
    page = soup(web.get("/contacts?limit=5"))
    assert len(page.select("#contact-results tbody tr")) == 5
    nxt = page.select_one("nav.pager a[rel=next]")
    assert "offset=5" in nxt["href"]
    second = soup(web.get("/contacts" + nxt["href"]))
    assert len(second.select("#contact-results tbody tr")) == 2


def test_due_view(web, db, user, make_contact, make_interaction):
    dana = make_contact(user, "Due Dana", stay_in_touch_days=10)
    # Added 20 days ago and never touched since: due (a new contact is not, issue 11).
    dana.created_at -= timedelta(days=20)
    interactions_service.refresh_touch_dates(db, dana)
    db.commit()
    fresh = make_contact(user, "Fresh Fred", stay_in_touch_days=10)
    make_interaction(user, fresh, datetime.now(UTC))
    response = web.get("/contacts/due")
    assert _rows(response) == ["Due Dana"]
    assert soup(response).select_one(".badge.overdue")
    assert _rows(web.get("/contacts?due=true")) == ["Due Dana"]
    assert _rows(web.get("/contacts?due=false")) == ["Fresh Fred"]
    home = soup(web.get("/"))
    section = home.find("section", attrs={"aria-label": "Due for a touch"})
    assert section.find("a").get_text() == "Due Dana"


def test_list_rows_show_days_in_the_readers_timezone_and_link_tags(
    make_user, web_client_for, make_contact, make_interaction
):
    tokyo = make_user("tokyo", timezone="Asia/Tokyo")
    web = web_client_for(tokyo)
    late = make_contact(tokyo, "Late Lee", tags=["r&d team", "c/o"], stay_in_touch_days=1)
    # 20:00 UTC on the 10th is already the 11th in Tokyo.
    make_interaction(tokyo, late, datetime(2026, 1, 10, 20, 0, tzinfo=UTC))
    make_contact(tokyo, "Quiet Quinn")
    response = web.get("/contacts")
    rows = soup(response).select("#contact-results tbody tr")
    cells = [td.get_text(" ", strip=True) for td in rows[0].find_all("td")]
    assert cells[0] == "Late Lee" and cells[1] == "—" and cells[2] == "Prospect"
    assert cells[4:] == ["2026-01-11", "2026-01-12 due"]
    assert [td.get_text(strip=True) for td in rows[1].find_all("td")][4:] == ["never", "—"]
    links = rows[0].select("a.tag")
    assert [(a.get_text(), a["href"]) for a in links] == [
        ("c/o", "/contacts?tag=c%2Fo"),
        ("r&d team", "/contacts?tag=r%26d%20team"),
    ]
    assert _rows(web.get(links[1]["href"])) == ["Late Lee"]


def test_list_rows_show_hostile_text_as_text(web, user, make_contact, make_org):
    """The rows are built as HTML in Python (app/contacts/rows.py), not by autoescaping
    templates: every text a person typed must still come out escaped, as text."""
    org = make_org(user, 'Acme <b>&</b> "Sons"')
    make_contact(
        user,
        "<script>alert(1)</script>",
        title='"><img src=x onerror=alert(2)>',
        organization_id=org.id,
        tags=["<i>vip</i>", "a&b"],
    )
    for response in (web.get("/contacts"), web.get("/contacts?q=script", headers=HTMX)):
        assert response.status_code == 200
        assert "<script>alert" not in response.text and "<img" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        row = soup(response).select_one("#contact-results tbody tr")
        assert row.find("script") is None and row.find("img") is None
        assert row.find("b") is None and row.find("i") is None
        cells = row.find_all("td")
        assert cells[0].a.get_text() == "<script>alert(1)</script>"
        assert cells[0].small.get_text() == '"><img src=x onerror=alert(2)>'
        assert cells[1].a.get_text() == 'Acme <b>&</b> "Sons"'
        assert [(a.get_text(), a["href"]) for a in cells[3].find_all("a")] == [
            ("<i>vip</i>", "/contacts?tag=%3Ci%3Evip%3C%2Fi%3E"),
            ("a&b", "/contacts?tag=a%26b"),
        ]


# ---- detail ---------------------------------------------------------------------------------


def test_detail_page_shows_everything(
    web, user, make_contact, make_org, make_career, make_interaction
):
    org = make_org(user, "Globex")
    career = make_career(user, "Nursing")
    first = make_contact(user, "Ada First")
    middle = make_contact(user, "Ben Middle", introduced_by_id=first.id)
    jane = make_contact(
        user,
        "Jane Doe",
        title="Head nurse",
        organization_id=org.id,
        career_ids=[career.id],
        tags=["alumni"],
        introduced_by_id=middle.id,
        email="jane@example.com",
        linkedin_url="https://www.linkedin.com/in/jane",
        notes="**Bold** move",
    )
    make_contact(user, "Kid", introduced_by_id=jane.id)
    make_interaction(
        user, jane, datetime(2026, 1, 2, 15, 0, tzinfo=UTC), kind="call", summary="Talked *shop*"
    )
    page = soup(web.get(f"/contacts/{jane.id}"))
    assert page.h1.get_text() == "Jane Doe"
    assert page.find("a", href=f"/organizations/{org.id}").get_text() == "Globex"
    assert page.select_one("#contact-careers a")["href"] == f"/careers/{career.id}"
    assert [a.get_text() for a in page.select("#contact-tags a")] == ["alumni"]
    chain = [li.get_text(strip=True) for li in page.select("#referral-chain li")]
    assert chain == ["Ada First", "Ben Middle", "Jane Doe"]
    assert [a.get_text() for a in page.select("#introduced a")] == ["Kid"]
    assert page.select_one("#contact-notes strong").get_text() == "Bold"
    items = page.select("#interactions li")
    assert len(items) == 1 and "Call" in items[0].get_text()
    assert items[0].find("em").get_text() == "shop"
    assert page.select_one("[data-field=last_contacted_at]").get_text() == "2026-01-02 15:00"
    assert (
        page.select_one("[data-field=linkedin_url] a")["href"] == "https://www.linkedin.com/in/jane"
    )
    assert page.find("a", href=f"/contacts/{jane.id}/edit")


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="/x" hx-post="/contacts/1/delete" data-x="1">x</a>',
        "<div hx-get='/evil' hx-trigger='load'>x</div>",
    ],
)
def test_markdown_notes_and_summaries_are_sanitised(
    web, user, make_contact, make_interaction, payload
):
    contact = make_contact(user, "Jane", notes=payload)
    make_interaction(user, contact, summary=payload)
    page = soup(web.get(f"/contacts/{contact.id}"))
    for region in page.select(".markdown"):
        assert region.find("script") is None
        assert region.find("img") is None
        for tag in region.find_all(True):
            for attribute in tag.attrs:
                assert not attribute.startswith(("on", "hx-", "data-")), attribute
            assert "javascript:" not in (tag.get("href") or "")


# ---- create ---------------------------------------------------------------------------------


def test_create_form_and_success(web, user, make_org, make_career, db):
    org = make_org(user, "Globex")
    career = make_career(user, "Nursing")
    form = soup(web.get("/contacts/new"))
    for name in (
        "full_name",
        "title",
        "organization",
        "email",
        "phone",
        "linkedin_url",
        "location",
        "tags",
        "introduced_by",
        "stage",
        "stay_in_touch_days",
        "how_we_met",
        "notes",
    ):
        field = form.find(attrs={"name": name})
        assert field is not None, name
        assert form.find("label", attrs={"for": field["id"]}), name
    assert form.find("input", attrs={"name": "career_ids", "value": str(career.id)})
    response = web.form_post(
        "/contacts/new",
        {
            "full_name": "Jane Doe",
            "organization_id": str(org.id),
            "career_ids": [str(career.id)],
            "tags": "Alumni, mentor,, ",
            "phone": "202 555 0143",
            "email": "",
            "stage": "prospect",
            "stay_in_touch_days": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    contact_id = int(response.headers["location"].rsplit("/", 1)[1])
    read = service.read_contact(db, user, contact_id)
    assert (read.organization_id, read.career_ids, read.tags) == (
        org.id,
        [career.id],
        ["alumni", "mentor"],
    )
    assert read.phone == "+12025550143" and read.email is None and read.stay_in_touch_days is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", ""),
        ("full_name", "x" * 201),
        ("email", "nope"),
        ("phone", "12"),
        ("linkedin_url", "javascript:alert(1)"),
        ("linkedin_url", "https://example.com/in/jane"),
        ("stay_in_touch_days", "0"),
        ("stay_in_touch_days", "99999999999999999999"),
        ("stay_in_touch_days", "ten"),
        ("organization_id", "99999"),
        ("introduced_by_id", "99999"),
        ("stage", "friend"),
        ("notes", "a\x00b"),
        ("title", "x" * 201),
    ],
)
def test_invalid_create_re_renders_with_messages_keeping_input(web, db, field, value):
    data = {"full_name": "Jane Typed", "title": "Typed title", "tags": "kept, tags", field: value}
    response = web.form_post("/contacts/new", data)
    assert response.status_code == 422, response.text[:300]
    page = soup(response)
    assert page.select_one(".form-errors")
    if field not in ("organization_id", "introduced_by_id", "stage"):
        assert page.find(id=f"f-{field}")["aria-invalid"] == "true"
    assert page.find(id="f-tags")["value"] == "kept, tags"
    if field != "title":
        assert page.find(id="f-title")["value"] == "Typed title"
    assert _count(db) == 0


def test_duplicate_linkedin_in_form_links_to_existing(web, user, make_contact):
    existing = make_contact(user, "Jane", linkedin_url="https://www.linkedin.com/in/jane")
    response = web.form_post(
        "/contacts/new", {"full_name": "Jane 2", "linkedin_url": "linkedin.com/in/JANE"}
    )
    assert response.status_code == 409
    assert soup(response).select_one("#duplicate a")["href"] == f"/contacts/{existing.id}"


def test_quick_add_from_career_and_organization_pages(web, user, make_career, make_org, db):
    career = make_career(user)
    org = make_org(user)
    response = web.form_post(
        "/contacts/new",
        {
            "full_name": "Quick Career",
            "career_ids": str(career.id),
            "next": f"/careers/{career.id}",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/careers/{career.id}"
    response = web.form_post(
        "/contacts/new",
        {
            "full_name": "Quick Org",
            "organization_id": str(org.id),
            "next": f"/organizations/{org.id}?tab=people",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/organizations/{org.id}?tab=people"
    assert [c.full_name for c in service.contacts_for(db, user, career_id=career.id)] == [
        "Quick Career"
    ]
    assert [c.full_name for c in service.contacts_for(db, user, organization_id=org.id)] == [
        "Quick Org"
    ]
    db.rollback()
    # Invalid quick-add: the full form, keeping the hidden next.
    bad = web.form_post("/contacts/new", {"full_name": "", "next": "/careers/1"})
    assert bad.status_code == 422
    assert soup(bad).find("input", attrs={"name": "next"})["value"] == "/careers/1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x",
    ],
)
def test_quick_add_refuses_off_site_next(web, target):
    response = web.form_post(
        "/contacts/new", {"full_name": "Jane", "next": target}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/contacts/")


def test_new_form_prefills_from_links(web, user, make_contact, make_org):
    introducer = make_contact(user, "Ada")
    org = make_org(user)
    page = soup(web.get(f"/contacts/new?introduced_by_id={introducer.id}&organization_id={org.id}"))
    assert page.select_one("#f-introduced_by")["value"] == f"Ada (#{introducer.id})"
    assert page.select_one("#f-organization")["value"] == org.name
    assert page.find("input", attrs={"name": "organization_id"})["value"] == str(org.id)


def test_tag_options_datalist(web, user, other_user, make_contact):
    make_contact(user, "A", tags=["alumni", "mentor", "management"])
    make_contact(other_user, "B", tags=["mine-not-yours"])
    response = web.get("/contacts/tag-options?tags=alumni, m", headers=HTMX)
    values = [o["value"] for o in soup(response).find_all("option")]
    assert values == ["alumni, management", "alumni, mentor"]
    single = web.get("/contacts/tag-options?tag=mi", headers=HTMX)
    assert soup(single).find_all("option") == []
    form = soup(web.get("/contacts/new"))
    tags = form.find(id="f-tags")
    assert tags["list"] == "tag-options" and tags["hx-get"] == "/contacts/tag-options"


# ---- edit ------------------------------------------------------------------------------------


def test_edit_form_round_trip_and_clearing_fields(web, user, make_contact, make_career, db):
    career = make_career(user)
    contact = make_contact(
        user, "Jane", email="jane@example.com", tags=["alumni"], career_ids=[career.id]
    )
    form = soup(web.get(f"/contacts/{contact.id}/edit"))
    assert form.find(id="f-email")["value"] == "jane@example.com"
    assert form.find(id="f-tags")["value"] == "alumni"
    assert form.find("input", attrs={"name": "career_ids"}).has_attr("checked")
    version = form.find("input", attrs={"name": "version"})["value"]
    response = web.form_post(
        f"/contacts/{contact.id}/edit",
        {"full_name": "Jane Q", "email": "", "tags": "", "stage": "met", "version": version},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    db.expire_all()
    read = service.read_contact(db, user, contact.id)
    assert (read.full_name, read.email, read.tags, read.career_ids, read.stage) == (
        "Jane Q",
        None,
        [],
        [],
        "met",
    )


def test_stale_edit_shows_a_conflict_instead_of_overwriting(web, user, make_contact, db):
    contact = make_contact(user, "Jane")
    version = soup(web.get(f"/contacts/{contact.id}/edit")).find(
        "input", attrs={"name": "version"}
    )["value"]
    service.update_contact(db, user, contact.id, ContactUpdate(title="Newer title"))
    response = web.form_post(
        f"/contacts/{contact.id}/edit",
        {"full_name": "Jane", "title": "My stale title", "stage": "prospect", "version": version},
    )
    assert response.status_code == 409
    page = soup(response)
    assert page.select_one("#conflict [data-field=title]").get_text() == "Newer title"
    assert page.find(id="f-title")["value"] == "My stale title"
    db.expire_all()
    assert service.get_contact(db, user, contact.id).title == "Newer title"
    url = f"/contacts/{contact.id}/edit"
    db.rollback()  # (touching a row of the test session after this would lock SQLite again)
    # Saving again from the conflict form is a deliberate overwrite.
    new_version = page.find("input", attrs={"name": "version"})["value"]
    again = web.form_post(
        url,
        {
            "full_name": "Jane",
            "title": "My stale title",
            "stage": "prospect",
            "version": new_version,
        },
        follow_redirects=False,
    )
    assert again.status_code == 303


def test_edit_cycle_is_refused_in_the_form(web, user, make_contact):
    a = make_contact(user, "A")
    b = make_contact(user, "B", introduced_by_id=a.id)
    response = web.form_post(
        f"/contacts/{a.id}/edit",
        {"full_name": "A", "introduced_by_id": str(b.id), "stage": "prospect", "version": "1"},
    )
    assert response.status_code == 422
    assert soup(response).select_one("#e-introduced_by")
    assert soup(response).select_one("#f-introduced_by")["value"] == f"B (#{b.id})"


# ---- delete ----------------------------------------------------------------------------------


def test_delete_confirmation_lists_dependents(web, user, make_contact, make_interaction, db):
    jane = make_contact(user, "Jane")
    kid = make_contact(user, "Kid", introduced_by_id=jane.id)
    make_interaction(user, jane)
    page = soup(web.get(f"/contacts/{jane.id}/delete"))
    kinds = {li["data-kind"]: li.get_text() for li in page.select("#dependents li")}
    assert set(kinds) == {"interactions", "introductions"}
    assert "1 interaction" in kinds["interactions"]
    # Submitting without the confirmation refuses and explains.
    refused = web.form_post(f"/contacts/{jane.id}/delete", {"version": "1"})
    assert refused.status_code == 409
    assert soup(refused).select_one(".form-errors")
    form = page.find("form", action=f"/contacts/{jane.id}/delete")
    data = {i["name"]: i["value"] for i in form.find_all("input") if i["name"] != "csrf_token"}
    done = web.form_post(f"/contacts/{jane.id}/delete", data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/contacts"
    db.expire_all()
    assert service.get_contact(db, user, kid.id).introduced_by_id is None
    assert _count(db) == 1


def test_delete_plain_contact(web, user, make_contact, db):
    contact = make_contact(user, "Jane")
    page = soup(web.get(f"/contacts/{contact.id}/delete"))
    assert "Nothing else depends" in page.get_text()
    response = web.form_post(
        f"/contacts/{contact.id}/delete", {"version": "1"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert _count(db) == 0


# ---- organization type-ahead (filter and form) ------------------------------------------------


def _options(response) -> list[str]:
    return [o["value"] for o in soup(response).find_all("option")]


def test_organization_suggestions_are_the_users_own_prefixes_first(
    web, client, user, other_user, make_org
):
    for name in ("Globex", "Global Health", "Acme Globe", "Initech", "100% Fun_Co"):
        make_org(user, name)
    make_org(other_user, "Globex Secret")
    response = web.get("/organizations/suggest?q=GLOB", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert _options(response) == ["Global Health", "Globex", "Acme Globe"]
    # The form's and the filter's text field send their own name.
    assert _options(web.get("/organizations/suggest?organization=init")) == ["Initech"]
    # LIKE wildcards are plain characters.
    assert _options(web.get("/organizations/suggest?q=%25")) == ["100% Fun_Co"]
    assert _options(web.get("/organizations/suggest?q=x_c")) == []
    assert _options(web.get("/organizations/suggest?q=secret")) == []
    # An empty field (on focus) gets the first names; never another user's.
    assert _options(web.get("/organizations/suggest")) == [
        "100% Fun_Co",
        "Acme Globe",
        "Global Health",
        "Globex",
        "Initech",
    ]
    assert web.get("/organizations/suggest?q=" + "x" * 201).status_code == 422
    assert _options(web.get("/organizations/suggest?q=glob%00")) == [
        "Global Health",
        "Globex",
        "Acme Globe",
    ]
    # Signed out: no suggestions, the login page instead.
    anonymous = client.get("/organizations/suggest?q=glob", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]


def test_organization_suggestions_are_few_and_distinct(web, user, make_org):
    for i in range(30):
        make_org(user, f"Branch {i:02d}")
    make_org(user, "Branch 00")  # same name twice: one suggestion
    assert _options(web.get("/organizations/suggest?q=branch")) == [
        f"Branch {i:02d}" for i in range(20)
    ]


def test_filter_by_typed_organization_name_without_javascript(
    web, user, other_user, make_contact, make_org
):
    globex = make_org(user, "Globex")
    make_contact(user, "Jane Doe", organization_id=globex.id)
    make_contact(user, "Bob Roe")
    theirs = make_org(other_user, "Secret Corp")
    make_contact(other_user, "Mallory", organization_id=theirs.id)

    # What a plain form submit sends: the typed name, in any case.
    response = web.get("/contacts?q=&organization=gLoBeX&stage=")
    assert _rows(response) == ["Jane Doe"]
    page = soup(response)
    assert page.select_one("#contact-organization")["value"] == "Globex"
    assert page.find("input", attrs={"name": "organization_id"})["value"] == str(globex.id)
    assert "clear filters" in page.select_one("#contact-results .meta").get_text()
    # A blank field is no filter, even beside the id it was shown with.
    assert _rows(web.get(f"/contacts?organization=&organization_id={globex.id}")) == [
        "Bob Roe",
        "Jane Doe",
    ]
    # A name nobody has: no rows, and the field says why.
    unknown = web.get("/contacts?organization=Initech")
    assert unknown.status_code == 200 and _rows(unknown) == []
    field = soup(unknown).select_one("#contact-organization")
    assert field["value"] == "Initech" and field["aria-invalid"] == "true"
    assert "Initech" in soup(unknown).find(id=field["aria-describedby"]).get_text()
    assert soup(unknown).find("input", attrs={"name": "organization_id"}) is None
    # Another user's organization is not found by name, and its name is never shown by id.
    assert _rows(web.get("/contacts?organization=Secret%20Corp")) == []
    by_id = web.get(f"/contacts?organization_id={theirs.id}")
    assert _rows(by_id) == [] and "Secret Corp" not in by_id.text
    assert web.get("/contacts?organization=" + "x" * 201).status_code == 422
    # The HTMX request (the toolbar's change) gets the results block only.
    fragment = web.get("/contacts?organization=globex", headers=HTMX)
    assert "<html" not in fragment.text and _rows(fragment) == ["Jane Doe"]


def test_links_by_organization_id_show_its_name(web, user, make_contact, make_org):
    globex = make_org(user, "Globex")
    make_contact(user, "Jane Doe", organization_id=globex.id)
    make_contact(user, "Bob Roe")
    for url in (
        f"/contacts?organization_id={globex.id}",
        f"/contacts/due?organization_id={globex.id}",
    ):
        page = soup(web.get(url))
        assert page.select_one("#contact-organization")["value"] == "Globex", url
        assert page.find("input", attrs={"name": "organization_id"})["value"] == str(globex.id)
    assert _rows(web.get(f"/contacts?organization_id={globex.id}")) == ["Jane Doe"]


def test_same_named_organizations_stay_apart(web, user, make_contact, make_org):
    first = make_org(user, "Initech")
    second = make_org(user, "Initech")
    make_contact(user, "At First", organization_id=first.id)
    make_contact(user, "At Second", organization_id=second.id)
    # The id the field was shown with counts while its name is unchanged...
    kept = f"/contacts?organization=Initech&organization_id={second.id}"
    assert _rows(web.get(kept)) == ["At Second"]
    # ...a name typed alone is the oldest organization of that name.
    assert _rows(web.get("/contacts?organization=initech")) == ["At First"]


def test_form_organization_by_typed_name(web, db, user, other_user, make_org, make_contact):
    globex_id = make_org(user, "Globex").id
    make_org(other_user, "Secret Corp")
    db.rollback()  # (reading an expired row later would hold SQLite's write lock)
    response = web.form_post(
        "/contacts/new",
        {"full_name": "Jane Doe", "organization": " globex ", "organization_id": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    jane_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert service.read_contact(db, user, jane_id).organization_id == globex_id
    db.rollback()
    # The edit form shows the organization's name and keeps its id beside it.
    form = soup(web.get(f"/contacts/{jane_id}/edit"))
    assert form.select_one("#f-organization")["value"] == "Globex"
    assert form.find("label", attrs={"for": "f-organization"})
    assert form.find("input", attrs={"name": "organization_id"})["value"] == str(globex_id)
    assert form.select("#f-organization option") == []  # suggestions come as you type

    # A name none of the user's organizations has (another user's included) is refused.
    for typed in ("Initech", "Secret Corp"):
        refused = web.form_post(
            "/contacts/new",
            {"full_name": "Bob Typed", "organization": typed, "tags": "kept"},
        )
        assert refused.status_code == 422
        page = soup(refused)
        field = page.select_one("#f-organization")
        assert field["value"] == typed and field["aria-invalid"] == "true"
        assert typed in page.find(id="e-organization").get_text()
        assert page.find(id="f-tags")["value"] == "kept"
    assert _count(db) == 1

    # Clearing the field unlinks the organization, whatever id was beside it.
    version = str(service.read_contact(db, user, jane_id).version)
    db.rollback()
    cleared = web.form_post(
        f"/contacts/{jane_id}/edit",
        {
            "full_name": "Jane Doe",
            "organization": "",
            "organization_id": str(globex_id),
            "version": version,
        },
        follow_redirects=False,
    )
    assert cleared.status_code == 303
    assert service.read_contact(db, user, jane_id).organization_id is None


def test_form_keeps_the_shown_organization_among_same_names(web, db, user, make_org, make_contact):
    make_org(user, "Initech")
    second_id = make_org(user, "Initech").id
    jane = make_contact(user, "Jane Doe", organization_id=second_id)
    jane_id, version = jane.id, str(jane.version)
    db.rollback()
    response = web.form_post(
        f"/contacts/{jane_id}/edit",
        {
            "full_name": "Jane Renamed",
            "organization": "Initech",
            "organization_id": str(second_id),
            "version": version,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.expire_all()  # the session still holds Jane as created
    read = service.read_contact(db, user, jane_id)
    assert (read.full_name, read.organization_id) == ("Jane Renamed", second_id)


# ---- introduced by: a typed contact with suggestions ------------------------------------------


def test_contact_suggestions_are_the_users_own_with_numbers(
    web, user, other_user, make_contact, make_org
):
    org = make_org(user, "Globex")
    hana = make_contact(user, "Hana Mbeki", title="Nurse", organization_id=org.id)
    hans = make_contact(user, "Hans Berg")
    make_contact(user, "Zoe Hanley")
    make_contact(other_user, "Hana Secret")
    response = web.get("/contacts/suggest?q=han", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    options = [(o["value"], o.get_text()) for o in soup(response).find_all("option")]
    assert options[:2] == [
        (f"Hana Mbeki (#{hana.id})", "Nurse · Globex"),
        (f"Hans Berg (#{hans.id})", ""),
    ]
    assert all("Secret" not in value for value, _ in options)
    # The form's field sends its own name; a picked value is searched by its name again.
    picked = web.get(f"/contacts/suggest?introduced_by=Hans Berg (%23{hans.id})")
    assert [o["value"] for o in soup(picked).find_all("option")] == [f"Hans Berg (#{hans.id})"]
    # Interview forms' contact field (m.contact_field) sends "contact".
    typed = web.get("/contacts/suggest?contact=zoe")
    assert next(o["value"] for o in soup(typed).find_all("option")).startswith("Zoe Hanley (#")
    assert web.get("/contacts/suggest?q=" + "x" * 201).status_code == 422
    assert web.get("/contacts/suggest?q=han%00").status_code == 200


def test_introduced_by_typed_name_or_number(web, db, user, other_user, make_contact):
    ada = make_contact(user, "Ada Lovelace")
    make_contact(user, "Sam Same")
    make_contact(user, "Sam Same")
    theirs = make_contact(other_user, "Their Person")
    ada_id, theirs_id = ada.id, theirs.id
    db.rollback()

    def create(typed: str):
        return web.form_post(
            "/contacts/new",
            {"full_name": "New Person", "introduced_by": typed, "introduced_by_id": ""},
            follow_redirects=False,
        )

    for typed in ("ada lovelace", f"Ada Lovelace (#{ada_id})", f"renamed (#{ada_id})"):
        response = create(typed)
        assert response.status_code == 303, (typed, response.text[:300])
        new_id = int(response.headers["location"].rsplit("/", 1)[1])
        assert service.read_contact(db, user, new_id).introduced_by_id == ada_id, typed
        db.rollback()
    count = _count(db)
    for typed, message in (
        ("Sam Same", "Several of your contacts are named"),
        ("Nobody Known", "None of your contacts is named"),
        ("Their Person", "None of your contacts is named"),
        (f"Their Person (#{theirs_id})", ""),
    ):
        refused = create(typed)
        assert refused.status_code == 422, typed
        page = soup(refused)
        field = page.select_one("#f-introduced_by")
        assert field["value"] == typed and field["aria-invalid"] == "true"
        assert message in page.find(id="e-introduced_by").get_text()
    assert _count(db) == count
    # No introducer: an empty field.
    assert create("").status_code == 303


def test_edit_form_keeps_the_introducer_whoever_it_is(web, db, user, make_contact):
    ada = make_contact(user, "Ada Lovelace")
    ben = make_contact(user, "Ben", introduced_by_id=ada.id)
    ada_id, ben_id, version = ada.id, ben.id, str(ben.version)
    db.rollback()
    form = soup(web.get(f"/contacts/{ben_id}/edit"))
    field = form.select_one("#f-introduced_by")
    assert field["value"] == f"Ada Lovelace (#{ada_id})"
    assert form.find("label", attrs={"for": "f-introduced_by"})
    assert form.select("#f-introduced_by option") == []  # no list of every contact
    # Saving the form as shown keeps the introducer.
    values = {
        tag["name"]: tag.get("value", "")
        for tag in form.select("form[method=post] input")
        if tag.get("name") and tag.get("type") not in ("checkbox",)
    }
    values["full_name"] = "Ben Renamed"
    response = web.form_post(f"/contacts/{ben_id}/edit", values, follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    db.expire_all()
    read = service.read_contact(db, user, ben_id)
    assert (read.full_name, read.introduced_by_id, read.version) == (
        "Ben Renamed",
        ada_id,
        int(version) + 1,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organization", "Glo\x00bex"),
        ("organization", "x" * 301),
        ("introduced_by", "Ada\x00"),
        ("introduced_by", "y" * 301),
    ],
)
def test_typed_references_refuse_what_no_name_can_be(web, db, field, value):
    response = web.form_post("/contacts/new", {"full_name": "Jane Typed", field: value})
    assert response.status_code == 422
    assert soup(response).find(id=f"e-{field}")
    assert _count(db) == 0


def test_odd_ids_beside_typed_fields_are_ignored_not_errors(web, db, user, make_org):
    globex_id = make_org(user, "Globex").id
    db.rollback()
    response = web.form_post(
        "/contacts/new",
        {"full_name": "Jane", "organization": "Globex", "organization_id": "²"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    new_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert service.read_contact(db, user, new_id).organization_id == globex_id
    db.rollback()
    # A quick-add form's bare id that is not a number is refused by the schema, not a 500.
    refused = web.form_post("/contacts/new", {"full_name": "Bob", "organization_id": "²"})
    assert refused.status_code == 422
