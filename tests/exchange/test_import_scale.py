"""A large import in every format: a bounded number of statements (never one per row), each
new contact with its own tags, and the benchmark's files read as the formats they claim."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.exchange.contactfile import read_contact_file
from app.exchange.newcontacts.service import ImportOptions, import_file
from app.organizations.models import Organization
from app.tags import service as tags_service
from bench import inprocess

ROWS = 600
FORMATS = [name for name, _ in inprocess.IMPORT_FORMATS]


def _options(file_format: str, *, dry_run: bool) -> ImportOptions:
    mapping = dict(inprocess.SHEET_MAPPING) if file_format == "csv" else None
    return ImportOptions(file_format=file_format, mapping=mapping, dry_run=dry_run)


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_benchmark_files_read_as_their_format(file_format: str) -> None:
    raw = inprocess.import_payload(file_format, 50, "t")
    read = read_contact_file(
        raw, mapping=_options(file_format, dry_run=True).mapping, phone_region="US"
    )
    assert read.format == file_format
    assert (len(read.rows), read.invalid, read.broken) == (50, {}, [])
    assert any(row.email for row in read.rows)
    # LinkedIn writes no phone; every other file has valid ones, stored as E.164.
    assert file_format == "linkedin" or any(row.phone for row in read.rows)


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_large_import_takes_a_bounded_number_of_statements(
    db: Session, engine: Engine, user: User, other_user: User, file_format: str
) -> None:
    raw = inprocess.import_payload(file_format, ROWS, "s")
    # Another user's identical file first: nothing of theirs is matched or tagged for us.
    import_file(db, other_user, raw, _options(file_format, dry_run=False), phone_region="US")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        preview = import_file(
            db, user, raw, _options(file_format, dry_run=False), phone_region="US"
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert preview.created == preview.new == ROWS - preview.duplicates
    assert preview.created > ROWS * 0.9
    # Reads, organizations, batched contact inserts, tags: a few dozen, not one per row
    # (a tag new to the user is created in a savepoint of its own: three per distinct tag).
    read = read_contact_file(
        raw, mapping=_options(file_format, dry_run=True).mapping, phone_region="US"
    )
    distinct_tags = {tag.casefold() for row in read.rows for tag in row.tags}
    assert len(statements) < 30 + 3 * len(distinct_tags), len(statements)
    count = select(func.count()).select_from(Contact).where(Contact.owner_id == user.id)
    assert db.scalar(count) == preview.created


@pytest.mark.parametrize("file_format", ["csv", "vcard"])
def test_each_new_contact_gets_its_own_rows_tags(db: Session, user: User, file_format: str) -> None:
    raw = inprocess.import_payload(file_format, 200, "g")
    read = read_contact_file(
        raw, mapping=_options(file_format, dry_run=True).mapping, phone_region="US"
    )
    expected = {
        (row.full_name, row.organization): sorted(row.tags) for row in read.rows if row.tags
    }
    assert expected
    import_file(db, user, raw, _options(file_format, dry_run=False), phone_region="US")
    contacts = db.execute(
        select(Contact.id, Contact.full_name, Contact.organization_id).where(
            Contact.owner_id == user.id
        )
    ).all()
    tags = tags_service.tag_names_by_contact(db, [c.id for c in contacts])
    names = dict(db.execute(select(Organization.id, Organization.name)).tuples().all())
    got = {
        (c.full_name, names.get(c.organization_id)): sorted(tags.get(c.id, [])) for c in contacts
    }
    for key, wanted in expected.items():
        if key in got:  # a repeated name and organization is a duplicate, not created
            assert got[key] == sorted(t.casefold() for t in wanted), key


def test_postgresql_inserts_the_new_contacts_in_one_statement(
    db: Session, engine: Engine, user: User
) -> None:
    """On PostgreSQL the contacts go in as one statement over column arrays: an executemany
    would fire the search index's insert trigger once per row. On SQLite, multi-row VALUES
    batches."""
    raw = inprocess.import_payload("csv", ROWS, "p")
    inserts: list[tuple[str, bool]] = []

    def record(*args: Any) -> None:
        if args[2].startswith("INSERT INTO contacts "):
            inserts.append((args[2], args[5]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        preview = import_file(db, user, raw, _options("csv", dry_run=False), phone_region="US")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert preview.created > ROWS * 0.9
    if engine.dialect.name == "postgresql":
        assert len(inserts) == 1
        statement, executemany = inserts[0]
        assert "unnest(" in statement and not executemany
    else:
        # (SQLAlchemy reports its multi-row batches as an executemany.)
        assert inserts and all("), (" in statement for statement, _ in inserts)
        assert len(inserts) < ROWS / 50
    # Every row arrived whole: the arrays were zipped back into rows, not shifted.
    for contact in db.exec(select(Contact).where(Contact.owner_id == user.id)).scalars():
        assert contact.search_text.startswith(contact.full_name.casefold())
