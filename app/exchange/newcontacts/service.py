"""Writing the checked rows of an imported file as contacts: one flow for every format.

A format's reader checks the file and hands over NewContacts; here each row is classified
(new, a duplicate of one of the user's contacts by normalised LinkedIn profile, email, or
the same name at the same organization, or a repeat of an earlier row), organizations are
matched by name or created, and the new rows are written in one transaction with bulk
inserts (the contacts' text index and count are kept by the database's triggers). The
preview and the commit run the same classification, so a commit does what its preview
showed. A dry run stops before writing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, Table, bindparam, select
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.contacts.models import Contact, ContactTag
from app.contacts.service import build_search_text, bulk_contact_load
from app.db import insert_rows, utcnow
from app.errors import Conflict, FieldError, Invalid
from app.exchange.contactfile import ContactFile, read_contact_file
from app.exchange.schemas import ContactMatch, ImportPreview, ImportReport, NewContact, PreviewRow
from app.organizations.models import Organization
from app.search.service import bulk_indexing
from app.tags import service as tags_service
from app.wording import plural

if TYPE_CHECKING:
    from app.exchange.vcard.addressbook import Parsed

MAX_REPORTED_DUPLICATES = 100
MAX_REPORTED_ERRORS = 500
# The longest name a contact may have: an invalid row's longer name is shown cut to this.
MAX_SHOWN_NAME = 200
_IDS_PER_QUERY = 500
# The searchable kinds an import creates rows of.
IMPORTED_KINDS = ("organization", "contact")
# The fields update_empty may fill on a matched contact, in the order the preview lists them.
FILLABLE = (
    "title",
    "email",
    "phone",
    "linkedin_url",
    "organization",
    "location",
    "how_we_met",
    "connected_on",
    "notes",
    "tags",
)


def refused(problems: list[FieldError], *, max_reported: int) -> Invalid:
    """The Invalid of a file with problems: the first ``max_reported`` and a count of the rest."""
    shown = problems[:max_reported]
    more = len(problems) - len(shown)
    first = f"{shown[0].field}: {shown[0].message}"
    count = plural(len(problems), "problem")
    detail = f"The file has {count}, so nothing was imported. First: {first}"
    if more > 0:
        shown = [*shown, FieldError("file", f"... and {plural(more, 'more problem')}")]
    return Invalid(detail=detail, errors=shown, title="Import failed")


def add_parsed(session: Session, user: User, parsed: Parsed, *, dry_run: bool) -> ImportReport:
    """A format's checked file written by add_contacts; any bad row imports nothing (Invalid)."""
    if parsed.problems:
        raise refused(parsed.problems, max_reported=MAX_REPORTED_ERRORS)
    return add_contacts(session, user, parsed.rows, read=parsed.read, dry_run=dry_run)


def add_contacts(
    session: Session, user: User, rows: list[NewContact], *, read: int, dry_run: bool
) -> ImportReport:
    """Create the rows not already known (the format routes' flow); one commit."""
    plan = _classify(session, user, rows, skip_lines=set(), update_empty=False)
    fresh = [row for row, verdict in zip(rows, plan.verdicts, strict=True) if verdict.new]
    duplicate_lines = [row.line for row, v in zip(rows, plan.verdicts, strict=True) if not v.new]
    wanted = _wanted_organizations(fresh, [])
    new_names = [name for key, name in wanted.items() if key not in plan.organizations]
    report = ImportReport(
        dry_run=dry_run,
        rows=read,
        created=len(fresh),
        duplicates=len(duplicate_lines),
        duplicate_lines=duplicate_lines[:MAX_REPORTED_DUPLICATES],
        organizations_created=len(new_names),
        organizations_matched=len(wanted) - len(new_names),
    )
    if not dry_run:
        _write(session, user, fresh, [], plan.organizations, new_names)
        session.commit()
    return report


# ---- one flow for every format: preview, then commit -------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file and what to do with it (the API's form fields, the page's choices)."""

    file_format: str = "auto"
    mapping: dict[str, str | None] | None = None
    dry_run: bool = True
    skip_lines: frozenset[int] = frozenset()
    update_empty: bool = False
    expected_sha256: str | None = None


# The steps of an import, in order, for a progress display (the CLI's bar).
STEPS = ("read", "classified", "written")


