"""Markdown to safe HTML: raw HTML escaped by the parser, the output sanitised again."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache
def _parser() -> MarkdownIt:
    # markdown-it and nh3 (2 MB) are imported by the first page that shows Markdown, not by
    # every worker at start-up (tests/test_memory.py).
    from markdown_it import MarkdownIt

    # html=False makes markdown-it escape raw HTML instead of passing it through.
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False})
        .enable("table")
        .enable("strikethrough")
    )


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    import nh3  # on first use, as in _parser

    html = _parser().render(text)
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)
