"""Bulk writers (the seeder, imports) index their rows in one go at the end of the
transaction; the index is then as right as the triggers would have made it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, delete, insert, text, update

from app.contacts.models import Contact
from app.db import open_session
from app.interactions.models import Interaction
from app.search import service
from app.search.service import bulk_indexing

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction as the app opens one (BEGIN IMMEDIATE on SQLite), committed."""
    with open_session(engine, write=True) as session:
        yield session.connection()
        session.commit()


def _contact(owner_id: int, name: str, notes: str = "") -> dict:
    return {
        "owner_id": owner_id,
        "full_name": name,
        "notes": notes,
        "search_text": name.lower(),
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
    }


def _found(db, user, q: str) -> list[tuple[str, int]]:
    hits = service.search(db, user, q, limit=50).items
    db.rollback()
    return sorted((hit.kind, hit.id) for hit in hits)


def _ids(db, user, name: str) -> dict[str, int]:
    rows = db.execute(
        text("SELECT full_name, id FROM contacts WHERE owner_id = :o AND full_name LIKE :n"),
        {"o": user.id, "n": f"{name}%"},
    ).all()
    db.rollback()
    return {full_name: contact_id for full_name, contact_id in rows}


@pytest.mark.parametrize("batched", [False, True], ids=["executemany", "multi-row VALUES"])
def test_rows_written_in_bulk_are_found(engine: Engine, db, user, corpus, batched) -> None:
    owner = user.id  # read once: a rollback expires the user, and a write
    # session's lazy load of it would wait on the write lock held here
    older = corpus.contact("Quillon Older", notes="kept through the triggers")
    table = Contact.__table__  # type: ignore[attr-defined]
    rows = [_contact(owner, f"Quillon {n}", f"bulk note {n} zenobia") for n in range(30)]
    with _writing(engine) as conn, bulk_indexing(conn):
        statement = insert(table)
        if batched:
            conn.execute(statement.returning(table.c.id), rows).all()
        else:
            conn.execute(statement, rows)
        if conn.dialect.name == "sqlite":
            # Deferred: the triggers left the new rows to the end of the block.
            assert conn.execute(text("SELECT count(*) FROM search_index_bulk")).scalar_one()
            for table in ("search_index", "search_index_prefix"):
                pending = conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {table} MATCH 'zenobia'")
                ).scalar_one()
                assert pending == 0
    ids = _ids(db, user, "Quillon")
    assert _found(db, user, "zenobia") == sorted(
        ("contact", ids[f"Quillon {n}"]) for n in range(30)
    )
    assert _found(db, user, "quillon older") == [("contact", older.id)]
    # A phrase and a 2-3 letter prefix: both tables were filled at the end.
    assert _found(db, user, '"bulk note 7"') == [("contact", ids["Quillon 7"])]
    assert len(_found(db, user, "zen")) == 30
    if engine.dialect.name == "sqlite":
        assert db.execute(text("SELECT count(*) FROM search_index_bulk")).scalar_one() == 0
        db.rollback()


