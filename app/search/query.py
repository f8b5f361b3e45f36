"""What a user typed, as search terms, and those terms as FTS5 MATCH or tsquery text.

User text never reaches MATCH or to_tsquery as typed: it is cut into terms (words,
"quoted phrases", -excluded), each term into tokens of letters and digits only, and the
query text is rebuilt from those tokens with operators this module writes itself. So
FTS5's `"`, `*`, `^`, NEAR, column filters, or tsquery's `&|!():*` typed by a user are at
worst separators, never syntax.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# A term: optional "-", then a quoted phrase (closing quote optional) or a bare word.
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# Letters and digits; "_" and every punctuation mark separate tokens, as unicode61 does.
_TOKEN = re.compile(r"[^\W_]+")
# Below this length the last word is matched whole: a one-letter prefix would read every
# posting of a large index (the FTS5 prefix indexes start at two).
MIN_PREFIX = 2
# Up to this length a prefix is read from the prefix index (app.search.models).
SHORT_PREFIX = 3
MAX_TERMS = 16


def _ascii(pattern: str) -> str:
    """``pattern`` for lower-case ASCII text: its letter-or-digit classes as plain ranges."""
    # On ASCII the two classes hold the same characters, and folded text is lower case; but
    # the engine tests a range with one bit where "\w" asks Unicode's tables about every
    # character (a third of a hit's regular expression time, over snippets that are mostly
    # ASCII).
    return pattern.replace("[^\\W_]", "[a-z0-9]").replace("[\\W_]", "[^a-z0-9]")


# _TOKEN over folded ASCII text.
_ASCII_TOKEN = re.compile(_ascii(_TOKEN.pattern))


class Term(NamedTuple):
    """One thing to match: a word or a phrase (its tokens in order), maybe excluded.

    A NamedTuple rather than a frozen dataclass: the marking and ranking caches are keyed
    by terms, and a tuple hashes in C where a dataclass's __hash__ is a Python call, twice
    per hit."""

    tokens: tuple[str, ...]
    exclude: bool = False
    prefix: bool = False


def _tokens(text: str) -> tuple[str, ...]:
    if text.isascii():
        # NFKD leaves ASCII as it is and finds no accents in it: a tenth of the time.
        return tuple(_TOKEN.findall(text.lower()))
    # Accents go here too so both databases receive the same plain tokens.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(_TOKEN.findall(plain))


def parse(text: str) -> list[Term]:
    """The terms of a user's query; empty when nothing searchable was typed."""
    terms: list[Term] = []
    last_open = False  # whether the last term can still grow as the user types
    last_end = 0
    for match in _TERM.finditer(text):
        last_end = match.end()
        quoted_minus, phrase, word_minus, word = match.groups()
        if word is not None:
            tokens, exclude = _tokens(word), bool(word_minus)
            last_open = True
        else:
            tokens, exclude = _tokens(phrase), bool(quoted_minus)
            last_open = not match.group(0).endswith('"') or len(match.group(0)) == 1
        if tokens:
            terms.append(Term(tokens, exclude))
        else:
            last_open = False
    terms = terms[:MAX_TERMS]
    # A space typed after the last word ends it: "sql " is the word sql, no longer a prefix.
    if any(ch.isspace() for ch in text[last_end:]):
        last_open = False
    if terms and last_open and not terms[-1].exclude and len(terms[-1].tokens[-1]) >= MIN_PREFIX:
        last = terms[-1]
        terms[-1] = Term(last.tokens, last.exclude, prefix=True)
    return terms


def searchable(terms: list[Term]) -> bool:
    """True when at least one term must match (exclusions alone select nothing)."""
    return any(not term.exclude for term in terms)


def _fts5_phrase(tokens: tuple[str, ...], prefix: bool = False) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"' + ("*" if prefix else "")


def _fts5_term(term: Term, expansion: tuple[str, ...] | None) -> str:
    if not term.prefix or expansion is None:
        return _fts5_phrase(term.tokens, term.prefix)
    # The prefix spelled out as the words it stands for: FTS5 reads those posting lists
    # lazily, where a prefix without a prefix index is merged whole for every cursor.
    phrases = [_fts5_phrase((*term.tokens[:-1], word)) for word in expansion]
    return "(" + " OR ".join(phrases) + ")"


