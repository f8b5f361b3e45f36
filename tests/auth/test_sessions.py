"""Server-side sessions: rotation, logout, password change, disabling, expiry, cookie flags."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from app.auth import service
from app.auth.models import User, UserSession
from app.config import Settings
from app.db import utcnow
from app.main import create_app
from tests.conftest import PASSWORD, ApiClient, WebClient
from tests.statements import forget_credentials

COOKIE = "rapport_session"


def _login(client: TestClient, username: str = "alice", password: str = PASSWORD) -> str:
    response = client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return client.cookies[COOKIE]


def _is_signed_in(app: FastAPI, cookie: str) -> bool:
    with TestClient(app) as probe:
        probe.cookies.set(COOKIE, cookie)
        return probe.get("/account", follow_redirects=False).status_code == 200


def test_cookie_is_httponly_samesite_lax_and_not_secure_over_http(
    client: TestClient, user: User
) -> None:
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    assert "Secure" not in cookie


def test_cookie_is_host_prefixed_and_secure_over_https(
    settings: Settings, engine: Engine, user: User
) -> None:
    https_app = create_app(
        settings=settings.model_copy(update={"base_url": "https://rapport.example"}),
        engine=engine,
    )
    with TestClient(https_app, base_url="https://rapport.example") as client:
        response = client.post(
            "/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False
        )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-rapport_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_session_id_rotates_at_login_and_the_old_one_dies(
    app: FastAPI, client: TestClient, user: User
) -> None:
    first = _login(client)
    second = _login(client)
    assert first != second
    assert not _is_signed_in(app, first)
    assert _is_signed_in(app, second)


def test_cookie_is_stored_only_as_a_hash(client: TestClient, user: User, db: Session) -> None:
    cookie = _login(client)
    rows = db.scalars(select(UserSession)).all()
    assert rows and all(cookie not in (r.id_hash, r.csrf_token) for r in rows)


def test_old_cookie_is_rejected_after_logout(app: FastAPI, web: WebClient, user: User) -> None:
    cookie = web.cookies[COOKIE]
    response = web.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert not _is_signed_in(app, cookie)
    # Replaying the old cookie by hand gets the login page, not the account.
    with TestClient(app) as replay:
        replay.cookies.set(COOKIE, cookie)
        page = replay.get("/account", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_password_change_signs_out_other_sessions_but_not_this_one(
    app: FastAPI, user: User, web_client_for: Callable[..., WebClient]
) -> None:
    here = web_client_for(user)
    elsewhere = web_client_for(user)
    response = here.form_post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 200, response.text
    assert "other sessions were signed out" in response.text
    assert _is_signed_in(app, here.cookies[COOKIE])
    assert not _is_signed_in(app, elsewhere.cookies[COOKIE])


def test_disabled_users_cookie_and_token_are_rejected(
    app: FastAPI,
    db: Session,
    make_user: Callable[..., User],
    user: User,
    api: ApiClient,
    web: WebClient,
) -> None:
    admin = make_user("root", is_admin=True)
    assert api.get("/api/v1/me").status_code == 200
    service.set_user_active(db, admin, user.id, active=False)  # type: ignore[arg-type]
    assert api.get("/api/v1/me").status_code == 401
    assert not _is_signed_in(app, web.cookies[COOKIE])
    with TestClient(app) as client:
        again = client.post(
            "/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False
        )
    assert again.status_code == 401
    # Enabling the account again does not bring back the revoked session or token.
    service.set_user_active(db, admin, user.id, active=True)  # type: ignore[arg-type]
    assert api.get("/api/v1/me").status_code == 401
    assert not _is_signed_in(app, web.cookies[COOKIE])


def test_idle_session_expires(
    app: FastAPI, db: Session, settings: Settings, web: WebClient, user: User
) -> None:
    idle = timedelta(minutes=settings.session_idle_minutes + 1)
    db.execute(update(UserSession).values(last_seen_at=utcnow() - idle))
    db.commit()
    forget_credentials()  # a Core update, as another worker's: no recent copy may answer
    assert not _is_signed_in(app, web.cookies[COOKIE])


def test_session_past_its_absolute_lifetime_expires_even_when_active(
    app: FastAPI, db: Session, web: WebClient, user: User
) -> None:
    db.execute(
        update(UserSession).values(
            last_seen_at=utcnow(), expires_at=utcnow() - timedelta(seconds=1)
        )
    )
    db.commit()
    forget_credentials()  # a Core update, as another worker's: no recent copy may answer
    assert not _is_signed_in(app, web.cookies[COOKIE])


def test_sessions_last_the_configured_absolute_lifetime(
    db: Session, settings: Settings, web: WebClient, user: User
) -> None:
    row = db.scalars(select(UserSession)).one()
    lifetime = row.expires_at - row.created_at
    assert lifetime == timedelta(days=settings.session_absolute_days)


def test_a_user_can_sign_out_another_session_of_theirs(
    app: FastAPI, db: Session, user: User, web_client_for: Callable[..., WebClient]
) -> None:
    here = web_client_for(user)
    elsewhere = web_client_for(user)
    other_id = next(
        s.id for s in service.list_sessions(db, user) if _same(s, elsewhere.cookies[COOKIE])
    )
    db.rollback()  # end the read: the arranging session must not hold SQLite's write lock
    response = here.form_post(f"/account/sessions/{other_id}/revoke", {}, follow_redirects=False)
    assert response.status_code == 303
    assert not _is_signed_in(app, elsewhere.cookies[COOKIE])
    assert _is_signed_in(app, here.cookies[COOKIE])


def _same(row: UserSession, cookie: str) -> bool:
    return row.id_hash == hashlib.sha256(cookie.encode()).hexdigest()
