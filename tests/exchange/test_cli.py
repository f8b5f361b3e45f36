"""`rapport import-linkedin` and `rapport export` against a throwaway SQLite data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from tests.exchange.conftest import FIRST_LINE, connections_csv, person


def run(*args: str, stdin: str | None = None) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migrated SQLite data directory with the account 'alice'."""
    for name in ("RAPPORT_DATABASE_URL", "RAPPORT_ENV", "RAPPORT_ALLOW_SIGNUP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "c" * 48)
    monkeypatch.setenv("RAPPORT_LOG_LEVEL", "WARNING")
    assert run("migrate").exit_code == 0
    created = run("create-user", "alice", "--password-stdin", stdin="a long cli passphrase\n")
    assert created.exit_code == 0, created.output
    yield tmp_path
    get_settings.cache_clear()


def test_import_then_export(data_dir: Path) -> None:
    source = data_dir / "Connections.csv"
    source.write_text(
        connections_csv([person("Grace", "Hopper", "grace", company="Navy", position="Admiral")])
    )
    checked = run("import-linkedin", "--user", "alice", "--dry-run", str(source))
    assert checked.exit_code == 0, checked.output
    assert "dry run, nothing written: would create 1 contacts" in checked.output

    imported = run("import-linkedin", "--user", "alice", str(source))
    assert imported.exit_code == 0, imported.output
    assert "created 1 contacts and 1 organizations; 0 duplicates" in imported.output

    target = data_dir / "out.json"
    exported = run("export", "--user", "alice", "--output", str(target))
    assert exported.exit_code == 0, exported.output
    document = orjson.loads(target.read_bytes())
    assert [c["full_name"] for c in document["contacts"]] == ["Grace Hopper"]
    assert [o["name"] for o in document["organizations"]] == ["Navy"]
    assert not (data_dir / "out.json.part").exists()

    to_stdout = run("export", "--user", "alice")
    assert to_stdout.exit_code == 0
    assert orjson.loads(to_stdout.stdout_bytes)["counts"]["contacts"] == 1


def test_bad_rows_are_listed_and_nothing_is_imported(data_dir: Path) -> None:
    source = data_dir / "Connections.csv"
    source.write_text(connections_csv([person("Bad", "Email", "bad", email="nope")]))
    result = run("import-linkedin", "--user", "alice", str(source))
    assert result.exit_code == 1
    assert f"row {FIRST_LINE}: email" in result.output
    exported = run("export", "--user", "alice")
    assert orjson.loads(exported.stdout_bytes)["contacts"] == []


def test_unknown_user_fails(data_dir: Path) -> None:
    result = run("export", "--user", "nobody")
    assert result.exit_code == 1 and "No user named 'nobody'" in result.output
