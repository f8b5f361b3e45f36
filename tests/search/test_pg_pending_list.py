"""PostgreSQL: every per-kind GIN index caps its pending list at 1 MB, which every search of
the kind reads through; the revision sets what `rapport reindex` builds, and puts it back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from app.db import make_engine, open_session
from app.migrations import downgrade, upgrade
from app.search import service
from app.search.models import KIND_CODES
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)

pytestmark = pytest.mark.postgres

BEFORE = "e6f8a0b2c4d6"
CAPPED = ["gin_pending_list_limit=1024"]
PAGE_KB = 8


def _options(engine: Engine) -> dict[str, list[str] | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.reloptions FROM pg_index AS i"
                " JOIN pg_class AS c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = 'search_index'::regclass AND c.relname <> 'search_index_pkey'"
            )
        ).all()
    return {name: options for name, options in rows}


def _options_at(url: str) -> dict[str, list[str] | None]:
    engine = make_engine(url)
    try:
        return _options(engine)
    finally:
        engine.dispose()


def test_every_kind_index_caps_its_pending_list(engine: Engine) -> None:
    assert _options(engine) == {
        f"search_index_document_{code}": CAPPED for code in KIND_CODES.values()
    }


def test_a_large_write_leaves_at_most_1_mb_pending(engine: Engine) -> None:
    # 6,000 documents of 20 words each: ~2.5 MB of pending entries, merged as the list
    # passes its cap, so what is left is under it (at the default 4 MB all of it would be).
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text("SELECT gin_clean_pending_list('search_index_document_7')"))
        conn.execute(
            text(
                "INSERT INTO search_index (kind, row_id, owner_id, document)"
                " SELECT 7, 1000000 + g, 1, to_tsvector('simple', (SELECT string_agg("
                " 'w' || ((g * 31 + w * 7919) % 50000), ' ') FROM generate_series(1, 20) AS w))"
                " FROM generate_series(1, 6000) AS g"
            )
        )
        left = conn.scalar(text("SELECT gin_clean_pending_list('search_index_document_7')"))
        transaction.rollback()
    assert 0 < left * PAGE_KB <= 1024


def test_the_revision_caps_the_lists_as_reindex_does_and_back(
    empty_database_url: str,  # noqa: F811
) -> None:
    upgrade(empty_database_url)
    migrated = _options_at(empty_database_url)
    assert migrated == {f"search_index_document_{code}": CAPPED for code in KIND_CODES.values()}
    engine = make_engine(empty_database_url)
    try:
        with open_session(engine, write=True) as session:
            service.rebuild_index(session)
    finally:
        engine.dispose()
    assert _options_at(empty_database_url) == migrated

    downgrade(empty_database_url, BEFORE)
    assert set(_options_at(empty_database_url).values()) == {None}
    upgrade(empty_database_url)
    assert _options_at(empty_database_url) == migrated
