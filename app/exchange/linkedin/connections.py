"""Reading LinkedIn's "Connections.csv": the preamble, the header, each row checked.

Every problem is tied to its line in the file ("row N: field"), and a row is checked with the
same rules as a contact typed into Rapport (ContactCreate, the LinkedIn URL normaliser, the
organization name's limits).

The file is bounded before it is read (docs/security.md): too many lines, a line too long
or a header line with far more cells than LinkedIn writes is refused first, so no shape of
file makes the work per byte grow.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from app.contacts.normalise import normalise_linkedin, plain_email
from app.errors import FieldError, Invalid
from app.exchange.filelimits import MAX_IMPORT_ROWS, check_size
from app.exchange.schemas import NewContact
from app.exchange.vcard.addressbook import Parsed
from app.textlimits import check_lines

# LinkedIn puts a few lines of notes above the header; this many non-blank records at most.
MAX_PREAMBLE_RECORDS = 20
# Room for the rows, the notes above the header and blank lines, not for a flood of them.
MAX_LINES = MAX_IMPORT_ROWS + 1000
# A row is seven short fields; the longest real ones (a URL, a position) are far below this.
MAX_LINE_CHARS = 8192
# LinkedIn writes seven columns; a record with many more cells is not from LinkedIn.
MAX_CELLS = 64
EXPECTED_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"

# Header cells (case, spacing and a byte-order mark ignored) and what each column holds.
_COLUMNS = {
    "first name": "first_name",
    "firstname": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "url": "url",
    "profile url": "url",
    "linkedin url": "url",
    "email address": "email",
    "e-mail address": "email",
    "email": "email",
    "company": "company",
    "position": "position",
    "connected on": "connected_on",
}
# The column a contact field came from: messages start with it, to point at the cell to fix.
_SOURCE = {
    "full_name": "First Name and Last Name",
    "title": "Position",
    "email": "Email Address",
    "linkedin_url": "URL",
    "organization": "Company",
    "how_we_met": "Connected On",
}
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%m/%d/%Y")


def decode(payload: str | bytes) -> str:
    """The file as text: UTF-8 (with or without a byte-order mark), within the size limit."""
    if isinstance(payload, bytes):
        check_size(payload)
        try:
            text = payload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = payload[: exc.start].count(b"\n") + 1
            raise Invalid.one(
                f"row {line}: file",
                f"The file is not UTF-8 text (byte 0x{payload[exc.start]:02x} on line {line}); "
                "export it again from LinkedIn or save it as UTF-8.",
            ) from None
    else:
        text = payload.removeprefix("\ufeff")
        check_size(text)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise Invalid.one(f"row {line}: file", "This line has a NUL character; not a CSV file.")
    if not text.strip():
        raise Invalid.one("file", "The file is empty.")
    return text


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column positions when ``cells`` is the header line (First Name and Last Name at least)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _COLUMNS.get(" ".join(cell.replace("\ufeff", "").split()).casefold())
        if name is not None:
            columns.setdefault(name, index)
    return columns if {"first_name", "last_name"} <= columns.keys() else None


def parse(text: str) -> Parsed:
    """Every data row, checked; the preamble above the header is skipped."""
    _check_shape(text)
    parsed = Parsed()
    columns, records, broken = _records(text, parsed)
    # Counted before any row is checked: checking is the costly part (about 150 µs a row).
    if len(records) > MAX_IMPORT_ROWS:
        raise Invalid.one(
            "file",
            f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it into smaller "
            "files and import each.",
        )
    dates: dict[str, tuple[str, date | None]] = {}
    for start, cells in records:
        parsed.read += 1
        row = _check_row(parsed, start, _cells(cells, columns or {}), dates)
        if row is not None:
            parsed.rows.append(row)
    if broken is not None:
        parsed.problems.append(broken)
    if columns is None:
        parsed.problems.insert(
            0,
            FieldError(
                "file",
                f"No header line found; a LinkedIn Connections.csv has '{EXPECTED_HEADER}'.",
            ),
        )
    return parsed


def _records(
    text: str, parsed: Parsed
) -> tuple[dict[str, int] | None, list[tuple[int, list[str]]], FieldError | None]:
    """The header's columns, each data record with its first line, and a CSV syntax error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    records: list[tuple[int, list[str]]] = []
    preamble = 0
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            # Before any work per cell: a wide record costs nothing more to refuse.
            if len(cells) > MAX_CELLS:
                parsed.problem(start, "file", f"{len(cells)} cells; LinkedIn writes 7 columns.")
                continue
            if not "".join(cells).strip():  # one C call, not one per cell
                continue
            if columns is None:
                columns = _header(cells)
                preamble += 1
                if columns is None and preamble > MAX_PREAMBLE_RECORDS:
                    break
                continue
            records.append((start, cells))
            if len(records) > MAX_IMPORT_ROWS:
                break
    except csv.Error as exc:
        return columns, records, FieldError(f"row {line}: file", f"Not valid CSV: {exc}.")
    return columns, records, None


