"""`rapport import FILE --user U`: any format, a printed preview, a mapping from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.exchange.command import LARGE_FILE_BYTES, parse_mapping
from tests.exchange.conftest import connections_csv, person


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


def test_preview_then_import_then_nothing_twice(data_dir: Path) -> None:
    sheet = data_dir / "people.csv"
    sheet.write_text("Who\tMail\tFirma\nAda Lovelace\tada@example.org\tAE\nBad\tnope\t\n")

    unmapped = run("import", str(sheet), "--user", "alice", "--dry-run")
    assert unmapped.exit_code == 1
    assert "mapping.name" in unmapped.output
    # The shell's way to map a column is named.
    assert 'Choose the columns with --map, e.g. --map "name=Full Name' in unmapped.output

    args = ("import", str(sheet), "--user", "alice", "--map", "name=Who,email=Mail")
    checked = run(*args, "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "format csv, encoding utf-8, delimiter '\\t'" in checked.output
    assert "columns: name=Who, email=Mail, organization=Firma" in checked.output
    assert "2 rows: 1 new, 0 duplicates, 1 invalid" in checked.output
    assert "line 3 (Bad): invalid: 'Mail': value is not a valid email address" in checked.output
    assert "dry run, nothing written: would create 1 contact and 1 organization" in checked.output

    imported = run(*args)
    assert imported.exit_code == 0, imported.output
    assert "created 1 contact and 1 organization" in imported.output

    again = run(*args, "--update-empty")
    assert again.exit_code == 0, again.output
    assert "line 2: duplicate of #1 Ada Lovelace (same email)" in again.output
    assert "created 0 contacts and 0 organizations; 0 matched contacts got" in again.output


def test_other_formats_and_the_old_commands_still_work(data_dir: Path) -> None:
    source = data_dir / "Connections.csv"
    source.write_text(connections_csv([person("Grace", "Hopper", "grace", company="Navy")]))
    assert "format linkedin" in run("import", str(source), "--user", "alice").output
    old = run("import-linkedin", "--user", "alice", str(source))
    assert old.exit_code == 0 and "created 0 contacts" in old.output

    bad = run("import", str(source), "--user", "alice", "--format", "xlsx")
    assert bad.exit_code != 0
    nobody = run("import", str(source), "--user", "nobody")
    assert nobody.exit_code == 1


def test_a_large_file_imports_with_the_progress_bar(data_dir: Path) -> None:
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {n}\r\nEMAIL:p{n}@example.org\r\n"
        f"NOTE:{'x' * 60}\r\nEND:VCARD\r\n"
        for n in range(3000)
    )
    book = data_dir / "phone.vcf"
    book.write_text(cards)
    assert book.stat().st_size > LARGE_FILE_BYTES
    result = run("import", str(book), "--user", "alice")
    assert result.exit_code == 0, result.output
    assert "created 3000 contacts" in result.output


def test_mapping_option_parsing() -> None:
    assert parse_mapping(["name=Full Name, email=E-mail", "notes="]) == {
        "name": "Full Name",
        "email": "E-mail",
        "notes": None,
    }
