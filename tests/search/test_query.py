"""User text becomes search terms; whatever is typed, the database sees only safe syntax."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.search import query
from app.search import service as search_service

SAFE_TSQUERY = re.compile(r"^[\w' <>\-&!():*]*$")


def test_words_phrases_exclusions_and_the_prefix():
    terms = query.parse('museum "SQL matters" -python regi')
    assert terms == [
        query.Term(("museum",)),
        query.Term(("sql", "matters")),
        query.Term(("python",), exclude=True),
        query.Term(("regi",), prefix=True),
    ]
    assert query.fts5_match(terms) == '("museum" AND "sql matters" AND "regi"*) NOT "python"'
    # The prefix spelled out as the indexed words it stands for, phrase and all.
    assert query.fts5_match([query.Term(("sql", "mat"), prefix=True)], ("match", "matters")) == (
        '("sql match" OR "sql matters")'
    )
    assert not query.short_prefix(terms)
    assert query.short_prefix(query.parse("museum re"))
    assert not query.short_prefix(query.parse('"museum re'))  # a phrase needs positions
    assert not query.short_prefix(query.parse("museum regi"))
    # A space after the last word ends it: no longer a prefix (as it still is without one).
    assert query.parse("museum regi ") == [query.Term(("museum",)), query.Term(("regi",))]
    assert query.parse("regi\t")[-1].prefix is False
    assert query.parse(" regi")[-1].prefix is True
    assert query.parse('"sql mat" ')[-1].prefix is False
    assert (
        query.tsquery_text(terms) == "('museum') & ('sql' <-> 'matters') & ('regi':*) & !('python')"
    )


def test_marks_and_snippets_follow_the_terms():
    terms = query.parse("resume pyth")
    assert query.marked("Un Résumé, Python!", terms, "[", "]") == "Un [Résumé], [Python]!"
    long = " ".join(f"w{n}" for n in range(40)) + " pythonic " + " ".join("z" * 40)
    snippet = query.marked(long, terms, "[", "]", 16)
    assert snippet.startswith("…w36 ") and "[pythonic]" in snippet and snippet.endswith("…")
    assert query.marked("short text", terms, "[", "]", 16) == "short text"
    # Only whole words and words that start with the prefix, however the words overlap.
    overlap = query.parse("art party pa")
    assert query.marked("Party_art, apart 2art spa pastry art.", overlap, "[", "]") == (
        "[Party]_[art], apart 2art spa [pastry] [art]."
    )
    assert query.marked("x " * 30, query.parse("-x y"), "[", "]", 4) == "x x x x…"


def test_operators_and_accents_are_only_separators():
    # A word with punctuation inside is a phrase of its parts, as the tokenizers see it.
    assert query.parse('NEAR(a b) ^start "unbalanced') == [
        query.Term(("near", "a")),
        query.Term(("b",)),
        query.Term(("start",)),
        query.Term(("unbalanced",), prefix=True),
    ]
    assert query.parse("Résumé") == [query.Term(("resume",), prefix=True)]
    assert query.parse('- "" * -"') == []
    assert not query.searchable(query.parse("-only -excluded"))
    assert query.parse("a")[0].prefix is False  # one letter: a whole word, not a prefix


@given(st.text(max_size=200))
def test_any_text_compiles_to_quoted_tokens_only(text):
    terms = query.parse(text)
    match = query.fts5_match(terms, ("word",)) if query.searchable(terms) else ""
    # Outside the quoted strings only the operators this module writes remain.
    outside = re.sub(r'"(?:[^"]|"")*"', "", match)
    assert re.fullmatch(r"[\s(){}:*A-Za-z]*", outside), outside
    assert set(re.findall(r"[A-Za-z]+", outside)) <= {"AND", "OR", "NOT"}
    assert SAFE_TSQUERY.match(query.tsquery_text(terms))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_the_database_accepts_anything_typed(db, user, text):
    search_service.search(db, user, text.replace("\x00", ""))
    db.rollback()


def test_bm25_scores_weigh_titles_repeats_phrases_and_prefixes():
    registrar = query.parse("registrar")
    title, twice, once = query.scores(
        registrar,
        [
            ("Museum registrar", ""),
            ("Curator", "registrar work; the registrar"),
            ("Conservator", "Long notes about many things, and once a registrar among them."),
        ],
    )
    assert title > twice > once > 0
    # A phrase counts only where its words come in order; the last word as a prefix.
    phrase = query.parse('"sql matters"')
    in_order, apart = query.scores(phrase, [("", "sql matters here"), ("", "matters of sql")])
    assert in_order > 0 and apart == 0
    prefixed = query.parse("sql mat")
    assert (
        query.scores(prefixed, [("", "SQL matters"), ("", "SQL Server")])[1]
        < (query.scores(prefixed, [("", "SQL matters"), ("", "SQL Server")])[0])
    )
    # Excluded words add nothing; a document without the words scores nothing.
    assert query.scores(query.parse("-sql"), [("SQL", "sql")]) == [0.0]
    assert query.scores(registrar, []) == []


def test_a_page_reads_only_the_kinds_it_falls_on():
    cap = search_service.COUNT_CAP
    counts = [(1, 63), (2, 5), (4, cap + 50)]
    assert search_service._page_slices(counts, (20, 0)) == [(1, 20, 0)]
    assert search_service._page_slices(counts, (20, 50)) == [(1, 13, 50), (2, 5, 0), (4, 2, 0)]
    assert search_service._page_slices(counts, (20, 68)) == [(4, 20, 0)]
    # Each kind gives at most COUNT_CAP matches, as its count says.
    assert search_service._page_slices(counts, (20, 68 + cap - 5)) == [(4, 5, cap - 5)]
    assert search_service._page_slices(counts, (20, 68 + cap)) == []