def fts5_match(terms: list[Term], expansion: tuple[str, ...] | None = None) -> str:
    """The FTS5 MATCH expression for the terms, exclusions last.

    ``expansion``: the indexed words the last term's prefix stands for, when known.
    """
    wanted = " AND ".join(_fts5_term(t, expansion) for t in terms if not t.exclude)
    for term in terms:
        if term.exclude:
            wanted = f"({wanted}) NOT {_fts5_term(term, None)}"
    return wanted


def short_prefix(terms: list[Term]) -> bool:
    """True when the prefix index answers the query: a 2-3 letter prefix, single words only."""
    # That index keeps no positions, so it cannot check a phrase; the positional one
    # expands a short prefix into every word that starts with it, which is the slow case.
    return (
        bool(terms)
        and terms[-1].prefix
        and len(terms[-1].tokens[-1]) <= SHORT_PREFIX
        and all(len(term.tokens) == 1 for term in terms)
    )


@lru_cache(maxsize=256)
def _pattern(terms: tuple[Term, ...], ascii_text: bool = False) -> re.Pattern[str] | None:
    """The words to mark, as one regular expression over folded text (folded ASCII text
    with ``ascii_text``)."""
    whole = {
        token for t in terms if not t.exclude for token in t.tokens[: -1 if t.prefix else None]
    }
    prefixes = {t.tokens[-1] for t in terms if t.prefix and not t.exclude}
    # Each word leads its alternative literally, so the regex engine skips to the places
    # that start with one of their first letters (a look-behind in front would be tried at
    # every character: two thirds of a hit's time); the check that no letter or digit
    # comes before follows, as a look-behind of the word's width.
    alternatives = [
        f"{w}(?<![^\\W_]{w}){tail}"
        for words, tail in (
            (sorted(whole, key=len, reverse=True), "(?![^\\W_])"),
            (sorted(prefixes), "[^\\W_]*"),
        )
        for w in map(re.escape, words)
    ]
    if not alternatives:
        return None
    source = "|".join(alternatives)
    return re.compile(_ascii(source) if ascii_text else source)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    plain = "".join(_tokens(ch)) or ch.lower()
    return plain if len(plain) == 1 else ch


