"""Client addresses: X-Forwarded-For is believed only from RAPPORT_TRUSTED_PROXIES, and an
arbitrary string never becomes an address (docs/security.md)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.auth.models import User, UserSession
from app.cli import proxy_options
from app.config import Settings
from app.web.middleware import client_ip
from tests.conftest import PASSWORD

PROXY = "10.0.0.5"


def _served(app: FastAPI, trusted: list[str]) -> ProxyHeadersMiddleware:
    """The app as ``rapport serve`` runs it: behind uvicorn's proxy-header handling."""
    options = proxy_options(trusted)
    assert options["proxy_headers"]
    return ProxyHeadersMiddleware(app, trusted_hosts=options["forwarded_allow_ips"])  # type: ignore[arg-type]


@pytest.fixture
def via_proxy(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(_served(app, [PROXY]), client=(PROXY, 50000)) as client:  # type: ignore[arg-type]
        yield client


def _login_address(client: TestClient, db: Session, forwarded: str | None) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    address = db.scalars(select(UserSession.ip_address).order_by(UserSession.id.desc())).first()
    db.rollback()  # end the read: the arranging session must not hold SQLite's write lock
    assert address is not None
    return address


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("203.0.113.4", "203.0.113.4"),
        ("2001:0db8:0000::0001", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("testclient", "unknown"),
        ("203.0.113.4, 198.51.100.1", "unknown"),
        ("", "unknown"),
        ("x" * 500, "unknown"),
    ],
)
def test_client_ip_is_an_address_or_unknown(host: str, expected: str) -> None:
    assert client_ip(SimpleNamespace(client=SimpleNamespace(host=host))) == expected
    assert client_ip(SimpleNamespace(client=None)) == "unknown"


def test_by_default_forwarded_headers_are_ignored(
    app: FastAPI, db: Session, user: User, settings: Settings
) -> None:
    assert settings.trusted_proxies == []
    assert proxy_options(settings.trusted_proxies)["proxy_headers"] is False
    with TestClient(app, client=("127.0.0.1", 50000)) as local:
        assert _login_address(local, db, "203.0.113.99") == "127.0.0.1"


def test_a_trusted_proxy_gives_the_client_address(
    via_proxy: TestClient, db: Session, user: User
) -> None:
    assert _login_address(via_proxy, db, "203.0.113.4") == "203.0.113.4"
    # nginx's $proxy_add_x_forwarded_for appends the peer: what the client wrote is ignored.
    assert _login_address(via_proxy, db, "1.1.1.1, 203.0.113.7") == "203.0.113.7"


def test_a_forwarded_string_that_is_not_an_address_is_unknown(
    via_proxy: TestClient, db: Session, user: User
) -> None:
    assert _login_address(via_proxy, db, "<script>evil</script>") == "unknown"


def test_an_untrusted_peer_cannot_pick_its_address(app: FastAPI, db: Session, user: User) -> None:
    served = _served(app, [PROXY])
    with TestClient(served, client=("198.51.100.2", 50000)) as direct:  # type: ignore[arg-type]
        assert _login_address(direct, db, "203.0.113.4") == "198.51.100.2"


def test_the_throttle_counts_the_forwarded_address(
    via_proxy: TestClient, settings: Settings, user: User
) -> None:
    wrong = {"username": "alice", "password": "wrong password!"}
    for _ in range(settings.login_free_failures + 1):
        via_proxy.post("/login", data=wrong, headers={"X-Forwarded-For": "203.0.113.4"})
    slowed = via_proxy.post("/login", data=wrong, headers={"X-Forwarded-For": "203.0.113.4"})
    assert slowed.status_code == 429
    other = via_proxy.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.8"},
        follow_redirects=False,
    )
    assert other.status_code == 303
