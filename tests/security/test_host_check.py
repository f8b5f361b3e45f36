"""The Host check: only the host of RAPPORT_BASE_URL (plus RAPPORT_ALLOWED_HOSTS, plus the
loopback names in development) is served; anything else is a 400 before any handler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.auth import service
from app.auth.models import User
from app.config import Settings
from app.main import create_app
from tests.conftest import PASSWORD, ApiClient

ATTACKER = "attacker.example"


def _app(settings: Settings, engine: Engine, **overrides: Any) -> FastAPI:
    return create_app(settings=settings.model_copy(update=overrides), engine=engine)


@pytest.fixture
def dev_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = _app(settings, engine, env="development", base_url="http://127.0.0.1:8000")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


def _unknown_host(response: Any) -> None:
    assert response.status_code == 400, response.text
    assert "host" in response.text.lower()


def test_login_with_a_foreign_host_and_matching_origin_is_400(
    client: TestClient, user: User, db: Session
) -> None:
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        headers={"Host": ATTACKER, "Origin": f"http://{ATTACKER}"},
        follow_redirects=False,
    )
    _unknown_host(response)
    assert "set-cookie" not in response.headers
    assert service.list_sessions(db, user) == []


def test_setup_before_the_first_account_is_400_under_a_foreign_host(
    client: TestClient, db: Session
) -> None:
    headers = {"Host": ATTACKER, "Origin": f"http://{ATTACKER}"}
    _unknown_host(client.get("/setup", headers=headers))
    response = client.post(
        "/setup",
        data={"username": "first", "password": PASSWORD, "password_confirm": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    _unknown_host(response)
    assert service.count_users(db) == 0


def test_api_answers_a_problem_under_a_foreign_host(api: ApiClient) -> None:
    response = api.get("/api/v1/me", headers={"Host": f"{ATTACKER}:8000"})
    _unknown_host(response)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 400
    # The refusal still carries the security headers.
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["testserver", "TESTSERVER", "testserver.", "testserver:8443"])
def test_the_base_url_host_is_served_in_any_spelling(client: TestClient, host: str) -> None:
    assert client.get("/login", headers={"Host": host}, follow_redirects=False).status_code != 400


@pytest.mark.parametrize("host", ["", "testserver.attacker.example", "testserver@evil", "[::1]"])
def test_near_misses_are_refused(client: TestClient, host: str) -> None:
    _unknown_host(client.get("/login", headers={"Host": host}))


def test_probes_answer_under_any_host(client: TestClient) -> None:
    # Docker's HEALTHCHECK dials 127.0.0.1 whatever the public name is.
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/readyz", headers={"Host": "10.1.2.3"}).status_code == 200


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"])
def test_development_also_answers_to_loopback_names(dev_client: TestClient, host: str) -> None:
    response = dev_client.get("/login", headers={"Host": host}, follow_redirects=False)
    assert response.status_code != 400


def test_development_still_refuses_other_names(dev_client: TestClient) -> None:
    _unknown_host(dev_client.get("/login", headers={"Host": ATTACKER}))


def test_production_answers_only_to_its_names(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    app = _app(
        settings,
        engine,
        env="production",
        base_url="https://rapport.example",
        allowed_hosts=["rapport.internal"],
    )
    with TestClient(app, base_url="https://rapport.example") as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/login", follow_redirects=False).status_code != 400
        internal = client.get("/login", headers={"Host": "rapport.internal"})
        assert internal.status_code != 400
        _unknown_host(client.get("/login", headers={"Host": "localhost"}))
        _unknown_host(client.get("/login", headers={"Host": "127.0.0.1"}))


def test_allowed_hosts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_ALLOWED_HOSTS", "Rapport.Internal, 10.0.0.7:8000,[fd00::7]")
    settings = Settings(env="production", secret_key="k" * 40, database_url="sqlite://")
    assert settings.served_hosts == {"127.0.0.1", "rapport.internal", "10.0.0.7", "fd00::7"}
