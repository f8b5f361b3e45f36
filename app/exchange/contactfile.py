"""A file of contacts in any format the import reads: told apart by its content, decoded
once, then read by its format's reader into checked rows and row problems.

Problems tied to a row's fields make that row invalid (shown in the preview, never
imported); problems with the file itself (no header, broken CSV, an unclosed card, a wrong
kind of file) refuse the whole file.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from app.errors import FieldError, Invalid
from app.exchange.filelimits import check_size
from app.exchange.google import contacts as google
from app.exchange.linkedin import connections as linkedin
from app.exchange.schemas import NewContact
from app.exchange.spreadsheet import table
from app.exchange.vcard import addressbook as vcard

# How far into a CSV the header is looked for (LinkedIn writes a few lines of notes first).
_SNIFF_CHARS = 20_000
_SNIFF_RECORDS = 25


@dataclass
class ContactFile:
    """A file read: how it was read, its checked rows, its invalid rows' reasons and names
    by line, and the problems of the file itself (when any, nothing of it may be imported)."""

    format: str
    encoding: str
    delimiter: str | None
    rows: list[NewContact]
    invalid: dict[int, list[str]]
    read: int
    broken: list[FieldError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    invalid_names: dict[int, str] = field(default_factory=dict)


def read_contact_file(
    raw: bytes,
    *,
    file_format: str = "auto",
    mapping: dict[str, str | None] | None = None,
    phone_region: str,
) -> ContactFile:
    """Read ``raw`` as ``file_format`` (or the format its content shows); Invalid when the
    file cannot be read at all, PayloadTooLarge over the size limit."""
    check_size(raw)
    for signature, kind in vcard.SIGNATURES.items():
        if raw.startswith(signature):
            raise Invalid.one("file", f"This is {kind}, not a contacts file; extract it first.")
    text, encoding = table.decode_text(raw)
    chosen = detect_format(text) if file_format == "auto" else file_format
    delimiter: str | None = ","
    columns: list[str] = []
    used: dict[str, str] = {}
    if chosen == "vcard":
        delimiter = None
        parsed = vcard.parse(vcard.decode(text), phone_region=phone_region)
    elif chosen == "google":
        parsed = google.parse(google.decode(text), phone_region=phone_region)
    elif chosen == "linkedin":
        parsed = linkedin.parse(linkedin.decode(text))
    else:
        delimiter = table.detect_delimiter(text)
        sheet = table.parse(text, delimiter=delimiter, phone_region=phone_region, mapping=mapping)
        parsed, columns, used = sheet.parsed, sheet.columns, sheet.mapping
    invalid, broken = _split_problems(parsed.problems)
    return ContactFile(
        format=chosen,
        encoding=encoding,
        delimiter=delimiter,
        rows=parsed.rows,
        invalid=invalid,
        read=parsed.read,
        broken=broken,
        columns=columns,
        mapping=used,
        invalid_names=parsed.names,
    )


def detect_format(text: str) -> str:
    """vcard, linkedin, google or csv, from the first card or the header line."""
    if text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return "vcard"
    head = text[:_SNIFF_CHARS]
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=table.detect_delimiter(head))
    try:
        for number, cells in enumerate(reader):
            if number >= _SNIFF_RECORDS:
                break
            keys = {" ".join(c.replace("\ufeff", "").split()).casefold() for c in cells}
            if {"first name", "last name", "connected on"} <= keys:
                return "linkedin"
            if keys & {"e-mail 1 - value", "given name", "organization 1 - name"}:
                return "google"
    except csv.Error:
        pass  # the reader chosen below reports it, with its line
    return "csv"


def _split_problems(problems: list[FieldError]) -> tuple[dict[int, list[str]], list[FieldError]]:
    """Reasons by line for rows with bad fields; the problems of the file itself."""
    invalid: dict[int, list[str]] = defaultdict(list)
    broken: list[FieldError] = []
    for problem in problems:
        where, _, name = problem.field.partition(": ")
        line = where.removeprefix("row ")
        if where.startswith("row ") and line.isdigit() and name and name != "file":
            invalid[int(line)].append(problem.message)
        else:
            broken.append(problem)
    return dict(invalid), broken
