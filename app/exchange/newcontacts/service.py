"""Writing the checked rows of an imported file as contacts: one flow for every format.

A format's reader checks the whole file first and hands over NewContacts; here the
already-known ones are skipped, organizations are matched by name or created, and the rest
is written in one transaction with bulk inserts (the contacts' text index and count are
kept by the database's triggers). A dry run stops before writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.service import build_search_text, bulk_contact_load
from app.db import utcnow
from app.errors import FieldError, Invalid
from app.exchange.schemas import ImportReport, NewContact
from app.organizations.models import Organization

MAX_REPORTED_DUPLICATES = 100
_KEYS_PER_QUERY = 500


def refused(problems: list[FieldError], *, max_reported: int) -> Invalid:
    """The Invalid of a file with problems: the first ``max_reported`` and a count of the rest."""
    shown = problems[:max_reported]
    more = len(problems) - len(shown)
    first = f"{shown[0].field}: {shown[0].message}"
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    detail = f"The file has {count}, so nothing was imported. First: {first}"
    if more > 0:
        shown = [*shown, FieldError("file", f"... and {more} more problems")]
    return Invalid(detail=detail, errors=shown, title="Import failed")


def add_contacts(
    session: Session,
    user: User,
    rows: list[NewContact],
    *,
    read: int,
    dry_run: bool,
    match_email: bool = False,
) -> ImportReport:
    """Create the rows not already known (LinkedIn profile, and email when asked); one commit."""
    fresh, duplicate_lines = _without_duplicates(session, user, rows, match_email=match_email)
    owned = _owned_organizations(session, user)
    wanted: dict[str, str] = {}
    for row in fresh:
        if row.organization:
            wanted.setdefault(row.organization.casefold(), row.organization)
    new_names = [name for key, name in wanted.items() if key not in owned]
    report = ImportReport(
        dry_run=dry_run,
        rows=read,
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


# ---- what is already there --------------------------------------------------------------


def _without_duplicates(
    session: Session, user: User, rows: list[NewContact], *, match_email: bool
) -> tuple[list[NewContact], list[int]]:
    """The rows to create, and the lines of those already known (or seen above)."""
    seen = _existing_keys(session, user, {r.linkedin_key for r in rows if r.linkedin_key})
    emails = (
        _existing_emails(session, user, {r.email.casefold() for r in rows if r.email})
        if match_email
        else set()
    )
    fresh: list[NewContact] = []
    duplicate_lines: list[int] = []
    for row in rows:
        email = row.email.casefold() if match_email and row.email else None
        if (row.linkedin_key is not None and row.linkedin_key in seen) or (
            email is not None and email in emails
        ):
            duplicate_lines.append(row.line)
            continue
        if row.linkedin_key is not None:
            seen.add(row.linkedin_key)
        if email is not None:
            emails.add(email)
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


def _existing_emails(session: Session, user: User, emails: set[str]) -> set[str]:
    """The file's emails (case-folded) that a contact of the user already has."""
    if not emails:
        return set()
    # One pass over the user's emails: an IN list of lower(email) would use no index either.
    statement = select(func.lower(Contact.email)).where(
        Contact.owner_id == user.id,
        Contact.email.is_not(None),  # type: ignore[union-attr]
    )
    return {email.casefold() for email in session.scalars(statement) if email} & emails


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
    owner_id: int, row: NewContact, organizations: dict[str, tuple[int, str]], now: datetime
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
        "phone": row.phone,
        "linkedin_url": row.linkedin_url,
        "linkedin_key": row.linkedin_key,
        "location": row.location,
        "how_we_met": row.how_we_met,
        "introduced_by_id": None,
        "stage": "prospect",
        "stay_in_touch_days": None,
        "notes": row.notes,
        "last_contacted_at": None,
        "next_touch_due": None,
        "search_text": build_search_text(row.full_name, row.title, organization, row.email, []),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