def import_file(
    session: Session,
    user: User,
    raw: bytes,
    options: ImportOptions,
    *,
    phone_region: str,
    on_step: Callable[[str], None] | None = None,
) -> ImportPreview:
    """Preview (dry run) or import a file of any format: every row classified new, duplicate
    (with the contact it matches), invalid (with reasons) or skipped; one commit."""
    step = on_step or (lambda _: None)
    sha256 = hashlib.sha256(raw).hexdigest()
    if options.expected_sha256 is not None and options.expected_sha256.lower() != sha256:
        raise Conflict(
            detail="The file changed since its preview (its SHA-256 differs): preview it again, "
            "then import what the new preview shows."
        )
    read = read_contact_file(
        raw, file_format=options.file_format, mapping=options.mapping, phone_region=phone_region
    )
    if read.broken:
        raise refused(read.broken, max_reported=MAX_REPORTED_ERRORS)
    step("read")
    plan = _classify(
        session,
        user,
        read.rows,
        skip_lines=set(options.skip_lines),
        update_empty=options.update_empty,
    )
    fresh = [row for row, verdict in zip(read.rows, plan.verdicts, strict=True) if verdict.new]
    fills = [
        (row, verdict)
        for row, verdict in zip(read.rows, plan.verdicts, strict=True)
        if verdict.fills
    ]
    wanted = _wanted_organizations(fresh, [row for row, v in fills if "organization" in v.fills])
    new_names = [name for key, name in wanted.items() if key not in plan.organizations]
    preview = _preview(read, plan, sha256, options, new_names, wanted)
    preview.created, preview.updated = len(fresh), len(fills)
    step("classified")
    if not options.dry_run:
        _write(session, user, fresh, fills, plan.organizations, new_names)
        session.commit()
    step("written")
    return preview


def _preview(
    read: ContactFile,
    plan: _Plan,
    sha256: str,
    options: ImportOptions,
    new_names: list[str],
    wanted: dict[str, str],
) -> ImportPreview:
    items: list[PreviewRow] = []
    for row, verdict in zip(read.rows, plan.verdicts, strict=True):
        items.append(
            PreviewRow(
                line=row.line,
                status=verdict.status,
                full_name=row.full_name,
                email=row.email,
                organization=row.organization,
                match=verdict.match,
                duplicate_of_line=verdict.duplicate_of_line,
                fills=list(verdict.fills),
            )
        )
    for line, reasons in read.invalid.items():
        name = _shown_name(read.invalid_names.get(line, ""))
        items.append(PreviewRow(line=line, status="invalid", full_name=name, reasons=reasons))
    items.sort(key=lambda item: item.line)
    counts = {status: 0 for status in ("new", "duplicate", "invalid", "skipped")}
    for item in items:
        counts[item.status] += 1
    return ImportPreview(
        dry_run=options.dry_run,
        format=read.format,
        encoding=read.encoding,
        delimiter=read.delimiter,
        columns=read.columns,
        mapping=read.mapping,
        file_sha256=sha256,
        rows=read.read,
        new=counts["new"],
        duplicates=counts["duplicate"],
        invalid=counts["invalid"],
        skipped=counts["skipped"],
        created=0,
        updated=0,
        organizations_created=len(new_names),
        organizations_matched=len(wanted) - len(new_names),
        items=items,
    )


def _shown_name(name: str) -> str:
    """An invalid row's name as the file writes it, cut to what a contact's name may hold
    (a name refused for its length still shows which row it is, without its whole text)."""
    if len(name) <= MAX_SHOWN_NAME:
        return name
    return name[: MAX_SHOWN_NAME - 1] + "…"


# ---- what is already there --------------------------------------------------------------


