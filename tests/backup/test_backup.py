"""`rapport backup` / `rapport restore`: an online copy taken while writers run, restored."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from app.auth.models import User
from app.backup import service
from app.cli import app as cli
from app.config import get_settings
from app.errors import Conflict, Invalid

WRITERS = 4


def run(*args: str, stdin: str | None = None) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migrated SQLite data directory, whatever backend the rest of the run uses."""
    for name in ("RAPPORT_DATABASE_URL", "RAPPORT_ENV", "RAPPORT_ALLOW_SIGNUP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "c" * 48)
    monkeypatch.setenv("RAPPORT_LOG_LEVEL", "WARNING")
    assert run("migrate").exit_code == 0
    created = run("create-user", "alice", "--password-stdin", stdin="a long cli passphrase\n")
    assert created.exit_code == 0, created.output
    live = sqlite3.connect(tmp_path / "rapport.db")
    live.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, writer INTEGER, n INTEGER)")
    live.commit()
    live.close()
    yield tmp_path
    get_settings.cache_clear()


class Writers:
    """Threads that insert and commit rows one by one, recording each acknowledged write."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.acknowledged: set[tuple[int, int]] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(w,)) for w in range(WRITERS)]

    def _write(self, writer: int) -> None:
        connection = sqlite3.connect(self.database, timeout=10)
        connection.execute("PRAGMA journal_mode=WAL")
        n = 0
        while not self.stop.is_set():
            connection.execute("INSERT INTO probe (writer, n) VALUES (?, ?)", (writer, n))
            connection.commit()
            with self.lock:
                self.acknowledged.add((writer, n))
            n += 1
        connection.close()

    def snapshot(self) -> set[tuple[int, int]]:
        with self.lock:
            return set(self.acknowledged)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def probes(path: Path) -> set[tuple[int, int]]:
    connection = sqlite3.connect(path)
    try:
        return {(w, n) for w, n in connection.execute("SELECT writer, n FROM probe")}
    finally:
        connection.close()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def test_backup_while_writing_then_restore(data_dir: Path) -> None:
    live = data_dir / "rapport.db"
    target = data_dir / "copy.db"
    with Writers(live) as writers:
        while len(writers.snapshot()) < 200:
            time.sleep(0.01)
        before = writers.snapshot()
        taken = run("backup", str(target))
        after = writers.snapshot()
        assert len(writers.snapshot()) > len(before)  # the writers ran during the backup
    assert taken.exit_code == 0, taken.output
    assert "integrity ok" in taken.output
    assert "users 1" in taken.output
    assert integrity(target) == "ok"
    copied = probes(target)
    # Every write acknowledged before the backup began is in it; nothing is half-written.
    assert before <= copied
    assert copied <= after
    assert not target.with_name("copy.db.part").exists()

    # The live database moves on; a restore brings back exactly the copy.
    written_since = probes(live) - copied
    assert written_since
    asked = run("restore", str(target), stdin="n\n")
    assert asked.exit_code == 1
    assert probes(live) - copied == written_since  # declined: nothing changed

    restored = run("restore", "--yes", str(target))
    assert restored.exit_code == 0, restored.output
    assert probes(live) == copied
    assert integrity(live) == "ok"
    aside = [p for p in data_dir.iterdir() if ".before-restore-" in p.name]
    assert len(aside) == 1, restored.output
    assert str(aside[0]) in restored.output
    assert probes(aside[0]) == copied | written_since
    # The app's own engine still opens the restored database (WAL and all).
    assert run("check").exit_code == 0


def test_backup_into_directory_and_refusals(data_dir: Path) -> None:
    folder = data_dir / "backups"
    folder.mkdir()
    taken = run("backup", str(folder))
    assert taken.exit_code == 0, taken.output
    (made,) = folder.iterdir()
    assert made.name.startswith("rapport-") and made.suffix == ".db"
    report = service.inspect_sqlite(made)
    assert report.rows["users"] == 1 and report.revision

    url = get_settings().effective_database_url
    with pytest.raises(Conflict):
        service.backup(url, made)  # never overwrites
    with pytest.raises(Invalid):
        service.backup(url, data_dir / "missing" / "x.db")
    # "missing/" names a directory: refused, not written as a file called "missing".
    refused = run("backup", str(data_dir / "missing") + "/")
    assert refused.exit_code == 1 and "does not exist" in refused.output
    assert not (data_dir / "missing").exists()

    not_sqlite = data_dir / "notes.txt"
    not_sqlite.write_text("hello")
    refused = run("restore", "--yes", str(not_sqlite))
    assert refused.exit_code == 1 and "not a SQLite database" in refused.output

    foreign = data_dir / "other.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    refused = run("restore", "--yes", str(foreign))
    assert refused.exit_code == 1 and "not a Rapport database" in refused.output

    damaged = data_dir / "damaged.db"
    raw = bytearray(made.read_bytes())
    raw[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)  # wreck some pages, keep the header
    damaged.write_bytes(bytes(raw))
    refused = run("restore", "--yes", str(damaged))
    assert refused.exit_code == 1
    assert probes(data_dir / "rapport.db") == set()  # the live database was not touched


@pytest.mark.postgres
def test_postgres_round_trip(
    database_url: str, engine: Engine, make_user: Callable[..., User], tmp_path: Path
) -> None:
    make_user("kept")
    target = tmp_path / "db.dump"
    try:
        report = service.backup(database_url, target)
    except service.ToolMissing as exc:
        assert "pg_dump --format=custom" in exc.detail
        return
    assert report.size > 0
    make_user("after")
    engine.dispose()
    restored = service.restore(database_url, target)
    assert restored.aside is not None and restored.aside.stat().st_size > 0
    with engine.connect() as connection:
        names = set(connection.execute(text("SELECT username FROM users")).scalars())
    assert "kept" in names and "after" not in names


@pytest.mark.postgres
def test_postgres_restore_restamps(
    database_url: str, engine: Engine, make_user: Callable[..., User], tmp_path: Path
) -> None:
    kept = make_user("stamped")
    with engine.connect() as connection:
        before = connection.execute(
            text("SELECT version FROM dashboard_stamps WHERE owner_id = :id"), {"id": kept.id}
        ).scalar_one()
    target = tmp_path / "db.dump"
    try:
        service.backup(database_url, target)
    except service.ToolMissing as exc:  # as in the round trip: the refusal is the answer
        assert "pg_dump --format=custom" in exc.detail
        return
    engine.dispose()
    service.restore(database_url, target)
    with engine.connect() as connection:
        after = connection.execute(
            text("SELECT version FROM dashboard_stamps WHERE owner_id = :id"), {"id": kept.id}
        ).scalar_one()
    assert abs(after - before) > 1_000_000


def _stamps(database: Path) -> dict[int, int]:
    connection = sqlite3.connect(database)
    try:
        return dict(connection.execute("SELECT owner_id, version FROM dashboard_stamps"))
    finally:
        connection.close()


def test_a_restore_gives_every_dashboard_stamp_a_new_start(data_dir: Path) -> None:
    """Workers keep dashboard figures under a user's stamp: after a restore took the stamps
    back, the next writes would reach values whose kept figures describe other data."""
    live = data_dir / "rapport.db"
    target = data_dir / "copy.db"
    assert run("backup", str(target)).exit_code == 0
    backed_up = _stamps(target)
    assert backed_up
    connection = sqlite3.connect(live)
    connection.execute("UPDATE dashboard_stamps SET version = version + 1")
    connection.commit()
    connection.close()
    moved = _stamps(live)
    assert run("restore", "--yes", str(target)).exit_code == 0
    restored = _stamps(live)
    assert restored.keys() == backed_up.keys()
    for owner, version in restored.items():
        # Far from both: a later write (one step each) cannot reach a value kept before.
        assert abs(version - backed_up[owner]) > 1_000_000
        assert abs(version - moved[owner]) > 1_000_000
