"""The contacts list page's cheaper rendering shows exactly what it showed: selects drawn once
per distinct arguments (``draw_select``) are the macro's markup and follow new careers at
once; the macros imported without context are still given a page's own globals; a row's days
are the reader's whatever the zone (UTC read without a conversion)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from app.contacts.rows import contact_rows
from app.web.templating import templates


def _macro(*args: object, blank: str | None = None) -> str:
    return str(templates.env.get_template("_macros.html").module.filter_select(*args, blank=blank))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "blank"),
    [
        (("contact-career", "Career", "career_id", [(1, "Nursing"), (2, "A & <b>")], 2), "Any"),
        (("contact-career", "Career", "career_id", [(1, "Nursing")], None), "Any career"),
        (
            ("contact-stage", "Stage", "stage", [("met", "Met"), ("prospect", "Prospect")], "met"),
            "",
        ),
        (("contact-sort", "Sort", "sort", [("full_name", "Name (A–Z)")], "stage"), None),
        (("x", "X", "x", [], None), None),
    ],
)
def test_draw_select_is_the_macros_markup(args: tuple[object, ...], blank: str | None) -> None:
    draw = templates.env.globals["draw_select"]
    drawn = draw(*args, blank=blank)
    assert str(drawn) == _macro(*args, blank=blank)
    assert str(draw(*args, blank=blank)) == str(drawn)  # drawn again from the cache: the same
    assert "<b>" not in str(drawn)  # escaped as the macro escapes


def test_the_contacts_page_selects_show_the_readers_careers_and_choices(
    web, user, make_user, make_career
) -> None:
    nursing = make_career(user, "Nursing")
    make_career(make_user("other"), "Other's secret career")
    page = web.get(f"/contacts?career_id={nursing.id}&stage=met&sort=-updated_at")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    career = soup.select_one("#contact-career")
    assert career is not None
    assert [(o["value"], o.text, o.has_attr("selected")) for o in career.select("option")] == [
        ("", "Any career", False),
        (str(nursing.id), "Nursing", True),
    ]
    stage = soup.select_one("#contact-stage option[selected]")
    sort = soup.select_one("#contact-sort option[selected]")
    assert stage is not None and stage["value"] == "met"
    assert sort is not None and sort["value"] == "-updated_at"
    assert "secret career" not in page.text
    # A career added since is in the next page's select: the cache is keyed by the options.
    added = make_career(user, "Teaching")
    again = BeautifulSoup(web.get("/contacts").text, "html.parser")
    options = again.select("#contact-career option")
    assert [o["value"] for o in options] == ["", str(nursing.id), str(added.id)]
    assert not [o for o in options if o.has_attr("selected")]


def test_macros_imported_without_context_still_see_a_pages_own_globals() -> None:
    # The shared module serves pages whose globals are the environment's; a page with its
    # own global gets a module built with it, as Jinja gives it.
    env = templates.env
    plain = env.from_string('{% import "_macros.html" as m %}{{ m.csrf() }}')
    own = env.from_string(
        '{% import "_macros.html" as m %}{{ m.csrf() }}', globals={"csrf_token": "t0k&n"}
    )
    assert plain.render() == '<input type="hidden" name="csrf_token" value="">'
    assert own.render() == '<input type="hidden" name="csrf_token" value="t0k&amp;n">'
    assert plain.render() == '<input type="hidden" name="csrf_token" value="">'


def test_a_rows_days_are_the_readers_in_any_zone() -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    early = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    contacts = [
        (1, "A", "", None, "met", late, early, ["b", "a b"], None),
        (2, "B", "T", 3, "prospect", None, None, [], "Org"),
        (3, "C", "", None, "unknown-stage", early, late, [], None),
    ]
    # Whether each is due by 2026-03-02 00:00 UTC, as the database says it (early is after,
    # late before; none set: not due): a row shows it as given, whatever the zone.
    due = (False, False, True)
    utc = contact_rows(contacts, "UTC", due)
    assert [(r.last_contacted, r.next_touch, r.overdue) for r in utc] == [
        ("2026-03-01", "2026-03-02", False),
        ("never", "", False),
        ("2026-03-02", "2026-03-01", True),
    ]
    assert utc[0].tags == (("b", "b"), ("a b", "a%20b"))
    assert (utc[1].organization, utc[1].stage, utc[2].stage) == ("Org", "Prospect", "unknown-stage")
    paris = contact_rows(contacts, "Europe/Paris", due)
    assert [r.overdue for r in paris] == [False, False, True]
    assert [(r.last_contacted, r.next_touch) for r in paris] == [
        ("2026-03-02", "2026-03-02"),
        ("never", ""),
        ("2026-03-02", "2026-03-02"),
    ]
    la = contact_rows(contacts, "America/Los_Angeles", due)
    assert [(r.last_contacted, r.next_touch) for r in la] == [
        ("2026-03-01", "2026-03-01"),
        ("never", ""),
        ("2026-03-01", "2026-03-01"),
    ]
    assert contact_rows(contacts, "Not/AZone", due) == utc  # an unknown zone reads as UTC
