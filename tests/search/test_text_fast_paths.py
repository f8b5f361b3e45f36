"""The search's fast paths for plain text give what the general rules they skip would."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from app.search import query
from app.search import service as search_service

# The markup test as one pass per rule, the way plain_text decided before its fast path.
_ANY_MARKUP_CHARACTER = re.compile(r"[`~\[<*_#]")
_ANY_LINE_MARKUP = re.compile(r"^[ \t]*(?:[>+=-]|\d{1,9}[.)])", re.MULTILINE)

# Pieces rather than characters, so line starts, indents and runs of digits come up often.
_MARKDOWNISH = st.lists(
    st.sampled_from([*"ab 1\t\n\r.)>+=-`~[<*_#٣", "1234567890", "  -", "\n1."]), max_size=20
).map("".join)


@given(_MARKDOWNISH)
def test_the_markup_check_is_the_patterns_own(text: str) -> None:
    expected = bool(_ANY_MARKUP_CHARACTER.search(text) or _ANY_LINE_MARKUP.search(text))
    assert search_service._has_markup(text) is expected


def test_markup_at_any_line_start_is_seen() -> None:
    assert search_service._has_markup("- item")
    assert search_service._has_markup("intro\n  12) step")
    assert search_service._has_markup("intro\n\t> quoted")
    assert not search_service._has_markup("intro - dash\n1234567890. ten digits")
    assert not search_service._has_markup("a\rb - c\r1. d")  # "\r" alone starts no line
    assert search_service.plain_text("intro\n1. step") == "intro step"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_ascii_tokens_are_the_accent_folded_ones(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    assert query._tokens(text) == tuple(query._TOKEN.findall(plain))


@given(st.text(alphabet=st.sampled_from([*"ab <>&\"'", "\x02", "\x03"]), max_size=20))
def test_marked_html_without_markers_is_the_escaped_text(text: str) -> None:
    html = search_service.marked_html(text)
    if "\x02" not in text and "\x03" not in text:
        assert html == search_service.html.escape(text, quote=True)
    assert html.count("<mark>") == html.count("</mark>")
