"""Limits an uploaded text file is held to before any parser walks it line by line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineLimitBroken:
    """Why a text was refused: too many lines, or line ``line`` (1-based) is too long."""

    too_many_lines: bool
    line: int


def check_lines(text: str, *, max_lines: int, max_line_chars: int) -> LineLimitBroken | None:
    """None when ``text`` has at most ``max_lines`` lines of at most ``max_line_chars`` each.

    Lines end at \\n, \\r\\n or \\r, as the csv module reads them. The counting runs in C
    (count, split, map) before any parser spends Python work per line or per cell, so a
    refused file costs milliseconds whatever its shape.
    """
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    # Blank lines count too (a parser still steps over each); a final newline ends a line.
    if normalised.count("\n") - normalised.endswith("\n") >= max_lines:
        return LineLimitBroken(too_many_lines=True, line=max_lines + 1)
    lines = normalised.split("\n")
    if max(map(len, lines)) <= max_line_chars:
        return None
    number = next(n for n, line in enumerate(lines, start=1) if len(line) > max_line_chars)
    return LineLimitBroken(too_many_lines=False, line=number)
