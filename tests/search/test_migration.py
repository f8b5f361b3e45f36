"""The migration builds the index for data written before it, and `rapport reindex` rebuilds it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.auth.models import User
from app.db import make_engine, open_session
from app.migrations import upgrade
from app.registry import import_all_models
from app.search import service
from tests.search.conftest import Corpus
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)

BEFORE_BULK_INDEXING = "b3c5d7e9f1a2"

# The revision before this index design: rows written there are indexed the old way, and
# the upgrade must rebuild the index for them.
BEFORE_REDESIGN = "d5e9f3a7b2c6"


def clear_index(db) -> None:
    """Empty the index without touching the rows (a contentless FTS5 table refuses DELETE)."""
    if db.get_bind().dialect.name == "sqlite":
        for table in ("search_index", "search_index_prefix"):
            db.execute(text(f"INSERT INTO {table} ({table}) VALUES ('delete-all')"))
    else:
        db.execute(text("DELETE FROM search_index"))
    db.commit()


def test_upgrade_indexes_rows_written_before_it(empty_database_url: str) -> None:  # noqa: F811
    import_all_models()
    upgrade(empty_database_url, BEFORE_REDESIGN)
    engine = make_engine(empty_database_url)
    try:
        with open_session(engine, write=True) as db:
            # Written as that revision's users table has it (its job-search columns went
            # later, so today's model cannot insert there); today's model reads it.
            now = datetime.now(UTC)
            db.execute(
                text(
                    "INSERT INTO users (created_at, updated_at, version, username, username_key,"
                    " password_hash, display_name, timezone, is_admin, is_active,"
                    " job_search_status, job_search_note) VALUES (:now, :now, 1, 'early',"
                    " 'early', 'x', 'early', 'UTC', false, true, '', '')"
                ),
                {"now": now},
            )
            user = db.exec(select(User).where(User.username == "early")).one()
            corpus = Corpus(db, user)
            contact = corpus.contact("Marisol Early")
            interview = corpus.interview(contact, summary="talked about archives")
            answer = corpus.answer(interview, "What matters?", "Provenance research matters.")
        upgrade(empty_database_url)
        with open_session(engine) as db:
            hits = service.search(db, user, "proven").items
            assert [(h.kind, h.id) for h in hits] == [("answer", answer.id)]
            assert "<mark>Provenance</mark>" in hits[0].snippet_html
            assert [h.id for h in service.search(db, user, "marisol").items] == [contact.id]
        with open_session(engine, write=True) as db:
            clear_index(db)
            assert service.search(db, user, "proven").items == []
            assert service.rebuild_index(db) >= 3
            assert [h.id for h in service.search(db, user, "proven").items] == [answer.id]
    finally:
        engine.dispose()


def test_reindex_command_rebuilds_the_index(
    database_url: str, monkeypatch, corpus, user, db
) -> None:
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.config import get_settings

    contact = corpus.contact("Ottoline Reindexed")
    clear_index(db)
    assert service.search(db, user, "ottoline").items == []
    db.commit()
    monkeypatch.setenv("RAPPORT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["reindex"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "search index rebuilt" in result.output
    assert [h.id for h in service.search(db, user, "ottoline").items] == [contact.id]
    db.commit()


def _triggers(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                    " AND name LIKE 'search_index_%'"
                )
            ).all()
            bulk = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'search_index_bulk'")
            ).scalar_one()
    finally:
        engine.dispose()
    return {name: sql for name, sql in rows} | {"flag table": str(bulk)}


def _created(statements: tuple[str, ...]) -> dict[str, str]:
    return {
        statement.split()[2]: statement
        for statement in statements
        if statement.startswith("CREATE TRIGGER")
    }


@pytest.mark.sqlite  # on PostgreSQL bulk_indexing changes nothing
def test_bulk_indexing_revision_swaps_the_triggers_and_back(
    empty_database_url: str,  # noqa: F811
) -> None:
    import importlib.util
    from pathlib import Path

    from app.migrations import downgrade
    from app.search.models import SQLITE_SEARCH_DDL

    upgrade(empty_database_url)
    # The triggers the models make (create_all, rapport reindex), with the flag table.
    assert _triggers(empty_database_url) == _created(SQLITE_SEARCH_DDL) | {"flag table": "1"}
    downgrade(empty_database_url, BEFORE_BULK_INDEXING)
    path = Path(__file__).parents[2] / "alembic/versions"
    spec = importlib.util.spec_from_file_location(
        "search_index_e6f0a4b8c3d7", path / "20261126_e6f0a4b8c3d7_search_index_at_scale.py"
    )
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    assert _triggers(empty_database_url) == _created(previous.SQLITE_SEARCH_DDL) | {
        "flag table": "0"
    }
    upgrade(empty_database_url)
    assert _triggers(empty_database_url)["flag table"] == "1"


def test_bench_script_runs_on_a_tiny_dataset(capsys) -> None:
    from bench.search_bench import main

    assert main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "in-process search: p50" in out and "index size" in out and "writes:" in out


def _search_indexes(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes"
                    " WHERE tablename = 'search_index' AND indexname <> 'search_index_pkey'"
                )
            ).all()
    finally:
        engine.dispose()
    return {name: definition for name, definition in rows}


@pytest.mark.postgres  # SQLite's index is FTS5: the revision leaves it alone
def test_per_kind_revision_splits_the_gin_index_and_back(
    empty_database_url: str,  # noqa: F811
) -> None:
    from app.migrations import downgrade
    from app.search.models import KIND_CODES

    upgrade(empty_database_url)
    indexes = _search_indexes(empty_database_url)
    assert sorted(indexes) == sorted(f"search_index_document_{c}" for c in KIND_CODES.values())
    for code in KIND_CODES.values():
        definition = indexes[f"search_index_document_{code}"]
        assert "gin (owner_id, document)" in definition and f"(kind = {code})" in definition
    downgrade(empty_database_url, "d5e7f9a1b3c5")
    assert list(_search_indexes(empty_database_url)) == ["search_index_owner_document"]
    upgrade(empty_database_url)
    assert len(_search_indexes(empty_database_url)) == len(KIND_CODES)
