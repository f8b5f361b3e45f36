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
from dataclasses import dataclass

# A term: optional "-", then a quoted phrase (closing quote optional) or a bare word.
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# Letters and digits; "_" and every punctuation mark separate tokens, as unicode61 does.
_TOKEN = re.compile(r"[^\W_]+")
# Below this length the last word is matched whole: a one-letter prefix would read every
# posting of a large index (the FTS5 prefix indexes start at two).
MIN_PREFIX = 2
MAX_TERMS = 16


@dataclass(frozen=True)
class Term:
    """One thing to match: a word or a phrase (its tokens in order), maybe excluded."""

    tokens: tuple[str, ...]
    exclude: bool = False
    prefix: bool = False


def _tokens(text: str) -> tuple[str, ...]:
    # Accents go here too so both databases receive the same plain tokens.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(_TOKEN.findall(plain))


def parse(text: str) -> list[Term]:
    """The terms of a user's query; empty when nothing searchable was typed."""
    terms: list[Term] = []
    last_open = False  # whether the last term can still grow as the user types
    for match in _TERM.finditer(text):
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
    if terms and last_open and not terms[-1].exclude and len(terms[-1].tokens[-1]) >= MIN_PREFIX:
        last = terms[-1]
        terms[-1] = Term(last.tokens, last.exclude, prefix=True)
    return terms


def searchable(terms: list[Term]) -> bool:
    """True when at least one term must match (exclusions alone select nothing)."""
    return any(not term.exclude for term in terms)


def _fts5_term(term: Term) -> str:
    quoted = '"' + " ".join(term.tokens).replace('"', '""') + '"'
    return quoted + ("*" if term.prefix else "")


def fts5_match(terms: list[Term], owners: list[int]) -> str:
    """The FTS5 MATCH expression: the caller's owner tokens AND the terms in title/body."""
    wanted = " AND ".join(_fts5_term(t) for t in terms if not t.exclude)
    for term in terms:
        if term.exclude:
            wanted = f"({wanted}) NOT {_fts5_term(term)}"
    owner = " OR ".join(f'"o{owner_id}"' for owner_id in owners)
    return f"owner : ({owner}) AND {{title body}} : ({wanted})"


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