@dataclass
class _Known:
    """One of the user's contacts, as far as matching and filling empty fields need it."""

    id: int
    full_name: str
    empty: set[str]


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What happens to one checked row (read-only: the plain verdicts are shared)."""

    status: str
    match: ContactMatch | None = None
    duplicate_of_line: int | None = None
    fills: tuple[str, ...] = ()

    @property
    def new(self) -> bool:
        return self.status == "new"


# Most rows of a file are new: one verdict serves them all (and one every skipped row).
_NEW = _Verdict("new")
_SKIPPED = _Verdict("skipped")


@dataclass
class _Plan:
    verdicts: list[_Verdict] = field(default_factory=list)
    # The user's organizations (id, name) by case-folded name (the oldest wins a tie).
    organizations: dict[str, tuple[int, str]] = field(default_factory=dict)


def _name_key(full_name: str, organization: str | None) -> str:
    """Same person: the same name at the same organization (or both without one)."""
    name = " ".join(full_name.split()).casefold()
    return f"{name}\x1f{' '.join((organization or '').split()).casefold()}"


def _classify(
    session: Session,
    user: User,
    rows: list[NewContact],
    *,
    skip_lines: set[int],
    update_empty: bool,
) -> _Plan:
    """A verdict per row: skipped, a duplicate (of a contact, or of an earlier row) or new."""
    plan = _Plan(organizations=_owned_organizations(session, user))
    by_key, by_email, by_name = _known_contacts(
        session, user, plan.organizations, fillable=update_empty
    )
    seen_key: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for row in rows:
        if row.line in skip_lines:
            plan.verdicts.append(_SKIPPED)
            continue
        email = row.email.casefold() if row.email else None
        name = _name_key(row.full_name, row.organization)
        found = (
            ("linkedin", by_key.get(row.linkedin_key or "")),
            ("email", by_email.get(email or "")),
            ("name_organization", by_name.get(name)),
        )
        by, known = next(((by, k) for by, k in found if k is not None), ("", None))
        if known is not None:
            match = ContactMatch(id=known.id, full_name=known.full_name, by=by)  # type: ignore[arg-type]
            fills = _fills(known, row) if update_empty else ()
            known.empty.difference_update(fills)  # a later row of the same person fills nothing
            plan.verdicts.append(_Verdict("duplicate", match=match, fills=fills))
            continue
        earlier = _first(
            seen_key.get(row.linkedin_key) if row.linkedin_key else None,
            seen_email.get(email) if email else None,
            seen_name.get(name),
        )
        if earlier:
            plan.verdicts.append(_Verdict("duplicate", duplicate_of_line=earlier))
            continue
        if row.linkedin_key:
            seen_key[row.linkedin_key] = row.line
        if email:
            seen_email[email] = row.line
        seen_name[name] = row.line
        plan.verdicts.append(_NEW)
    return plan


def _first(*lines: int | None) -> int | None:
    return next((line for line in lines if line is not None), None)


def _fills(known: _Known, row: NewContact) -> tuple[str, ...]:
    """The matched contact's empty fields this row has a value for."""
    return tuple(name for name in FILLABLE if name in known.empty and _row_value(row, name))


def _row_value(row: NewContact, name: str) -> Any:
    return getattr(row, name)


def _known_contacts(
    session: Session, user: User, organizations: dict[str, tuple[int, str]], *, fillable: bool
) -> tuple[dict[str, _Known], dict[str, _Known], dict[str, _Known]]:
    """The user's contacts by LinkedIn key, by email (case-folded) and by name and
    organization, in one pass (the oldest wins a tie); never another user's. Their empty
    fields only when ``fillable`` (update_empty): otherwise one index of the matching keys."""
    names = {org_id: name for org_id, name in organizations.values()}
    # Core rows, not ORM ones: an account of 100,000 contacts is read in a blink.
    connection = session.connection()
    rows = connection.execute(
        _fillable_statement() if fillable else _keys_statement(), {"owner": user.id}
    )
    by_key: dict[str, _Known] = {}
    by_email: dict[str, _Known] = {}
    by_name: dict[str, _Known] = {}
    for row in rows:
        if fillable:
            present = {
                "title": row.title,
                "email": row.email,
                "phone": row.phone,
                "linkedin_url": row.linkedin_key,
                "organization": row.organization_id,
                "location": row.location,
                "how_we_met": row.how_we_met,
                "connected_on": row.connected_on,
                "notes": row.has_notes,
                "tags": row.has_tags,
            }
            empty = {name for name, v in present.items() if not v}
        else:
            empty = set()
        known = _Known(row.id, row.full_name, empty)
        if row.linkedin_key:
            by_key.setdefault(row.linkedin_key, known)
        if row.email:
            by_email.setdefault(row.email.casefold(), known)
        organization = names.get(row.organization_id) if row.organization_id else None
        by_name.setdefault(_name_key(row.full_name, organization), known)
    return by_key, by_email, by_name


_KEY_COLUMNS = (
    Contact.id,
    Contact.full_name,
    Contact.email,
    Contact.linkedin_key,
    Contact.organization_id,
)


@lru_cache(maxsize=1)
def _keys_statement() -> Select[Any]:
    """What matching needs of each of the owner's contacts, oldest first."""
    return select(*_KEY_COLUMNS).where(Contact.owner_id == bindparam("owner")).order_by(Contact.id)


@lru_cache(maxsize=1)
def _fillable_statement() -> Select[Any]:
    """The matching keys and which of the fields update_empty may fill each contact has."""
    tagged = select(ContactTag.contact_id).where(ContactTag.contact_id == Contact.id).exists()
    return (
        select(
            *_KEY_COLUMNS,
            Contact.title,
            Contact.phone,
            Contact.location,
            Contact.how_we_met,
            Contact.connected_on,
            (Contact.notes != "").label("has_notes"),
            tagged.label("has_tags"),
        )
        .where(Contact.owner_id == bindparam("owner"))
        .order_by(Contact.id)
    )


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


def _wanted_organizations(*groups: Iterable[NewContact]) -> dict[str, str]:
    """The organizations the rows name, by case-folded name (first spelling wins)."""
    wanted: dict[str, str] = {}
    for rows in groups:
        for row in rows:
            if row.organization:
                wanted.setdefault(" ".join(row.organization.split()).casefold(), row.organization)
    return wanted


