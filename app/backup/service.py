"""Backup and restore of the whole database, while the application serves.

SQLite: the copy is made with SQLite's online backup API in one step, i.e. inside one read
transaction, so it is the database as it was when the step began; in WAL mode writers keep
going meanwhile. The copy is checked (PRAGMA integrity_check) before it is given its name.
A restore writes the backup into the live database with the same API (one write
transaction, so other connections see the old or the new database, never a mix), after the
current database was itself backed up aside.

PostgreSQL: pg_dump / pg_restore do the work when the client tools are installed; without
them the commands to run are explained.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.dashboard.models import restamp_statement
from app.db import make_engine, utcnow
from app.errors import Conflict, DomainError, Invalid

SQLITE_HEADER = b"SQLite format 3\x00"
# Rapport's own tables, counted in what a backup holds (the rest are indexes' shadows).
_SKIPPED_PREFIXES = ("sqlite_", "alembic_")
_BUSY_TIMEOUT_MS = 10_000


@dataclass
class BackupReport:
    """Where a backup (or the database set aside by a restore) is, and what it holds."""

    path: Path
    size: int
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)
    aside: Path | None = None  # a restore: where the replaced database was kept


class ToolMissing(DomainError):
    """A PostgreSQL client tool is not installed: the detail says what to run instead."""

    title = "Client tool missing"


def is_sqlite(url: str) -> bool:
    """True for a SQLite database URL."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL (an in-memory database has none)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise Invalid.one("database", "An in-memory database cannot be backed up.")
    return Path(database)


# ---- SQLite -----------------------------------------------------------------------------


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = f"file:{path}{'?mode=ro' if read_only else ''}"
    connection = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_MS / 1000)
    connection.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    return connection


def _target(path: Path) -> Path:
    """The backup's file: PATH itself, or a time-stamped name inside PATH when a directory."""
    if path.is_dir():
        return path / f"rapport-{utcnow():%Y%m%d-%H%M%S}.db"
    if path.exists():
        raise Conflict(detail=f"{path} already exists; choose a new file name.")
    if not path.parent.is_dir():
        raise Invalid.one("path", f"The directory {path.parent} does not exist.")
    return path


def inspect_sqlite(path: Path) -> BackupReport:
    """Check a SQLite file (header, integrity) and count the rows of each of its tables."""
    if not path.is_file():
        raise Invalid.one("path", f"{path} is not a file.")
    with path.open("rb") as source:
        if source.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise Invalid.one("path", f"{path} is not a SQLite database.")
    connection = _connect(path, read_only=True)
    try:
        try:
            verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            # Text indexes (FTS5 virtual tables and their shadows) are derived from the
            # tables and rebuilt by `rapport reindex`; a contentless one cannot even be
            # counted, so only real tables are listed.
            virtual = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
                )
            ]
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
                )
                if not any(row[0] == v or row[0].startswith(f"{v}_") for v in virtual)
            ]
        except sqlite3.DatabaseError as exc:
            raise Invalid.one("path", f"{path} is damaged: {exc}.") from None
        if verdict != ["ok"]:
            raise Invalid.one("path", f"{path} failed its integrity check: {verdict[0]}")
        if "alembic_version" not in tables:
            raise Invalid.one("path", f"{path} is not a Rapport database (no alembic_version).")
        revision_row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        rows = {}
        for table in tables:
            if table.startswith(_SKIPPED_PREFIXES):
                continue
            rows[table] = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        connection.close()
    return BackupReport(
        path=path,
        size=path.stat().st_size,
        revision=revision_row[0] if revision_row else None,
        rows=rows,
    )


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new file ``target`` (via a .part file)."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    origin = _connect(source, read_only=True)
    copy = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, one read transaction, one snapshot.
        origin.backup(copy, pages=-1)
        # The live database runs in WAL mode; the copy is one self-contained file.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        origin.close()
    try:
        inspect_sqlite(partial)
    except Invalid:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)


def backup_sqlite(url: str, path: Path) -> BackupReport:
    """A checked online copy of the SQLite database at ``path`` (a new file or a directory)."""
    source = sqlite_path(url)
    if not source.is_file():
        raise Invalid.one("database", f"There is no database at {source}.")
    target = _target(path)
    _copy(source, target)
    return inspect_sqlite(target)


