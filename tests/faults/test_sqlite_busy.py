"""Another process holding SQLite's write lock past the configured wait: writes are a 503
with Retry-After (never a 500), reads go on, and writes succeed once the lock is free."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.faults.sqlite_app import sqlite_client

pytestmark = pytest.mark.sqlite


def test_write_lock_held_elsewhere_is_a_503_with_retry_after(tmp_path: Path) -> None:
    client = sqlite_client(tmp_path, db_busy_seconds=0.3)
    with client:
        assert client.post("/api/v1/contacts", json={"full_name": "Before"}).status_code == 201
        other = sqlite3.connect(tmp_path / "rapport.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # a backup script, a CLI import, another host
        try:
            started = time.monotonic()
            refused = client.post("/api/v1/contacts", json={"full_name": "While locked"})
            assert time.monotonic() - started < 3  # bounded by db_busy_seconds, not a hang
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.headers["retry-after"] == "1"
            assert "busy" in refused.json()["detail"]
            assert client.get("/api/v1/contacts").json()["total"] == 1  # reads go on (WAL)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert client.post("/api/v1/contacts", json={"full_name": "After"}).status_code == 201
        names = {c["full_name"] for c in client.get("/api/v1/contacts").json()["items"]}
        assert names == {"Before", "After"}
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
