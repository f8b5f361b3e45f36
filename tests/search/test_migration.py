"""The migration builds the index for data written before it, and `rapport reindex` rebuilds it."""

from __future__ import annotations

from sqlalchemy import text

from app.auth import service as auth_service
from app.auth.schemas import UserCreate
from app.db import make_engine, open_session
from app.migrations import upgrade
from app.registry import import_all_models
from app.search import service
from tests.conftest import PASSWORD
from tests.search.conftest import Corpus
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)

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
            user = auth_service.create_user(db, UserCreate(username="early", password=PASSWORD))
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


def test_bench_script_runs_on_a_tiny_dataset(capsys) -> None:
    from bench.search_bench import main

    assert main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "in-process search: p50" in out and "index size" in out and "writes:" in out