def _check_shape(text: str) -> None:
    # Counted in C: the whole file may hold no more cells than its lines at their widest.
    if text.count(",") > MAX_LINES * MAX_CELLS:
        raise Invalid.one("file", "The file has far more columns than LinkedIn writes.")
    broken = check_lines(text, max_lines=MAX_LINES, max_line_chars=MAX_LINE_CHARS)
    if broken is None:
        return
    if broken.too_many_lines:
        raise Invalid.one(
            "file",
            f"The file has more than {MAX_LINES:,} lines (at most {MAX_IMPORT_ROWS:,} rows); "
            "split it into smaller files and import each.",
        )
    raise Invalid.one(
        f"row {broken.line}: file",
        f"Line {broken.line} is longer than {MAX_LINE_CHARS:,} characters; "
        "not a LinkedIn connections file.",
    )


def _cells(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {
        name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()
    }


def _check_row(
    parsed: Parsed, line: int, cells: dict[str, str], dates: dict[str, tuple[str, date | None]]
) -> NewContact | None:
    """One data row as a contact, or None after recording its problems."""
    before = len(parsed.problems)
    full_name = " ".join(f"{cells.get('first_name', '')} {cells.get('last_name', '')}".split())
    if not full_name:
        parsed.problem(line, "full_name", "A name is needed: First Name and Last Name are empty.")
    connected = cells.get("connected_on", "")
    if connected not in dates:
        dates[connected] = _connected(connected)
    how_we_met, connected_on = dates[connected]
    values: dict[str, Any] = {
        "full_name": full_name or "-",
        "title": cells.get("position", ""),
        "how_we_met": how_we_met,
    }
    # A plain address is checked here, far faster; any other goes through the schema.
    email = plain_email(cells["email"]) if cells.get("email") else None
    if cells.get("email") and email is None:
        values["email"] = cells["email"]
    url = cells.get("url", "")
    if url:
        values["linkedin_url"] = url
    contact = parsed.checked_contact(line, values, _SOURCE)
    linkedin_url = linkedin_key = None
    if url and (contact is None or contact.linkedin_url is not None):
        try:
            linkedin_url, linkedin_key = normalise_linkedin(url)
        except Invalid as exc:
            message = exc.errors[0].message if exc.errors else exc.detail
            parsed.problem(line, "linkedin_url", f"URL: {message}")
    organization = " ".join(cells.get("company", "").split()) or None
    parsed.check_organization(line, organization, "Company")
    if contact is None or len(parsed.problems) > before:
        parsed.refused_row(line, full_name)
        return None
    return NewContact(
        line=line,
        full_name=contact.full_name,
        title=contact.title or "",
        email=email or contact.email,
        linkedin_url=linkedin_url,
        linkedin_key=linkedin_key,
        organization=organization,
        how_we_met=contact.how_we_met or "",
        connected_on=connected_on,
    )


def _connected(value: str) -> tuple[str, date | None]:
    """How we met and the day connected: a date LinkedIn writes ("12 Mar 2024") is kept as a
    date; one in another form stays readable in how we met, as written."""
    text = " ".join(value.split())
    if not text:
        return "LinkedIn connection", None
    for fmt in _DATE_FORMATS:
        try:
            return "LinkedIn connection", datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return f"LinkedIn connection (connected {text[:100]})", None
