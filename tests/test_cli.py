"""The ``rapport`` command against a throwaway data directory (SQLite, migrated by the CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    for name in (
        "RAPPORT_DATABASE_URL",
        "RAPPORT_ENV",
        "RAPPORT_ALLOW_SIGNUP",
        "RAPPORT_TRUSTED_PROXIES",
        "RAPPORT_MAX_TOKEN_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    # The host TestClient sends; the Host check refuses any other.
    monkeypatch.setenv("RAPPORT_BASE_URL", "http://testserver")
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


def test_create_token_never_is_explicit_and_the_maximum_holds(
    migrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("create-user", "root", "--password-stdin", stdin=PASSWORD).exit_code == 0
    forever = run("create-token", "root", "--expires-in-days", "never")
    assert forever.exit_code == 0, forever.output
    assert run("create-token", "root", "--expires-in-days", "0").exit_code == 1
    monkeypatch.setenv("RAPPORT_MAX_TOKEN_DAYS", "30")
    capped = run("create-token", "root", "--expires-in-days", "never")
    assert capped.exit_code == 1 and "30 days" in capped.output
    assert run("create-token", "root", "--expires-in-days", "30").exit_code == 0


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
        assert "signed out 1 session\n" in result.output
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


def test_reset_password_revokes_every_api_token(migrated: Path) -> None:
    assert run("create-user", "root", "--password-stdin", stdin=PASSWORD).exit_code == 0
    tokens = [run("create-token", "root", "--name", name).output.split()[-1] for name in "ab"]
    result = run("reset-password", "root", "--password-stdin", stdin="a brand new passphrase")
    assert result.exit_code == 0, result.output
    assert "revoked 2 API tokens: a, b" in result.output
    get_settings.cache_clear()
    app = create_app(Settings())
    with TestClient(app) as client:
        answers = [
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"}).status_code
            for t in tokens
        ]
    app.state.engine.dispose()
    assert answers == [401, 401]


def _served_with(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    result = run("serve", "--no-migrate")
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    return calls[0]


def test_serve_believes_no_forwarded_headers_by_default(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = _served_with(monkeypatch)
    assert options["proxy_headers"] is False
    assert options["forwarded_allow_ips"] == []


def test_serve_gives_slow_starting_workers_time(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _served_with(monkeypatch)["timeout_worker_healthcheck"] >= 30


def test_serve_passes_the_trusted_proxies_to_uvicorn(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_TRUSTED_PROXIES", "10.0.0.5, 192.168.1.0/24")
    options = _served_with(monkeypatch)
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["10.0.0.5", "192.168.1.0/24"]


def test_a_trusted_proxy_must_be_an_address(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_TRUSTED_PROXIES", "proxy.internal")
    result = run("check")
    assert result.exit_code == 1
    assert "not an IP address" in result.output


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
