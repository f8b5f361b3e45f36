"""Folded ASCII text is marked and ranked with plain [a-z0-9] classes rather than Unicode's
letter-or-digit class: the two must find exactly the same words, so snippets, marks and
scores stay what they were."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from app.search import query
from app.search.service import START, STOP

# Lower-case ASCII as folding leaves it, with the separators that matter: "_", digits,
# punctuation, every ASCII space.
FOLDED_ASCII = st.text(alphabet="abcxyz019_-.,'\" \t\n\r\x0b\x0c\x1c\x1f*#<>&", max_size=120)
# Any text a record may hold: upper case, accents, ligatures, other scripts.
ANY_TEXT = st.text(
    alphabet=st.sampled_from(list("abcABC019_-.,' \n\t") + list("éÉßﬁİΣ日…½²")), max_size=120
)
WORDS = st.sampled_from(["a", "ab", "abc", "x1", "19", "z", "é", "ß", "日", "ca"])
TERMS = st.lists(
    st.builds(
        query.Term,
        st.lists(WORDS, min_size=1, max_size=3).map(tuple),
        st.booleans(),
        st.booleans(),
    ),
    min_size=1,
    max_size=3,
).map(tuple)


def spans(pattern, text: str, start: int = 0) -> list[tuple[int, int]]:
    """Every match of ``pattern`` in ``text`` from ``start``, as spans."""
    return [found.span() for found in pattern.finditer(text, start)]


@settings(max_examples=300, deadline=None)
@given(FOLDED_ASCII, TERMS, st.integers(0, 40))
def test_the_ascii_patterns_find_what_the_unicode_ones_find(text, terms, start):
    assert spans(query._ASCII_TOKEN, text, start) == spans(query._TOKEN, text, start)
    unicode, ascii_ = query._pattern(terms, False), query._pattern(terms, True)
    assert (unicode is None) == (ascii_ is None)
    if unicode is not None and ascii_ is not None:
        assert spans(ascii_, text, start) == spans(unicode, text, start)
    for term in terms:
        assert spans(query._term_pattern(term, True), text) == spans(
            query._term_pattern(term), text
        )
    for least, most in ((1, None), (17, None), (1, 12), (3, 5)):
        for at in (0, start):
            ascii_words = query._words(least, most, True).match(text, at)
            unicode_words = query._words(least, most).match(text, at)
            assert (ascii_words and ascii_words.span()) == (unicode_words and unicode_words.span())
    at = min(start, len(text))
    assert query._starts_before(text, at, 4, query._ASCII_TOKEN) == query._starts_before(
        text, at, 4
    )


@contextmanager
def unicode_only() -> Iterator[None]:
    """The module as it was before the ASCII patterns: every text through the Unicode ones."""
    pattern, words, term_pattern = query._pattern, query._words, query._term_pattern
    with (
        patch.object(query, "_ASCII_TOKEN", query._TOKEN),
        patch.object(query, "_pattern", lambda terms, ascii_text=False: pattern(terms)),
        patch.object(
            query, "_words", lambda least, most=None, ascii_text=False: words(least, most)
        ),
        patch.object(query, "_term_pattern", lambda term, ascii_text=False: term_pattern(term)),
    ):
        yield


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, TERMS, st.sampled_from([0, 1, 4, 5, 16]))
def test_marks_and_snippets_are_those_of_the_unicode_patterns(text, terms, words):
    marked = query.marked(text, list(terms), START, STOP, words)
    with unicode_only():
        assert marked == query.marked(text, list(terms), START, STOP, words)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT), max_size=6), TERMS)
def test_scores_are_those_of_the_unicode_patterns(documents, terms):
    scores = query.scores(list(terms), documents)
    with unicode_only():
        assert scores == query.scores(list(terms), documents)


def test_text_that_folds_to_ascii_is_marked_where_its_accents_are():
    # "Café" folds to "cafe": the ASCII patterns run, the marks land on the original text.
    terms = query.parse("cafe ab")  # "ab" last: a prefix, so "ABC" too
    assert query.marked("Le Café, ABC ab_c ab", terms, "[", "]") == "Le [Café], [ABC] [ab]_c [ab]"
    marked = query.marked("Le Café, ABC ab_c ab", query.parse("caf"), "[", "]")
    assert marked == "Le [Café], ABC ab_c ab"
