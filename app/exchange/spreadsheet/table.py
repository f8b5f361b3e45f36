"""Reading any CSV of contacts: its encoding, its delimiter, its header, each row checked.

A row is turned into a vCard card (app.exchange.vcard.addressbook) and checked by the same
rules as a card or a Google row: a LinkedIn profile recognised, a phone not valid for the
region kept in the notes, and so on. The file is bounded before it is read, like every
import (docs/security.md): size, lines and their length (counted in C), cells per record
and the number of rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from app.errors import FieldError, Invalid
from app.exchange.filelimits import MAX_IMPORT_ROWS, check_size
from app.exchange.spreadsheet.columns import resolve_mapping
from app.exchange.vcard.addressbook import Card, Parsed, Property, check_card, vcard_value
from app.textlimits import check_lines

# Cells may hold quoted newlines (notes): room for them, not for a flood of lines.
MAX_LINES = 200_000
MAX_LINE_CHARS = 65_536
MAX_CELLS = 512
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# Control characters other than tab, CR and LF: text files hold none; binary files many.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.01
_TAG_SEPARATOR = re.compile(r"[;,]")


@dataclass
class Sheet:
    """A spreadsheet read: its header, the mapping used, and the rows checked."""

    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    parsed: Parsed = field(default_factory=Parsed)


def decode_text(payload: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 with a BOM as spreadsheets save it, UTF-8 with or without a
    BOM, else Windows-1252; a file that is not text at all is Invalid."""
    check_size(payload)
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = payload.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise Invalid.one("file", "The file claims UTF-16 but is not.") from None
    elif payload.startswith(codecs.BOM_UTF8):
        text, encoding = _utf8(payload[3:]), "utf-8-sig"
    else:
        try:
            text, encoding = payload.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = payload.decode("cp1252", errors="replace"), "cp1252"
    # Counted in C: a binary file (an image, a spreadsheet's .xlsx) renamed .csv is refused
    # here, whatever bytes it holds.
    if "\x00" in text or len(_CONTROL.findall(text[:65_536])) > _MAX_CONTROL_SHARE * min(
        len(text), 65_536
    ):
        raise Invalid.one("file", "This is not a text file; export it as CSV (or vCard) first.")
    if not text.strip():
        raise Invalid.one("file", "The file is empty.")
    return text, encoding


def _utf8(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = payload[: exc.start].count(b"\n") + 1
        raise Invalid.one(
            f"row {line}: file",
            f"The file starts as UTF-8 but is not (byte 0x{payload[exc.start]:02x} on line "
            f"{line}); save it as UTF-8 again.",
        ) from None


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one the header line (quotes aside) holds most of."""
    first = next((line for line in text[:MAX_LINE_CHARS].splitlines() if line.strip()), "")
    unquoted = "".join(first.split('"')[::2])
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the earlier: comma first
    return best if counts[best] else ","


def header_columns(text: str) -> list[str]:
    """The first line's column names (for choosing a mapping when none can be guessed)."""
    head = text[:MAX_LINE_CHARS]
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=detect_delimiter(head))
    try:
        for cells in reader:
            if "".join(cells).strip():
                return [" ".join(c.replace("\ufeff", "").split()) for c in cells[:MAX_CELLS]]
    except csv.Error:
        pass  # the import itself reports the broken record, with its line
    return []


