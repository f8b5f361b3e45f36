"""The data directory's disk fills up under SQLite: writes answer 507 with a clear message,
reads keep working, nothing is corrupted, and writes work again once space is freed.

The data directory is a 4 MB tmpfs mounted for the test (the suite runs as root in CI); the
disk is filled with a plain file, as another program's log would fill it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.faults.sqlite_app import sqlite_client

pytestmark = pytest.mark.sqlite


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        skip_or_fail(f"cannot mount a tmpfs (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(directory: Path) -> Path:
    filler = directory / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:  # until ENOSPC
            out.write(b"\0" * 65536)
            out.flush()
            os.fsync(out.fileno())
    return filler


def test_full_disk_refuses_writes_with_507_keeps_reads_and_recovers(small_disk: Path) -> None:
    client = sqlite_client(small_disk)
    with client:
        for n in range(3):
            assert client.post("/api/v1/contacts", json={"full_name": f"C{n}"}).status_code == 201
        first = client.get("/api/v1/contacts").json()["items"][0]
        etag = client.get(f"/api/v1/contacts/{first['id']}").headers["etag"]
        # An empty WAL: the next write needs new disk blocks (a used WAL would be reused).
        with sqlite3.connect(small_disk / "rapport.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = _fill(small_disk)

        for response in (
            client.post("/api/v1/contacts", json={"full_name": "No room", "notes": "x" * 20_000}),
            client.patch(
                f"/api/v1/contacts/{first['id']}",
                json={"notes": "x" * 20_000},
                headers={"If-Match": etag},
            ),
        ):
            assert response.status_code == 507, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) > 0
            assert "disk space" in response.json()["detail"]
        assert client.get("/api/v1/contacts").json()["total"] == 3  # reads keep working
        assert client.get(f"/api/v1/contacts/{first['id']}").json()["notes"] == ""

        filler.unlink()  # space is freed: writes work again, with no restart
        assert client.post("/api/v1/contacts", json={"full_name": "After"}).status_code == 201
        assert client.get("/api/v1/contacts").json()["total"] == 4
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
    with sqlite3.connect(small_disk / "rapport.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