# ---- writing ----------------------------------------------------------------------------


def _write(
    session: Session,
    user: User,
    fresh: list[NewContact],
    fills: list[tuple[NewContact, _Verdict]],
    owned: dict[str, tuple[int, str]],
    new_names: list[str],
) -> None:
    """Create the organizations and contacts, fill matched contacts; the caller commits."""
    assert user.id is not None
    now = utcnow()
    connection = session.connection()
    # The new rows are indexed for search at the end of the block, one statement per index
    # table (on SQLite; search.service.bulk_indexing), not by a trigger per row.
    kinds = IMPORTED_KINDS if fresh or new_names else ()
    with bulk_contact_load(connection, user.id), bulk_indexing(connection, kinds):
        owned.update(_create_organizations(session, user.id, new_names, now))
        if fresh:
            values = [_contact_values(user.id, r, owned, now) for r in fresh]
            tags_service.tag_new_contacts(session, user, _insert_contacts(session, values, fresh))
    if fills:
        _fill_empty(session, user, fills, owned)


def _insert_contacts(
    session: Session, values: list[dict[str, Any]], fresh: list[NewContact]
) -> dict[int, list[str]]:
    """Insert the new contacts; answer the tags of each new id that has some.

    Core, not the ORM's bulk insert (that splits the rows by which values are None into
    thousands of statements), sent the way each database spends least (app.db.insert_rows): on
    SQLite multi-row VALUES batches (which RETURNING makes SQLAlchemy send), half the CPU of
    an executemany; on PostgreSQL one statement over one array per column. Each id is
    matched to its row by name and organization, which no two new rows share (_classify
    made the second one a duplicate).
    """
    table = _table(Contact)
    key_columns = (table.c.id, table.c.full_name, table.c.organization_id)
    tags_by_row = {
        (value["full_name"], value["organization_id"]): row.tags
        for value, row in zip(values, fresh, strict=True)
    }
    assert len(tags_by_row) == len(fresh), "two new rows share a name and organization"
    inserted = insert_rows(session.connection(), table, values, *key_columns)
    tagged: dict[int, list[str]] = {}
    for contact_id, full_name, organization_id in inserted:
        tags = tags_by_row.get((full_name, organization_id))
        if tags:
            tagged[contact_id] = tags
    return tagged


def _fill_empty(
    session: Session,
    user: User,
    fills: list[tuple[NewContact, _Verdict]],
    owned: dict[str, tuple[int, str]],
) -> None:
    """Give matched contacts the values of their empty fields (nothing they hold changes)."""
    wanted = {verdict.match.id: (row, verdict.fills) for row, verdict in fills if verdict.match}
    ids = sorted(wanted)
    contacts: list[Contact] = []
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        contacts.extend(
            session.scalars(
                select(Contact).where(Contact.owner_id == user.id, Contact.id.in_(chunk))  # type: ignore[union-attr]
            )
        )
    organizations = {org_id: name for org_id, name in owned.values()}
    tags: dict[int, list[str]] = {}
    for contact in contacts:
        assert contact.id is not None
        row, names = wanted[contact.id]
        for name in names:
            if name == "organization":
                contact.organization_id = owned[" ".join(row.organization.split()).casefold()][0]  # type: ignore[union-attr]
            elif name == "linkedin_url":
                contact.linkedin_url, contact.linkedin_key = row.linkedin_url, row.linkedin_key
            elif name == "tags":
                tags[contact.id] = row.tags
            else:
                setattr(contact, name, _row_value(row, name))
        contact.touch()
    session.flush()
    tags_service.tag_new_contacts(session, user, tags)
    current = tags_service.tag_names_by_contact(session, ids)
    for contact in contacts:
        organization = organizations.get(contact.organization_id or 0)
        contact.search_text = build_search_text(
            contact.full_name,
            contact.title,
            organization,
            contact.email,
            current.get(contact.id or 0, []),
        )
        session.add(contact)


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
    return {
        " ".join(name.split()).casefold(): (org_id, name)
        for org_id, name in session.execute(statement, rows)
    }


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _contact_values(
    owner_id: int, row: NewContact, organizations: dict[str, tuple[int, str]], now: datetime
) -> dict[str, Any]:
    organization_id, organization = (
        organizations[" ".join(row.organization.split()).casefold()]
        if row.organization
        else (None, None)
    )
    connected_on: date | None = row.connected_on
    # Columns an imported contact never fills (introduced by, cadence, last and next touch)
    # are left out: the table makes them NULL, and each row binds four values fewer.
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
        "connected_on": connected_on,
        "stage": "prospect",
        "notes": row.notes,
        "search_text": build_search_text(
            row.full_name, row.title, organization, row.email, row.tags
        ),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