def read_records(
    text: str, parsed: Parsed, *, kind: str, too_wide: str, delimiter: str = ","
) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header's cells, and each data record with its first line, of any CSV of contacts
    (a spreadsheet's or Google's, ``kind`` naming it in a refusal).

    The text is bounded first (lines and their length, counted in C); a record wider than
    MAX_CELLS is a problem of its line (``too_wide`` says why, after the count of cells);
    reading stops past MAX_IMPORT_ROWS records (``check_row_count`` refuses them)."""
    broken = check_lines(text, max_lines=MAX_LINES, max_line_chars=MAX_LINE_CHARS)
    if broken is not None and broken.too_many_lines:
        raise Invalid.one("file", f"The file has more than {MAX_LINES:,} lines; split it.")
    if broken is not None:
        raise Invalid.one(
            f"row {broken.line}: file",
            f"Line {broken.line} is longer than {MAX_LINE_CHARS:,} characters; not {kind}.",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            # Before any work per cell: a wide record costs nothing more to refuse.
            if len(cells) > MAX_CELLS:
                parsed.problem(start, "file", f"{len(cells)} cells; {too_wide}")
                continue
            if not "".join(cells).strip():
                continue
            if header is None:
                header = cells
                continue
            records.append((start, cells))
            if len(records) > MAX_IMPORT_ROWS:
                break
    except csv.Error as exc:
        parsed.problems.append(FieldError(f"row {line}: file", f"Not valid CSV: {exc}."))
    return header, records


def check_row_count(records: list[tuple[int, list[str]]]) -> None:
    """Invalid past MAX_IMPORT_ROWS records: counted before any row is checked, the costly
    part."""
    if len(records) > MAX_IMPORT_ROWS:
        raise Invalid.one("file", f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it.")


def parse(
    text: str,
    *,
    delimiter: str,
    phone_region: str,
    mapping: dict[str, str | None] | None = None,
) -> Sheet:
    """Every data row, checked as a contact through the mapping (guessed, then overridden)."""
    sheet = Sheet()
    header, records = read_records(
        text,
        sheet.parsed,
        kind="a contacts file",
        too_wide=f"at most {MAX_CELLS} columns.",
        delimiter=delimiter,
    )
    if header is None:
        raise Invalid.one("file", "The file has no header line naming its columns.")
    check_row_count(records)
    sheet.columns = [" ".join(cell.replace("\ufeff", "").split()) for cell in header]
    sheet.mapping, indexes = resolve_mapping(sheet.columns, mapping)
    name_columns = [
        f"'{sheet.mapping[f]}'" for f in ("name", "first_name", "last_name") if f in sheet.mapping
    ]
    nameless = " and ".join(name_columns) + (
        " is empty" if len(name_columns) == 1 else " are empty"
    )
    # A problem names the column it came from, as the file's header spells it.
    source = {
        ("full_name" if field in ("name", "first_name", "last_name") else field): f"'{column}'"
        for field, column in sheet.mapping.items()
    }
    for start, cells in records:
        sheet.parsed.read += 1
        row = check_card(
            sheet.parsed,
            _card(start, cells, indexes),
            phone_region,
            nameless=nameless,
            source=source,
        )
        if row is not None:
            sheet.parsed.rows.append(row)
    return sheet


def _card(line: int, cells: list[str], indexes: dict[str, int]) -> Card:
    """A row as the card the vCard checker reads (cells are plain text, escaped for it)."""
    # Each mapped cell stripped once (a missing one is empty).
    count = len(cells)
    values = {name: cells[index].strip() for name, index in indexes.items() if index < count}

    def cell(name: str) -> str:
        return values.get(name, "")

    card = Card(line=line)
    if full_name := cell("name"):
        card.add(Property("FN", {}, vcard_value(full_name)))
    if cell("first_name") or cell("last_name"):
        parts = (cell("last_name"), cell("first_name"), "")
        card.add(Property("N", {}, ";".join(vcard_value(p, structured=True) for p in parts)))
    for name, prop in (
        ("email", "EMAIL"),
        ("phone", "TEL"),
        ("title", "TITLE"),
        ("linkedin_url", "URL"),
        ("notes", "NOTE"),
    ):
        if text := cell(name):
            card.add(Property(prop, {}, vcard_value(text)))
    if organization := cell("organization"):
        card.add(Property("ORG", {}, vcard_value(organization, structured=True)))
    tags = [t.strip() for t in _TAG_SEPARATOR.split(cell("tags")) if t.strip()]
    if tags:
        card.add(Property("CATEGORIES", {}, ",".join(vcard_value(t) for t in tags)))
    return card
