"""Reading a Google Contacts CSV export (the current header style and the older one).

Each row becomes a card (app.exchange.vcard.addressbook's Card), so it is checked by the
same rules as a vCard: the preferred (Google's "* " type) or first email and phone are the
contact's, the others go to the notes, and so on. Multi-value cells hold values joined by
" ::: ". The file is bounded before it is read, like every import (docs/security.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import Invalid
from app.exchange.filelimits import check_size
from app.exchange.spreadsheet.table import check_row_count, read_records
from app.exchange.vcard.addressbook import Card, Parsed, Property, check_card, vcard_value

_MULTI = " ::: "
_NUMBERED = re.compile(
    r"^(e-mail|phone|website|address) (\d{1,3}) - (type|label|value|city|region|country)$"
)
# Header cell (case-folded) -> part of the name / organization, in both header styles.
_COLUMNS = {
    "name": "name",
    "first name": "given",
    "given name": "given",
    "middle name": "additional",
    "additional name": "additional",
    "last name": "family",
    "family name": "family",
    "organization name": "org",
    "organization 1 - name": "org",
    "organization title": "title",
    "organization 1 - title": "title",
    "organization department": "department",
    "organization 1 - department": "department",
    "notes": "notes",
}
_PROPERTY = {"e-mail": "EMAIL", "phone": "TEL", "website": "URL"}


def decode(payload: str | bytes) -> str:
    """The file as text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252."""
    if isinstance(payload, str):
        check_size(payload)
        text = payload.removeprefix("\ufeff")
    else:
        check_size(payload)
        if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                text = payload.decode("utf-16")
            except UnicodeDecodeError:
                raise Invalid.one("file", "The file claims UTF-16 but is not.") from None
        else:
            try:
                text = payload.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = payload.decode("cp1252", errors="replace")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise Invalid.one(f"row {line}: file", "This line has a NUL character; not a CSV file.")
    if not text.strip():
        raise Invalid.one("file", "The file is empty.")
    return text


@dataclass(frozen=True)
class _Layout:
    """Where a row's parts are, read from the header once: the named columns, each
    multi-valued one (property, value column, label column) in the header's numbered order,
    and the first address's city, region and country."""

    named: dict[str, int]
    values: list[tuple[str, int, int | None]]
    address: tuple[int | None, int | None, int | None]


def _header(cells: list[str]) -> _Layout:
    named: dict[str, int] = {}
    numbered: dict[tuple[str, int, str], int] = {}
    for index, cell in enumerate(cells):
        key = " ".join(cell.replace("\ufeff", "").split()).casefold()
        if key in _COLUMNS:
            named.setdefault(_COLUMNS[key], index)
        elif (match := _NUMBERED.match(key)) is not None:
            kind, number, part = match.groups()
            numbered.setdefault((kind, int(number), "type" if part == "label" else part), index)
    if not {"name", "given", "family"} & named.keys():
        raise Invalid.one(
            "file",
            "No Google Contacts header found: the first line should name the columns "
            "(First Name, Last Name, E-mail 1 - Value, ... or Name, Given Name, ...).",
        )
    values = [
        (_PROPERTY[kind], index, numbered.get((kind, number, "type")))
        for (kind, number, part), index in sorted(numbered.items())
        if part == "value" and kind in _PROPERTY
    ]
    city, region, country = (numbered.get(("address", 1, p)) for p in ("city", "region", "country"))
    return _Layout(named, values, (city, region, country))


def _card(line: int, cells: list[str], layout: _Layout) -> Card:
    count = len(cells)

    def cell(index: int | None) -> str:
        return cells[index].strip() if index is not None and index < count else ""

    named = {part: cell(index) for part, index in layout.named.items()}
    card = Card(line=line)
    if name := named.get("name"):
        card.add(Property("FN", {}, vcard_value(name)))
    parts = [named.get(part, "") for part in ("family", "given", "additional")]
    if any(parts):
        card.add(Property("N", {}, ";".join(vcard_value(p, structured=True) for p in parts)))
    for part, prop in (("title", "TITLE"), ("notes", "NOTE")):
        if text := named.get(part):
            card.add(Property(prop, {}, vcard_value(text)))
    organization, department = named.get("org", ""), named.get("department", "")
    if organization or department:
        units = [organization, department]
        card.add(Property("ORG", {}, ";".join(vcard_value(u, structured=True) for u in units)))
    for prop, index, label_index in layout.values:
        value = cell(index)
        if not value:
            continue
        # Google marks the primary value's type with a leading "* " ("* Work").
        params = {"TYPE": ["pref"]} if cell(label_index).startswith("*") else {}
        for one in value.split(_MULTI):
            if one.strip():
                card.add(Property(prop, params, vcard_value(one.strip())))
    city, region, country = (cell(index) for index in layout.address)
    if city or region or country:
        values = ["", "", "", city, region, "", country]
        card.add(Property("ADR", {}, ";".join(vcard_value(v, structured=True) for v in values)))
    return card


def parse(text: str, *, phone_region: str) -> Parsed:
    """Every data row of the file, checked as a contact."""
    parsed = Parsed()
    # Google writes about 90 columns (more with many emails or phones); far more is not Google's.
    header, records = read_records(
        text, parsed, kind="Google's CSV", too_wide="more than Google writes."
    )
    layout = None if header is None else _header(header)
    check_row_count(records)
    if layout is None:
        return parsed
    for start, cells in records:
        parsed.read += 1
        card = _card(start, cells, layout)
        nameless = "Name, First Name and Last Name are empty"
        row = check_card(parsed, card, phone_region, nameless=nameless)
        if row is not None:
            parsed.rows.append(row)
    return parsed
