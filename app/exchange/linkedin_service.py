"""Import of a LinkedIn "Connections.csv" export as contacts.

The whole file is read and checked first, each problem tied to its line in the file; only a
file without problems is written, in one transaction, with bulk inserts (the contacts' text
index and count are kept by the database's triggers). A dry run stops before writing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.normalise import normalise_linkedin
from app.contacts.schemas import ContactCreate
from app.contacts.search_service import build_search_text
from app.contacts.service import bulk_contact_load
from app.db import utcnow
from app.errors import FieldError, Invalid, PayloadTooLarge
from app.exchange.schemas import ImportReport
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationName

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
MAX_REPORTED_ERRORS = 500
MAX_REPORTED_DUPLICATES = 100
# LinkedIn puts a few lines of notes above the header; this many non-blank records at most.
MAX_PREAMBLE_RECORDS = 20
EXPECTED_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
_KEYS_PER_QUERY = 500

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
_organization_name: TypeAdapter[str] = TypeAdapter(OrganizationName)


@dataclass
class _Row:
    line: int
    full_name: str
    title: str
    email: str | None
    linkedin_url: str | None
    linkedin_key: str | None
    organization: str | None
    how_we_met: str


@dataclass
class _Parsed:
    rows: list[_Row] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)
    read: int = 0

    def problem(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(FieldError(f"row {line}: {field_name}", message))


# ---- the entry point --------------------------------------------------------------------


def import_linkedin_csv(
    session: Session, user: User, payload: str | bytes, *, dry_run: bool = False
) -> ImportReport:
    """A contact per new connection in a Connections.csv; any bad row imports nothing (Invalid)."""
    # Known profiles (already a contact, or earlier in the file) are skipped and counted;
    # every problem is reported as "row N: field", N being the line in the file.
    parsed = _parse(_decode(payload))
    if parsed.problems:
        raise _invalid(parsed.problems)
    fresh, duplicate_lines = _without_duplicates(session, user, parsed.rows)
    owned = _owned_organizations(session, user)
    wanted: dict[str, str] = {}
    for row in fresh:
        if row.organization:
            wanted.setdefault(row.organization.casefold(), row.organization)
    new_names = [name for key, name in wanted.items() if key not in owned]
    report = ImportReport(
        dry_run=dry_run,
        rows=parsed.read,
        created=len(fresh),
        duplicates=len(duplicate_lines),
        duplicate_lines=duplicate_lines[:MAX_REPORTED_DUPLICATES],
        organizations_created=len(new_names),
        organizations_matched=len(wanted) - len(new_names),
    )
    if dry_run:
        return report
    assert user.id is not None
    now = utcnow()
    with bulk_contact_load(session.connection(), user.id):
        owned.update(_create_organizations(session, user.id, new_names, now))
        if fresh:
            # Core, not the ORM's bulk insert: that splits the rows by which values are None
            # into thousands of statements.
            session.execute(
                _table(Contact).insert(), [_contact_values(user.id, r, owned, now) for r in fresh]
            )
    session.commit()
    return report


def _invalid(problems: list[FieldError]) -> Invalid:
    shown = problems[:MAX_REPORTED_ERRORS]
    more = len(problems) - len(shown)
    first = f"{shown[0].field}: {shown[0].message}"
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    detail = f"The file has {count}, so nothing was imported. First: {first}"
    if more > 0:
        shown = [*shown, FieldError("file", f"... and {more} more problems")]
    return Invalid(detail=detail, errors=shown, title="Import failed")


# ---- reading the file -------------------------------------------------------------------


def _decode(payload: str | bytes) -> str:
    """The file as text: UTF-8 (with or without a byte-order mark), within the size limit."""
    too_large = PayloadTooLarge(
        detail=f"The file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
        "split it into smaller files and import each."
    )
    if isinstance(payload, bytes):
        if len(payload) > MAX_IMPORT_BYTES:
            raise too_large
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
        if len(text) > MAX_IMPORT_BYTES or len(text.encode()) > MAX_IMPORT_BYTES:
            raise too_large
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


def _parse(text: str) -> _Parsed:
    """Every data row, checked; the preamble above the header is skipped."""
    parsed = _Parsed()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    columns: dict[str, int] | None = None
    preamble = 0
    line = 1
    dates: dict[str, str] = {}
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header(cells)
                preamble += 1
                if columns is None and preamble > MAX_PREAMBLE_RECORDS:
                    break
                continue
            parsed.read += 1
            if parsed.read > MAX_IMPORT_ROWS:
                raise Invalid.one(
                    "file",
                    f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it into smaller "
                    "files and import each.",
                )
            row = _check_row(parsed, start, _cells(cells, columns), dates)
            if row is not None:
                parsed.rows.append(row)
    except csv.Error as exc:
        parsed.problem(line, "file", f"Not valid CSV: {exc}.")
    if columns is None:
        parsed.problems.insert(
            0,
            FieldError(
                "file",
                f"No header line found; a LinkedIn Connections.csv has '{EXPECTED_HEADER}'.",
            ),
        )
    return parsed


def _cells(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    return {
        name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()
    }


def _check_row(
    parsed: _Parsed, line: int, cells: dict[str, str], dates: dict[str, str]
) -> _Row | None:
    """One data row as a contact, or None after recording its problems."""
    before = len(parsed.problems)
    full_name = " ".join(f"{cells.get('first_name', '')} {cells.get('last_name', '')}".split())
    if not full_name:
        parsed.problem(line, "full_name", "A name is needed: First Name and Last Name are empty.")
    connected = cells.get("connected_on", "")
    if connected not in dates:
        dates[connected] = _connected_note(connected)
    values: dict[str, Any] = {
        "full_name": full_name or "-",
        "title": cells.get("position", ""),
        "how_we_met": dates[connected],
    }
    if cells.get("email"):
        values["email"] = cells["email"]
    url = cells.get("url", "")
    if url:
        values["linkedin_url"] = url
    try:
        contact = ContactCreate.model_validate(values)
    except ValidationError as exc:
        contact = None
        for err in exc.errors():
            name = str(err["loc"][0]) if err.get("loc") else "row"
            message = str(err.get("msg", "Invalid value")).removeprefix("Value error, ")
            parsed.problem(line, name, f"{_SOURCE.get(name, name)}: {message}")
    linkedin_url = linkedin_key = None
    if url and (contact is None or contact.linkedin_url is not None):
        try:
            linkedin_url, linkedin_key = normalise_linkedin(url)
        except Invalid as exc:
            message = exc.errors[0].message if exc.errors else exc.detail
            parsed.problem(line, "linkedin_url", f"URL: {message}")
    organization = " ".join(cells.get("company", "").split()) or None
    if organization is not None:
        try:
            _organization_name.validate_python(organization)
        except ValidationError as exc:
            message = str(exc.errors()[0].get("msg", "Invalid value"))
            parsed.problem(line, "organization", f"Company: {message}")
    if contact is None or len(parsed.problems) > before:
        return None
    return _Row(
        line=line,
        full_name=contact.full_name,
        title=contact.title or "",
        email=contact.email,
        linkedin_url=linkedin_url,
        linkedin_key=linkedin_key,
        organization=organization,
        how_we_met=contact.how_we_met or "",
    )


def _connected_note(value: str) -> str:
    """'LinkedIn connection (connected 12 Mar 2024)'; a date in another form is kept as written."""
    text = " ".join(value.split())
    if not text:
        return "LinkedIn connection"
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return f"LinkedIn connection (connected {day.day} {day:%b %Y})"
    return f"LinkedIn connection (connected {text[:100]})"


# ---- what is already there --------------------------------------------------------------


def _without_duplicates(
    session: Session, user: User, rows: list[_Row]
) -> tuple[list[_Row], list[int]]:
    """The rows to create, and the lines of those whose profile is known (or seen above)."""
    seen = _existing_keys(session, user, {r.linkedin_key for r in rows if r.linkedin_key})
    fresh: list[_Row] = []
    duplicate_lines: list[int] = []
    for row in rows:
        if row.linkedin_key is not None:
            if row.linkedin_key in seen:
                duplicate_lines.append(row.line)
                continue
            seen.add(row.linkedin_key)
        fresh.append(row)
    return fresh, duplicate_lines


def _existing_keys(session: Session, user: User, keys: Iterable[str]) -> set[str]:
    wanted = sorted(keys)
    found: set[str] = set()
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        chunk = wanted[start : start + _KEYS_PER_QUERY]
        statement = select(Contact.linkedin_key).where(
            Contact.owner_id == user.id,
            Contact.linkedin_key.in_(chunk),  # type: ignore[union-attr]
        )
        found.update(key for key in session.scalars(statement) if key is not None)
    return found


def _owned_organizations(session: Session, user: User) -> dict[str, tuple[int, str]]:
    """The user's organizations (id, name) by case-folded name (the oldest wins a tie)."""
    statement = (
        select(Organization.id, Organization.name)
        .where(Organization.owner_id == user.id)
        .order_by(Organization.id)
    )
    owned: dict[str, tuple[int, str]] = {}
    for organization_id, name in session.execute(statement):
        owned.setdefault(" ".join(name.split()).casefold(), (organization_id, name))
    return owned


