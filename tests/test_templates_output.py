"""What the served templates write: escaped exactly as markupsafe escapes, and the main
navigation drawn once per section with the current page marked."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from jinja2 import DictLoader, Environment, Undefined
from markupsafe import Markup, escape

from app.contacts.rows import ContactRow
from app.web.templating import _main_nav, escape_text, templates


class _Html:
    def __html__(self) -> str:
        return "<i>already safe</i>"


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        "Jane Doe",
        "<script>alert('x') & \"y\"</script>",
        "",
        12345,
        -1.5,
        True,
        None,
        Markup("<b>kept</b>"),
        _Html(),
        _Text("a <str> subclass"),
        Undefined(name="missing"),
    ],
)
def test_escape_text_is_markupsafe_escape_as_plain_text(value: object) -> None:
    assert escape_text(value) == str(escape(value))


SOURCES = {
    "macros.html": "{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}",
    "part.html": "<p title='{{ title }}'>{{ title }}</p>",
    "page.html": (
        '{% import "macros.html" as m %}'
        "{{ text }}|{{ number }}|{{ safe }}|{{ m.cell(text) }}|"
        "{% set block %}<em>{{ text }}</em>{% endset %}{{ block }}|"
        "{% filter upper %}{{ text }}{% endfilter %}|"
        "{{ text ~ safe }}|{{ text|e }}|{{ safe|safe }}|"
        '{% include "part.html" %}'
        "{% autoescape false %}{{ text }}{% endautoescape %}"
    ),
}


def test_served_templates_write_what_stock_jinja_writes() -> None:
    context = {
        "text": '<Tom & "Jerry\'s">',
        "number": 7,
        "safe": Markup("<br>"),
        "title": "a 'quoted' <title>",
    }
    served = Environment(loader=DictLoader(SOURCES), autoescape=True)
    served.template_class = templates.env.template_class
    stock = Environment(loader=DictLoader(SOURCES), autoescape=True)
    page = served.get_template("page.html")
    # The served one escapes each {{ value }} to plain text (no Markup object a value)...
    assert page.root_render_func.__globals__["escape"] is escape_text
    # ...and writes the same page, byte for byte.
    assert page.render(context) == stock.get_template("page.html").render(context)


def _links(nav: str) -> list[list[tuple[str, bool]]]:
    """Each list of the navigation: its links (href, marked as the current page)."""
    soup = BeautifulSoup(nav, "html.parser")
    return [
        [(a["href"], a.get("aria-current") == "page") for a in ul.find_all("a")]
        for ul in soup.select("ul.main-nav")
    ]


def test_the_main_nav_marks_its_section_in_both_lists_and_is_drawn_once() -> None:
    contacts = _main_nav("contacts")
    wide, menu = _links(contacts)
    assert [href for href, current in wide if current] == ["/contacts"]
    assert [href for href, current in menu if current] == ["/contacts"]
    assert [href for href, _ in wide] == [href for href, _ in menu]
    # The due-count badge is fetched once, from the wide row only.
    assert contacts.count('hx-get="/follow-ups/badge"') == 1
    assert contacts.count("data-search-box") == 1
    assert _main_nav("contacts") is contacts
    assert not any(current for lists in _links(_main_nav("")) for _, current in lists)


def test_a_page_shows_the_nav_of_its_section(web) -> None:
    soup = BeautifulSoup(web.get("/contacts").text, "html.parser")
    marked = soup.select("header nav a[aria-current=page]")
    assert [a["href"] for a in marked] == ["/contacts", "/contacts"]
    assert len(soup.select("header nav [data-search-box]")) == 1


def test_a_contacts_row_shows_each_field_in_its_cell() -> None:
    # The template unpacks ContactRow by its fields' order: a reordered row must fail here.
    row = ContactRow(
        7, "Ada <Lovelace>", "Analyst", 9, "Engines & Co", "Met", (("a b", "a%20b"),),
        "2026-01-02", "2026-03-04", True,
    )  # fmt: skip
    drawn = templates.env.get_template("contacts/_rows.html").render(rows=[row])
    tr = BeautifulSoup(f"<table><tbody>{drawn}</tbody></table>", "html.parser").tbody.tr
    assert tr["data-contact-id"] == "7"
    cells = tr.find_all("td")
    assert cells[0].a["href"] == "/contacts/7" and cells[0].a.text == "Ada <Lovelace>"
    assert cells[0].small.text == "Analyst"
    assert cells[1].a["href"] == "/organizations/9" and cells[1].a.text == "Engines & Co"
    assert cells[2].text == "Met"
    assert cells[3].a["href"] == "/contacts?tag=a%20b" and cells[3].a.text == "a b"
    assert cells[4].text == "2026-01-02"
    assert cells[5].text == "2026-03-04 due"