def test_updates_and_deletes_in_and_after_the_bulk_keep_the_index_right(
    engine: Engine, db, user, corpus
) -> None:
    owner = user.id  # read once: a rollback expires the user, and a write
    # session's lazy load of it would wait on the write lock held here
    older = corpus.contact("Ravel Older", notes="oldword")
    gone_older = corpus.contact("Ravel Gone", notes="oldword")
    table = Contact.__table__  # type: ignore[attr-defined]
    with _writing(engine) as conn, bulk_indexing(conn):
        conn.execute(insert(table), [_contact(owner, f"Ravel {n}", "frescoword") for n in range(3)])
        ids = dict(
            conn.execute(
                text("SELECT full_name, id FROM contacts WHERE full_name LIKE 'Ravel %'")
            ).all()
        )
        # Rows from before the bulk keep their triggers; the bulk's own are indexed at the end
        # as they then are.
        conn.execute(update(table).where(table.c.id == older.id).values(notes="newword"))
        conn.execute(delete(table).where(table.c.id == gone_older.id))
        conn.execute(update(table).where(table.c.id == ids["Ravel 0"]).values(notes="newword"))
        conn.execute(delete(table).where(table.c.id == ids["Ravel 1"]))
    assert _found(db, user, "oldword") == []
    assert _found(db, user, "newword") == sorted(
        [("contact", older.id), ("contact", ids["Ravel 0"])]
    )
    assert _found(db, user, "frescoword") == [("contact", ids["Ravel 2"])]
    # After the bulk its rows are ordinary: an update and a delete take out what was added
    # (a contentless FTS5 entry taken out with other words would corrupt the index).
    with _writing(engine) as conn:
        conn.execute(update(table).where(table.c.id == ids["Ravel 2"]).values(notes="laterword"))
        conn.execute(delete(table).where(table.c.id == ids["Ravel 0"]))
    assert _found(db, user, "frescoword") == []
    assert _found(db, user, "newword") == [("contact", older.id)]
    assert _found(db, user, "laterword") == [("contact", ids["Ravel 2"])]
    if engine.dialect.name == "sqlite":
        for table in ("search_index", "search_index_prefix"):
            db.execute(text(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')"))
        db.rollback()


def test_a_cascade_after_the_bulk_takes_out_the_children(engine: Engine, db, user) -> None:
    owner = user.id  # read once: a rollback expires the user, and a write
    # session's lazy load of it would wait on the write lock held here
    contacts = Contact.__table__  # type: ignore[attr-defined]
    interactions = Interaction.__table__  # type: ignore[attr-defined]
    with _writing(engine) as conn, bulk_indexing(conn):
        conn.execute(insert(contacts), [_contact(owner, "Sorrel Parent")])
        parent = conn.execute(
            text("SELECT id FROM contacts WHERE full_name = 'Sorrel Parent'")
        ).scalar_one()
        conn.execute(
            insert(interactions),
            [
                {
                    "owner_id": owner,
                    "contact_id": parent,
                    "kind": "call",
                    "occurred_at": NOW,
                    "summary": f"talked tamarind {n}",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "version": 1,
                }
                for n in range(3)
            ],
        )
    assert [kind for kind, _ in _found(db, user, "tamarind")] == ["interaction"] * 3
    with _writing(engine) as conn:
        conn.execute(delete(contacts).where(contacts.c.id == parent))
    assert _found(db, user, "tamarind") == []
    assert _found(db, user, "sorrel") == []


def test_an_error_inside_the_bulk_leaves_no_flag_behind(engine: Engine, db, user) -> None:
    owner = user.id  # read once: a rollback expires the user, and a write
    # session's lazy load of it would wait on the write lock held here
    table = Contact.__table__  # type: ignore[attr-defined]
    with _writing(engine) as conn:
        try:
            with bulk_indexing(conn):
                conn.execute(insert(table), [_contact(owner, "Tansy Caught", "caughtword")])
                raise RuntimeError("the caller catches this and commits")
        except RuntimeError:
            pass
    # Indexed all the same, and the next inserts go through the triggers again.
    assert [kind for kind, _ in _found(db, user, "caughtword")] == ["contact"]
    with _writing(engine) as conn:
        conn.execute(insert(table), [_contact(owner, "Tansy After", "afterword")])
    assert [kind for kind, _ in _found(db, user, "afterword")] == ["contact"]


def test_an_import_indexes_its_contacts_and_organizations(db, user) -> None:
    from app.exchange.newcontacts.service import ImportOptions, import_file

    raw = (
        b"First Name,Last Name,Email Address,Company,Position,Connected On\n"
        b"Ulrike,Vantongeren,u@example.com,Umbrella Archive,Registrar,01 Nov 2026\n"
        b"Wendeline,Xiang,w@example.com,Umbrella Archive,Curator,01 Nov 2026\n"
    )
    preview = import_file(
        db, user, raw, ImportOptions(file_format="linkedin", dry_run=False), phone_region="US"
    )
    assert preview.created == 2
    assert [kind for kind, _ in _found(db, user, "vantongeren")] == ["contact"]
    assert [kind for kind, _ in _found(db, user, "umbrella")] == ["organization"]