# ---- writing ----------------------------------------------------------------------------


def _create_organizations(
    session: Session, owner_id: int, names: list[str], now: datetime
) -> dict[str, tuple[int, str]]:
    if not names:
        return {}
    rows = [
        {
            "owner_id": owner_id,
            "name": name,
            "website": None,
            "industry": "",
            "location": "",
            "research_notes": "",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for name in names
    ]
    table = _table(Organization)
    statement = table.insert().returning(table.c.id, table.c.name)
    return {name.casefold(): (org_id, name) for org_id, name in session.execute(statement, rows)}


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _contact_values(
    owner_id: int, row: _Row, organizations: dict[str, tuple[int, str]], now: datetime
) -> dict[str, Any]:
    organization_id, organization = (
        organizations[row.organization.casefold()] if row.organization else (None, None)
    )
    return {
        "owner_id": owner_id,
        "full_name": row.full_name,
        "title": row.title,
        "organization_id": organization_id,
        "email": row.email,
        "phone": None,
        "linkedin_url": row.linkedin_url,
        "linkedin_key": row.linkedin_key,
        "location": "",
        "how_we_met": row.how_we_met,
        "introduced_by_id": None,
        "stage": "prospect",
        "stay_in_touch_days": None,
        "notes": "",
        "last_contacted_at": None,
        "next_touch_due": None,
        "search_text": build_search_text(row.full_name, row.title, organization, row.email, []),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
