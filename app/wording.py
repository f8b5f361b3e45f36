"""How a message words a count: "1 contact", "2 contacts" (the command line, imports, exports
and the pages that print a count in Python)."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """``count`` with its noun in the right number: "1 contact", "2 contacts", "0 entries"
    (``many`` for a plural that is not ``one`` + "s")."""
    return f"{count} {noun(count, one, many)}"


def noun(count: int, one: str, many: str | None = None) -> str:
    """The noun alone, in the number ``count`` asks for (for a page that prints the count)."""
    return one if count == 1 else (many or one + "s")