class _FoldTable(dict[int, str]):
    """Each character's fold, worked out the first time str.translate asks for it."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def _fold(text: str) -> str:
    """Lower case without accents, one character for one: positions stay those of ``text``."""
    return text.lower() if text.isascii() else text.translate(_FOLD_TABLE)


@lru_cache(maxsize=64)
def _words(least: int, most: int | None = None, ascii_text: bool = False) -> re.Pattern[str]:
    """From where it is matched, ``least`` (to ``most``) words with what separates them (in
    folded ASCII text with ``ascii_text``)."""
    # Possessive: a word is never split to make up the count, and nothing backtracks.
    source = rf"(?:[\W_]*+[^\W_]++){{{least},{most or least}}}"
    return re.compile(_ascii(source) if ascii_text else source)


def _starts_before(folded: str, at: int, count: int, token: re.Pattern[str] = _TOKEN) -> list[int]:
    """Where the (up to) ``count`` words before ``at`` start, read back from ``at`` only as
    far as they reach (``token``: _TOKEN, or _ASCII_TOKEN for ASCII text)."""
    # Ten characters a word: 19 in 20 snippets' four words before the match fit (it took 16,
    # which read some ten words to keep four); the rest read again four times as far.
    span = 10 * count
    while True:
        low = max(0, at - span)
        starts = [found.start() for found in token.finditer(folded, low, at)]
        if low and starts and starts[0] == low and token.match(folded, low - 1):
            starts.pop(0)  # the window cut this word: its start is further back
        if len(starts) >= count or not low:
            return starts[-count:]
        span *= 4


def marked(text: str, terms: list[Term], start: str, stop: str, words: int = 0) -> str:
    """``text`` with its matching words between ``start`` and ``stop``.

    With ``words``, only that many words around the first match (or from the beginning),
    with an ellipsis where text was cut: the snippet of a result.
    """
    folded = _fold(text)
    plain = folded.isascii()  # folded, ASCII is lower case ("Café" too: "cafe")
    token = _ASCII_TOKEN if plain else _TOKEN
    pattern = _pattern(tuple(terms), plain)
    begin, end = 0, len(text)
    if words and _words(words + 1, None, plain).match(folded):
        first = pattern.search(folded) if pattern else None
        # A quarter of the words before the first match, the rest from it on. The regular
        # expressions walk the words; a loop over every word of a long text cost a hit
        # 20-40 us.
        at = first.start() if first else 0
        before = _starts_before(folded, at, words // 4, token) if at and words >= 4 else []
        after = _words(1, words - len(before), plain).match(folded, at)
        if after is None:
            begin = before[0] if before else 0
        else:
            if before:
                begin = before[0]
            else:  # the first word from the match on (a hit that has words before reads none)
                first_word = token.search(folded, at)
                begin = first_word.start() if first_word else at
            end = after.end()
            if not token.search(folded, end):
                end = len(text)  # nothing but punctuation after: keep it
        if not token.search(folded, 0, begin):
            begin = 0
    out, position = [], begin
    for found in pattern.finditer(folded, begin, end) if pattern else ():
        found_start, found_end = found.span()
        out += [text[position:found_start], start, text[found_start:found_end], stop]
        position = found_end
    out.append(text[position:end])
    return ("…" if begin else "") + "".join(out) + ("…" if end < len(text) else "")


def _ts_term(term: Term) -> str:
    parts = [f"'{token}'" for token in term.tokens]
    if term.prefix:
        parts[-1] += ":*"
    text = " <-> ".join(parts)
    return f"!({text})" if term.exclude else f"({text})"


def tsquery_text(terms: list[Term]) -> str:
    """The to_tsquery text for the terms: phrases with <->, the last word a :* prefix."""
    ordered = [t for t in terms if not t.exclude] + [t for t in terms if t.exclude]
    return " & ".join(_ts_term(t) for t in ordered)


# BM25's constants and column weights as the index's former bm25(search_index, 4.0, 1.0) had
# them: a word in the title counts four times one in the body.
K1, B = 1.2, 0.75
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0


@lru_cache(maxsize=256)
def _term_pattern(term: Term, ascii_text: bool = False) -> re.Pattern[str]:
    """The term's words in a row, as whole words (the last a prefix if the term is one), in
    folded text (folded ASCII text with ``ascii_text``)."""
    first = re.escape(term.tokens[0])
    rest = "".join(rf"[\W_]+{re.escape(token)}" for token in term.tokens[1:])
    tail = "[^\\W_]*" if term.prefix else "(?![^\\W_])"
    # The first word leads, its look-behind after it, as in _pattern: so the engine skips to
    # the places that start with it.
    source = rf"{first}(?<![^\W_]{first}){rest}{tail}"
    return re.compile(_ascii(source) if ascii_text else source)


def scores(terms: list[Term], documents: list[tuple[str, str]]) -> list[float]:
    """BM25 of each (title, body) for the terms (higher is better).

    Used on a few hundred matches at most, all of which hold every wanted term, so each term
    weighs the same: FTS5's bm25() weighs a term by its rarity in the whole index, which it
    learns by reading every posting of every term, for every user (10-50 ms for a common
    word at 100k contacts). The average length is that of these documents.
    """
    wanted = [term for term in terms if not term.exclude]
    # Each document's folded text, with the patterns for it: the ASCII ones when it is ASCII.
    unicode = (_TOKEN, [_term_pattern(term) for term in wanted])
    ascii_ = (_ASCII_TOKEN, [_term_pattern(term, True) for term in wanted])
    folded: list[tuple[str, str, tuple[re.Pattern[str], list[re.Pattern[str]]]]] = []
    for title, body in documents:
        title, body = _fold(title), _fold(body)
        folded.append((title, body, ascii_ if title.isascii() and body.isascii() else unicode))
    lengths = [len(token.findall(t)) + len(token.findall(b)) for t, b, (token, _) in folded]
    average = max(1.0, sum(lengths) / max(1, len(lengths)))
    result = []
    for (title, body, (_, patterns)), length in zip(folded, lengths, strict=True):
        saturation = K1 * (1 - B + B * length / average)
        score = 0.0
        for pattern in patterns:
            found = TITLE_WEIGHT * len(pattern.findall(title))
            found += BODY_WEIGHT * len(pattern.findall(body))
            score += found * (K1 + 1) / (found + saturation)
        result.append(score)
    return result