def restore_sqlite(url: str, path: Path) -> BackupReport:
    """Put the backup at ``path`` in place of the live database, keeping the current one aside."""
    checked = inspect_sqlite(path)
    live = sqlite_path(url)
    aside = None
    if live.is_file():
        aside = live.with_name(f"{live.name}.before-restore-{utcnow():%Y%m%d-%H%M%S}")
        _copy(live, aside)
    origin = _connect(path, read_only=True)
    destination = _connect(live)
    try:
        # One write transaction on the live file: readers see the old or the new database.
        origin.backup(destination, pages=-1)
        _restamp(destination, "sqlite")
    finally:
        destination.close()
        origin.close()
    restored = inspect_sqlite(live)
    restored.aside = aside
    restored.revision = checked.revision
    return restored


def _restamp(connection: Any, dialect: str) -> None:
    """New dashboard stamps for the restored data (``dashboard.models.restamp_statement``).

    A backup from before the stamps existed has no such table: the migration that the
    restored revision still needs creates them."""
    exists = (
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dashboard_stamps'"
        if dialect == "sqlite"
        else "SELECT to_regclass('dashboard_stamps') IS NOT NULL"
    )
    cursor = connection.cursor()
    try:
        cursor.execute(exists)
        found = cursor.fetchone()
        if found and found[0]:
            cursor.execute(restamp_statement(dialect))
        connection.commit()
    finally:
        cursor.close()


# ---- PostgreSQL -------------------------------------------------------------------------


def _libpq_environment(url: str) -> dict[str, str]:
    """The server and credentials as libpq variables: never on a command line (ps shows it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    values = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
    }
    env.update({name: value for name, value in values.items() if value})
    return env


def postgres_commands(path: Path, database: str) -> tuple[list[str], list[str]]:
    """The pg_dump and pg_restore command lines for a backup at ``path``."""
    dump = ["pg_dump", "--format=custom", "--no-owner", f"--file={path}"]
    restore = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    return dump, [*restore, f"--dbname={database}", str(path)]


def _run(command: list[str], url: str) -> None:
    if shutil.which(command[0]) is None:
        raise ToolMissing(
            detail=f"{command[0]} is not installed. With PGHOST, PGPORT, PGUSER, PGPASSWORD "
            f"and PGDATABASE set from RAPPORT_DATABASE_URL, run: {' '.join(command)}"
        )
    env = _libpq_environment(url)
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise Invalid.one(command[0], completed.stderr.strip() or f"exit {completed.returncode}")


def backup_postgres(url: str, path: Path) -> BackupReport:
    """pg_dump of the database into ``path`` (custom format, for pg_restore)."""
    target = _target(path).with_suffix(".dump") if path.is_dir() else _target(path)
    dump, _ = postgres_commands(target, make_url(url).database or "")
    _run(dump, url)
    return BackupReport(path=target, size=target.stat().st_size, revision=None)


def restore_postgres(url: str, path: Path) -> BackupReport:
    """pg_restore of a pg_dump file over the database, in one transaction, after a dump aside."""
    if not path.is_file():
        raise Invalid.one("path", f"{path} is not a file.")
    database = make_url(url).database or ""
    aside = path.with_name(f"{database}.before-restore-{utcnow():%Y%m%d-%H%M%S}.dump")
    dump, _ = postgres_commands(aside, database)
    _run(dump, url)
    _, restore = postgres_commands(path, database)
    _run(restore, url)
    engine = make_engine(url)
    connection = engine.raw_connection()
    try:
        _restamp(connection, "postgresql")
    finally:
        connection.close()
        engine.dispose()
    return BackupReport(path=path, size=path.stat().st_size, revision=None, aside=aside)


def backup(url: str, path: Path, *, directory: bool = False) -> BackupReport:
    """A checked backup of the database at ``url`` into ``path``; ``directory``: ``path`` was
    typed as one (with a trailing separator, which Path drops), so it must already exist."""
    if directory and not path.is_dir():
        raise Invalid.one("path", f"The directory {path} does not exist.")
    return backup_sqlite(url, path) if is_sqlite(url) else backup_postgres(url, path)


def check_backup(url: str, path: Path) -> BackupReport:
    """What a backup file holds, checked, before it is restored."""
    if is_sqlite(url):
        return inspect_sqlite(path)
    if not path.is_file():
        raise Invalid.one("path", f"{path} is not a file.")
    return BackupReport(path=path, size=path.stat().st_size, revision=None)


def restore(url: str, path: Path) -> BackupReport:
    """Replace the database at ``url`` with the backup at ``path``."""
    return restore_sqlite(url, path) if is_sqlite(url) else restore_postgres(url, path)
