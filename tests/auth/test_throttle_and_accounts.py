"""Login throttling, no user enumeration, first-run setup, sign-up and the admin user list."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.auth import service
from app.auth.models import User
from app.config import Settings
from app.errors import RateLimited, Unauthorized
from app.main import create_app
from tests.conftest import PASSWORD, WebClient, login

REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def _fail(db: Session, settings: Settings, username: str, ip: str) -> None:
    with pytest.raises(Unauthorized):
        service.authenticate(db, settings, username, "wrong password!", ip)


# ---- throttling -----------------------------------------------------------------------


def test_ten_failures_for_one_username_block_it_from_any_address(
    db: Session, settings: Settings, user: User
) -> None:
    for n in range(settings.login_max_failures):
        _fail(db, settings, "ALICE", f"198.51.100.{n}")
    with pytest.raises(RateLimited) as caught:
        service.authenticate(db, settings, "alice", PASSWORD, "203.0.113.77")
    assert 1 <= caught.value.retry_after <= settings.login_window_minutes * 60 + 1


def test_ten_failures_from_one_address_block_that_address_only(
    db: Session, settings: Settings, user: User
) -> None:
    for n in range(settings.login_max_failures):
        _fail(db, settings, f"nobody{n}", "198.51.100.9")
    with pytest.raises(RateLimited):
        service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.9")
    assert service.authenticate(db, settings, "alice", PASSWORD, "203.0.113.5").id == user.id


def test_nine_failures_still_let_the_right_password_in(
    db: Session, settings: Settings, user: User
) -> None:
    for _ in range(settings.login_max_failures - 1):
        _fail(db, settings, "alice", "198.51.100.1")
    assert service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.1").id == user.id


def test_login_page_answers_429_with_retry_after(
    client: TestClient, settings: Settings, user: User
) -> None:
    for _ in range(settings.login_max_failures):
        bad = client.post("/login", data={"username": "alice", "password": "wrong password!"})
        assert bad.status_code == 401
    blocked = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    alert = BeautifulSoup(blocked.text, "html.parser").find(role="alert")
    assert alert is not None and "Too many failed sign-in attempts" in alert.get_text()


def test_token_endpoint_answers_429_problem_with_retry_after(
    client: TestClient, settings: Settings, user: User
) -> None:
    body = {"username": "alice", "password": "wrong password!", "name": "x"}
    for _ in range(settings.login_max_failures):
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    blocked = client.post("/api/v1/auth/token", json={**body, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.headers["content-type"].startswith("application/problem+json")
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["status"] == 429


# ---- no user enumeration ---------------------------------------------------------------


def _normalised(text: str) -> str:
    return REQUEST_ID.sub("<id>", text)


def test_unknown_user_and_wrong_password_get_the_same_answer(
    make_user: Callable[..., User], app: FastAPI
) -> None:
    make_user("alice")
    make_user("dora", is_admin=True)
    answers = []
    for username, password in [("alice", "wrong password!"), ("nobody-here", "wrong password!")]:
        # A fresh client each time: no cookies, and throttling far from its limit.
        with TestClient(app) as client:
            page = client.post("/login", data={"username": username, "password": password})
            token = client.post(
                "/api/v1/auth/token",
                json={"username": username, "password": password, "name": "x"},
            )
        answers.append(
            (
                page.status_code,
                _normalised(page.text.replace(username, "<u>")),
                token.status_code,
                _normalised(token.text),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 401 and answers[0][2] == 401


def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(
    db: Session, settings: Settings, make_user: Callable[..., User]
) -> None:
    admin = make_user("root", is_admin=True)
    target = make_user("bea")
    service.set_user_active(db, admin, target.id, active=False)  # type: ignore[arg-type]
    with pytest.raises(Unauthorized) as disabled:
        service.authenticate(db, settings, "bea", PASSWORD, "192.0.2.1")
    with pytest.raises(Unauthorized) as wrong:
        service.authenticate(db, settings, "root", "wrong password!", "192.0.2.1")
    assert disabled.value.detail == wrong.value.detail


# ---- setup and sign-up ------------------------------------------------------------------


def test_setup_is_open_only_while_no_account_exists(client: TestClient, db: Session) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/setup"
    assert client.get("/login", follow_redirects=False).headers["location"] == "/setup"
    form = client.get("/setup")
    assert form.status_code == 200
    soup = BeautifulSoup(form.text, "html.parser")
    for name in ("username", "password", "password_confirm"):
        field = soup.find("input", attrs={"name": name})
        assert field is not None and soup.find("label", attrs={"for": field["id"]}) is not None

    done = client.post(
        "/setup",
        data={"username": "first", "password": PASSWORD, "password_confirm": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    first = service.get_user_by_username(db, "first")
    assert first.is_admin
    db.rollback()

    with TestClient(client.app) as stranger:
        assert stranger.get("/setup", follow_redirects=False).headers["location"] == "/login"
        again = stranger.post(
            "/setup",
            data={"username": "second", "password": PASSWORD, "password_confirm": PASSWORD},
            follow_redirects=False,
        )
    assert again.status_code == 303 and again.headers["location"] == "/login"
    assert service.count_users(db) == 1


def test_setup_form_keeps_what_was_typed_but_never_the_password(client: TestClient) -> None:
    response = client.post(
        "/setup",
        data={
            "username": "first",
            "display_name": "First Person",
            "password": PASSWORD,
            "password_confirm": PASSWORD + "x",
        },
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find("input", attrs={"name": "username"})["value"] == "first"
    assert soup.find("input", attrs={"name": "display_name"})["value"] == "First Person"
    assert PASSWORD not in response.text
    assert "do not match" in response.text


def test_sign_up_is_closed_unless_allowed(
    client: TestClient, user: User, settings: Settings, engine: Engine
) -> None:
    assert client.get("/signup").status_code == 403
    closed = client.post(
        "/signup", data={"username": "newbie", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert closed.status_code == 403

    open_app = create_app(
        settings=settings.model_copy(update={"allow_signup": True}), engine=engine
    )
    with TestClient(open_app) as visitor:
        assert visitor.get("/signup").status_code == 200
        made = visitor.post(
            "/signup",
            data={"username": "newbie", "password": PASSWORD, "password_confirm": PASSWORD},
            follow_redirects=False,
        )
        assert made.status_code == 303
        me = visitor.get("/account")
        assert me.status_code == 200 and "newbie" in me.text


# ---- admin ------------------------------------------------------------------------------


def test_non_admin_gets_403_on_the_admin_pages(web: WebClient, other_user: User) -> None:
    assert web.get("/admin/users").status_code == 403
    assert web.form_post("/admin/users", {"username": "x", "password": PASSWORD}).status_code == 403
    assert web.form_post(f"/admin/users/{other_user.id}/disable", {}).status_code == 403


def test_admin_creates_and_disables_users(
    app: FastAPI,
    db: Session,
    make_user: Callable[..., User],
    web_client_for: Callable[..., WebClient],
) -> None:
    admin = make_user("root", is_admin=True)
    admin_id = admin.id
    admin_web = web_client_for(admin)
    page = admin_web.get("/admin/users")
    assert page.status_code == 200

    created = admin_web.form_post(
        "/admin/users", {"username": "carol", "password": "carol's own passphrase"}
    )
    assert created.status_code == 200, created.text
    assert "Created carol" in created.text
    carol = service.get_user_by_username(db, "carol")
    carol_id, carol_is_admin = carol.id, carol.is_admin
    db.rollback()  # end the read: the arranging session must not hold SQLite's write lock
    assert not carol_is_admin

    weak = admin_web.form_post("/admin/users", {"username": "dave", "password": "password"})
    assert weak.status_code == 422 and "too common" in weak.text

    carol_web = login(WebClient(app), "carol", "carol's own passphrase")
    disabled = admin_web.form_post(f"/admin/users/{carol_id}/disable", {}, follow_redirects=False)
    assert disabled.status_code == 303
    assert carol_web.get("/account", follow_redirects=False).status_code == 303
    own = admin_web.form_post(f"/admin/users/{admin_id}/disable", {})
    assert own.status_code == 409
    carol_web.close()
