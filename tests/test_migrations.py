"""Alembic migrations match the models and go down cleanly, on this run's database.

The SQLite run checks SQLite, the PostgreSQL run (RAPPORT_TEST_DB=postgres) PostgreSQL. These
fail whenever a domain changes its models until the migration is regenerated: that is their job.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from app.db import make_engine
from app.migrations import (
    EXPRESSION_INDEXES,
    alembic_config,
    downgrade,
    include_object,
    is_raw_ddl_object,
    upgrade,
)
from app.registry import import_all_models
from tests.conftest import DEFAULT_PG_URL, backend, skip_or_fail

# Alembic keeps its own bookkeeping table (empty after downgrade base).
BOOKKEEPING = {"alembic_version"}


def _scratch_postgres() -> Iterator[str]:
    base = os.environ.get("RAPPORT_TEST_DATABASE_URL", DEFAULT_PG_URL)
    name = f"rapport_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = make_engine(base)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is down or unreachable
        admin.dispose()
        skip_or_fail(f"PostgreSQL is not reachable at {base}: {exc.__class__.__name__}")
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", base)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, of the kind this run tests."""
    if backend() == "postgres":
        yield from _scratch_postgres()
    else:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"


def _differences(url: str) -> list[Any]:
    import_all_models()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_object": include_object,
                },
            )
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def _leftovers(url: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {"tables": sorted(set(inspect(conn).get_table_names()) - BOOKKEEPING)}
            if engine.dialect.name == "postgresql":
                found["enum types"] = list(
                    conn.scalars(
                        text(
                            "SELECT t.typname FROM pg_type t JOIN pg_namespace n "
                            "ON n.oid = t.typnamespace WHERE n.nspname = 'public' "
                            "AND t.typtype = 'e'"
                        )
                    )
                )
                found["sequences"] = list(
                    conn.scalars(
                        text(
                            "SELECT sequence_name FROM information_schema.sequences "
                            "WHERE sequence_schema = 'public'"
                        )
                    )
                )
            return {kind: names for kind, names in found.items() if names}
    finally:
        engine.dispose()


def _table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names()) - BOOKKEEPING
            return {name for name in names if not is_raw_ddl_object(name)}
    finally:
        engine.dispose()


def _search_objects(url: str) -> list[str]:
    """The raw-DDL search objects the migration made (FTS5 table / trigram index)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE name = 'contacts_fts'"
            else:
                query = (
                    "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_contacts_search_trgm'"
                )
            return list(conn.scalars(text(query)))
    finally:
        engine.dispose()


def test_upgrade_head_makes_the_search_index(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    assert len(_search_objects(empty_database_url)) == 1
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            names = {index["name"] for index in inspect(conn).get_indexes("contacts")}
            # The inspector skips expression indexes; ask the catalogue.
            catalogue = (
                "SELECT indexname FROM pg_indexes"
                if engine.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'index'"
            )
            names |= set(conn.scalars(text(catalogue)))
    finally:
        engine.dispose()
    # Compared by name only (see app.migrations.EXPRESSION_INDEXES), so check they exist.
    assert names >= EXPRESSION_INDEXES


def test_upgrade_head_matches_the_models(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    differences = _differences(empty_database_url)
    assert not differences, (
        "The models and the migrations disagree; regenerate the initial migration "
        "(make migration) and review it:\n" + "\n".join(map(repr, differences))
    )


def test_make_migration_finds_nothing_to_change_after_upgrade_head(
    empty_database_url: str,
) -> None:
    """`make migration` runs autogenerate through alembic/env.py: there, too, the search
    index's tables, triggers and expression indexes are left alone (``alembic check``
    raises on any difference it would write into a new revision)."""
    from alembic import command

    upgrade(empty_database_url)
    command.check(alembic_config(empty_database_url))


def test_downgrade_base_removes_everything_and_upgrade_works_again(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url)
    assert _table_names(empty_database_url) >= {"users", "user_sessions", "api_tokens"}
    downgrade(empty_database_url)
    assert _leftovers(empty_database_url) == {}
    upgrade(empty_database_url)
    import_all_models()
    expected = {table.name for table in SQLModel.metadata.sorted_tables}
    assert _table_names(empty_database_url) == expected


def test_the_tag_names_migration_fills_the_column_from_the_links(
    empty_database_url: str,
) -> None:
    """c5e7a9b1d3f5 fills contacts.tag_names for existing contacts; going down and up again
    rebuilds it from the link rows, and the triggers keep it from then on."""
    from app.auth import service as auth_service
    from app.auth.schemas import UserCreate
    from app.contacts import service as contacts_service
    from app.contacts.schemas import ContactCreate
    from app.db import open_session
    from tests.contacts.tag_names import kept_and_linked

    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with open_session(engine, write=True) as session:
            user = auth_service.create_user(
                session, UserCreate(username="tagged", password="a long enough password 1")
            )
            for name, tags in (("Ada", ["b", "a"]), ("Bob", []), ("Cy", ["a"])):
                contacts_service.create_contact(
                    session, user, ContactCreate(full_name=name, tags=tags)
                )
        downgrade(empty_database_url, "b4d6f8a0c2e4")
        with engine.connect() as conn:
            assert "tag_names" not in {c["name"] for c in inspect(conn).get_columns("contacts")}
        upgrade(empty_database_url)
        with engine.connect() as conn:
            kept, linked = kept_and_linked(conn)
        assert kept == linked and sorted(map(len, kept.values())) == [0, 1, 2]
    finally:
        engine.dispose()
