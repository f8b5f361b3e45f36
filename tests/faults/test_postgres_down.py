"""PostgreSQL going away while the app serves: quick 503s with Retry-After, /readyz says so,
and service comes back by itself when the database does.

The app reaches the test database through bench.faults.pgproxy, which the test cuts; the
machine's PostgreSQL keeps running for everyone else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.auth.models import User
from app.config import Settings
from app.main import create_app
from bench.faults.pgproxy import PgProxy

pytestmark = pytest.mark.postgres
CONNECT_TIMEOUT = 2


@pytest.fixture
def proxy(database_url: str) -> Iterator[PgProxy]:
    url = make_url(database_url)
    forwarder = PgProxy(url.host or "127.0.0.1", url.port or 5432)
    yield forwarder
    forwarder.close()


@pytest.fixture
def proxied(
    proxy: PgProxy,
    database_url: str,
    engine: object,  # the schema exists before the proxied app starts
    tmp_path: Path,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
) -> Iterator[TestClient]:
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url=make_url(database_url)
        .set(host="127.0.0.1", port=proxy.port)
        .render_as_string(hide_password=False),
        secret_key="t" * 48,
        base_url="http://testserver",
        log_level="WARNING",
        db_connect_timeout=CONNECT_TIMEOUT,
        db_pool_timeout=2,
    )
    app = create_app(settings)
    token = make_token(make_user("pgdown"))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    app.state.engine.dispose()


def _assert_unavailable(client: TestClient, method: str, path: str, **kwargs: object) -> float:
    started = time.monotonic()
    response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503 and "unavailable" in body["detail"]
    assert "Traceback" not in response.text and "psycopg" not in response.text
    return elapsed


def test_database_stopped_gives_quick_503s_and_service_returns_by_itself(
    proxied: TestClient, proxy: PgProxy
) -> None:
    assert proxied.get("/api/v1/contacts").status_code == 200
    assert proxied.post("/api/v1/contacts", json={"full_name": "Before"}).status_code == 201
    assert proxied.get("/readyz").json()["status"] == "ready"

    proxy.set_mode("refuse")  # PostgreSQL stops: connections dropped, port closed
    assert _assert_unavailable(proxied, "GET", "/api/v1/contacts") < CONNECT_TIMEOUT + 1
    assert (
        _assert_unavailable(proxied, "POST", "/api/v1/contacts", json={"full_name": "During"})
        < CONNECT_TIMEOUT + 1
    )
    ready = proxied.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"

    proxy.set_mode("hang")  # a dead network path: only the connect timeout ends the wait
    assert _assert_unavailable(proxied, "GET", "/api/v1/contacts") < CONNECT_TIMEOUT + 2

    proxy.set_mode("forward")  # back, with no restart of the app
    listed = proxied.get("/api/v1/contacts")
    assert listed.status_code == 200
    assert [c["full_name"] for c in listed.json()["items"]] == ["Before"]  # "During" never saved
    assert proxied.post("/api/v1/contacts", json={"full_name": "After"}).status_code == 201
    assert proxied.get("/readyz").json()["status"] == "ready"
