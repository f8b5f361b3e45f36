"""Run Alembic programmatically (the CLI, `make run` and the tests share this)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parents[1]


# Objects made by raw DDL (app/contacts/models.py: the FTS5 table and its shadow tables on
# SQLite, the trigram index on PostgreSQL; app/search/models.py: the search index, FTS5 on
# SQLite, a table with its own indexes on PostgreSQL) are invisible to the models;
# autogenerate and the migration tests must not count them as differences.
RAW_DDL_PREFIXES = ("contacts_fts", "ix_contacts_search_trgm", "search_index")


def is_raw_ddl_object(name: str | None) -> bool:
    """True for the objects the migration creates with raw SQL."""
    return bool(name) and str(name).startswith(RAW_DDL_PREFIXES)


# Indexes on expressions or with per-column ordering: Alembic cannot reflect them faithfully
# on PostgreSQL, so comparing them reports differences that are not there. The migration
# still creates them; tests/test_migrations.py checks they exist.
EXPRESSION_INDEXES = frozenset({"ix_contacts_owner_lower_name", "ix_contacts_owner_last_contacted"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: leave the raw-DDL objects and expression indexes alone."""
    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    return not (reflected and is_raw_ddl_object(name))


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our scripts and the given database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)
