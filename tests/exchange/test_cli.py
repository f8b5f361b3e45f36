"""`rapport import-linkedin` (an alias of `rapport import --format linkedin`) and `rapport
export` against a throwaway SQLite data directory."""

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
    assert "dry run, nothing written: would create 1 contact and 1 organization" in checked.output

    imported = run("import-linkedin", "--user", "alice", str(source))
    assert imported.exit_code == 0, imported.output
    assert "1 row: 1 new, 0 duplicates, 0 invalid" in imported.output
    assert "created 1 contact and 1 organization" in imported.output
    # No --update-empty, and nothing matched: nothing is said about filling fields.
    assert "empty fields" not in imported.output

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


def test_bad_rows_are_listed_and_not_imported(data_dir: Path) -> None:
    source = data_dir / "Connections.csv"
    source.write_text(
        connections_csv(
            [person("Bad", "Email", "bad", email="nope"), person("Ada", "Lovelace", "ada")]
        )
    )
    result = run("import-linkedin", "--user", "alice", str(source))
    assert result.exit_code == 0, result.output
    # The bad row is named as the file writes it, beside its line.
    assert f"line {FIRST_LINE} (Bad Email): invalid: Email Address:" in result.output
    assert "created 1 contact and 0 organizations" in result.output
    exported = run("export", "--user", "alice")
    assert [c["full_name"] for c in orjson.loads(exported.stdout_bytes)["contacts"]] == [
        "Ada Lovelace"
    ]


@pytest.mark.parametrize(
    ("command", "name", "body"),
    [
        (
            "import-vcard",
            "phone.vcf",
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEND:VCARD\r\n",
        ),
        ("import-google", "contacts.csv", "First Name,Last Name,E-mail 1 - Value\nAda,Lovelace,\n"),
    ],
)
def test_old_commands_are_the_import_of_their_format(
    data_dir: Path, command: str, name: str, body: str
) -> None:
    source = data_dir / name
    source.write_text(body)
    checked = run(command, "--user", "alice", "--dry-run", str(source))
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"format {command.removeprefix('import-')}")
    assert "dry run, nothing written: would create 1 contact and 0 organizations" in checked.output
    imported = run(command, "--user", "alice", str(source))
    assert "created 1 contact and 0 organizations" in imported.output
    again = run(command, "--user", "alice", str(source))
    assert "1 row: 0 new, 1 duplicate, 0 invalid" in again.output
    assert "created 0 contacts" in again.output


def test_an_old_command_refuses_a_file_of_another_format(data_dir: Path) -> None:
    source = data_dir / "Connections.csv"
    source.write_text(connections_csv([person("Grace", "Hopper", "grace")]))
    result = run("import-vcard", "--user", "alice", str(source))
    assert result.exit_code == 1
    assert "BEGIN:VCARD" in result.output


def test_unknown_user_fails(data_dir: Path) -> None:
    result = run("export", "--user", "nobody")
    assert result.exit_code == 1 and "No user named 'nobody'" in result.output


def test_matched_contacts_are_filled_only_when_asked(data_dir: Path) -> None:
    first = data_dir / "first.csv"
    first.write_text(connections_csv([person("Grace", "Hopper", "grace", company="Navy")]))
    assert run("import-linkedin", "--user", "alice", str(first)).exit_code == 0
    again = data_dir / "again.csv"
    again.write_text(
        connections_csv([person("Grace", "Hopper", "grace", email="grace@navy.example")])
    )
    plain = run("import", "--user", "alice", "--dry-run", str(again))
    assert plain.exit_code == 0, plain.output
    assert "would create 0 contacts and 0 organizations" in plain.output
    assert "matched contacts are left as they are (--update-empty fills their empty fields)" in (
        plain.output
    )
    filling = run("import", "--user", "alice", "--dry-run", "--update-empty", str(again))
    assert filling.exit_code == 0, filling.output
    assert "1 matched contact would get empty fields filled" in filling.output
    assert "(same LinkedIn profile); fills Email" in filling.output  # labels, not field names
