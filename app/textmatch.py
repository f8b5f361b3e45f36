"""Matching user-typed text literally in SQL LIKE."""

from __future__ import annotations


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern that matches ``text`` literally anywhere (escape ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"
