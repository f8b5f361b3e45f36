"""The snippet's words before a match, read from a short window, and the Link header's other
parameters, spelled without urlencode: both as the whole reading gave them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.search import query

_WORDS = st.sampled_from(["a", "data", "engineer", "x_y", "café", "日本", "snake_case", "ß"])
_GAPS = st.sampled_from([" ", "  ", ", ", " - ", "_", "…", "\n", "'"])


def _starts_by_reading_all(folded: str, at: int, count: int) -> list[int]:
    """The rule as a reading of every word from the beginning: the last ``count`` starts."""
    return [found.start() for found in query._TOKEN.finditer(folded, 0, at)][-count:]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    words=st.lists(st.tuples(_WORDS, _GAPS), max_size=40),
    at=st.integers(min_value=0, max_value=400),
    count=st.integers(min_value=1, max_value=6),
)
def test_the_words_before_a_match_are_those_a_whole_reading_finds(
    words: list[tuple[str, str]], at: int, count: int
) -> None:
    folded = query._fold("".join(word + gap for word, gap in words))
    at = min(at, len(folded))
    expected = _starts_by_reading_all(folded, at, count)
    assert query._starts_before(folded, at, count) == expected
    if folded.isascii():
        assert query._starts_before(folded, at, count, query._ASCII_TOKEN) == expected


def test_long_words_before_a_match_widen_the_window() -> None:
    folded = " ".join(["internationalization"] * 12) + " data"
    at = folded.rindex("data")
    starts = query._starts_before(folded, at, 4)
    assert starts == _starts_by_reading_all(folded, at, 4)
    assert len(starts) == 4
