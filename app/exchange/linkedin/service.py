"""Import of a LinkedIn "Connections.csv" export as contacts.

The whole file is read and checked first (connections.py); only a file without
problems is written, in one transaction, with bulk inserts (the contacts' text index and
count are kept by the database's triggers). A dry run stops before writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.service import build_search_text, bulk_contact_load
from app.db import utcnow
from app.errors import FieldError, Invalid

# Callers (the API, the page, the CLI) read an upload up to these limits: the service's own.
from app.exchange.linkedin.connections import MAX_IMPORT_BYTES as MAX_IMPORT_BYTES
from app.exchange.linkedin.connections import MAX_IMPORT_ROWS as MAX_IMPORT_ROWS
from app.exchange.linkedin.connections import Connection, decode, parse
from app.exchange.schemas import ImportReport
from app.organizations.models import Organization

MAX_REPORTED_ERRORS = 500
MAX_REPORTED_DUPLICATES = 100
_KEYS_PER_QUERY = 500

# ---- the entry point --------------------------------------------------------------------


def import_linkedin_csv(
    session: Session, user: User, payload: str | bytes, *, dry_run: bool = False
) -> ImportReport:
    """A contact per new connection in a Connections.csv; any bad row imports nothing (Invalid)."""
    # Known profiles (already a contact, or earlier in the file) are skipped and counted;
    # every problem is reported as "row N: field", N being the line in the file.
    parsed = parse(decode(payload))
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


# ---- what is already there --------------------------------------------------------------


def _without_duplicates(
    session: Session, user: User, rows: list[Connection]
) -> tuple[list[Connection], list[int]]:
    """The rows to create, and the lines of those whose profile is known (or seen above)."""
    seen = _existing_keys(session, user, {r.linkedin_key for r in rows if r.linkedin_key})
    fresh: list[Connection] = []
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
    owner_id: int, row: Connection, organizations: dict[str, tuple[int, str]], now: datetime
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
