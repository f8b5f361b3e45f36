"""The ``rapport`` command against a throwaway data directory (SQLite, migrated by the CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from typer.testing import CliRunner

from app.auth import service
from app.cli import app as cli
from app.config import Settings, get_settings
from app.db import make_engine, open_session
from app.main import create_app

PASSWORD = "a command line passphrase"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """RAPPORT_* pointing at an empty data directory; settings re-read for each test."""
    for name in ("RAPPORT_DATABASE_URL", "RAPPORT_ENV", "RAPPORT_ALLOW_SIGNUP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "c" * 48)
    monkeypatch.setenv("RAPPORT_LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str, stdin: str | None = None) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.fixture
def migrated(data_dir: Path) -> Path:
    result = run("migrate")
    assert result.exit_code == 0, result.output
    return data_dir


def _database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'rapport.db'}"


def test_migrate_creates_the_schema(data_dir: Path) -> None:
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    engine = make_engine(_database_url(data_dir))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"users", "user_sessions", "api_tokens", "alembic_version"} <= tables


def test_create_user_admin_from_stdin(migrated: Path) -> None:
    result = run("create-user", "root", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created admin user root" in result.output
    engine = make_engine(_database_url(migrated))
    with open_session(engine) as session:
        user = service.get_user_by_username(session, "root")
        assert user.is_admin and user.password_hash.startswith("$argon2id$")
    engine.dispose()


def test_create_user_refuses_duplicates_and_weak_passwords(migrated: Path) -> None:
    assert run("create-user", "root", "--password-stdin", stdin=PASSWORD).exit_code == 0
    again = run("create-user", "ROOT", "--password-stdin", stdin=PASSWORD)
    assert again.exit_code == 1
    assert "taken" in again.output
    weak = run("create-user", "other", "--password-stdin", stdin="password\n")
    assert weak.exit_code == 1
    assert "too common" in weak.output
    bad_name = run("create-user", "-no spaces-", "--password-stdin", stdin=PASSWORD)
    assert bad_name.exit_code != 0


def test_create_token_prints_a_token_that_works(migrated: Path) -> None:
    assert run("create-user", "root", "--password-stdin", stdin=PASSWORD).exit_code == 0
    result = run("create-token", "root", "--scopes", "read", "--name", "laptop")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("rpt_")
    get_settings.cache_clear()
    app = create_app(Settings())
    with TestClient(app) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        write = client.patch(
            "/api/v1/me", json={"display_name": "x"}, headers={"Authorization": f"Bearer {token}"}
        )
    app.state.engine.dispose()
    assert me.status_code == 200 and me.json()["username"] == "root"
    assert write.status_code == 403  # the token was made read-only


def test_create_token_for_an_unknown_user_fails(migrated: Path) -> None:
    result = run("create-token", "ghost")
    assert result.exit_code == 1
    assert "ghost" in result.output


def test_reset_password_changes_it_and_signs_out_every_session(migrated: Path) -> None:
    assert run("create-user", "root", "--password-stdin", stdin=PASSWORD).exit_code == 0
    get_settings.cache_clear()
    app = create_app(Settings())
    with TestClient(app) as browser:
        login = browser.post(
            "/login", data={"username": "root", "password": PASSWORD}, follow_redirects=False
        )
        assert login.status_code == 303

        result = run("reset-password", "root", "--password-stdin", stdin="a brand new passphrase")
        assert result.exit_code == 0, result.output
        assert browser.get("/account", follow_redirects=False).status_code == 303
        old = browser.post("/login", data={"username": "root", "password": PASSWORD})
        new = browser.post(
            "/login",
            data={"username": "root", "password": "a brand new passphrase"},
            follow_redirects=False,
        )
    app.state.engine.dispose()
    assert old.status_code == 401
    assert new.status_code == 303


def test_reset_password_for_an_unknown_user_fails(migrated: Path) -> None:
    result = run("reset-password", "ghost", "--password-stdin", stdin=PASSWORD)
    assert result.exit_code == 1


def test_check_passes_on_a_sound_configuration(migrated: Path) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "ok: env=development" in result.output


def test_check_reports_unsafe_production_settings(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_ENV", "production")
    monkeypatch.delenv("RAPPORT_SECRET_KEY")
    result = run("check")
    assert result.exit_code == 1
    assert "RAPPORT_SECRET_KEY" in result.output
    assert "RAPPORT_DATABASE_URL" in result.output


def test_check_reports_an_unreachable_database(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite:///{data_dir / 'no' / 'such' / 'x.db'}")
    result = run("check")
    assert result.exit_code == 1
    assert "database unreachable" in result.output


def test_no_arguments_shows_help(data_dir: Path) -> None:
    result = run()
    for command in ("serve", "migrate", "create-user", "reset-password", "create-token", "check"):
        assert command in result.output
