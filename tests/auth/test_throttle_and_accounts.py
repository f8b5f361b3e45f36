"""Login throttling (slowed down, never locked), no user enumeration, first-run setup, sign-up and the admin user list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from app.auth import service
from app.auth.models import LoginFailure, User
from app.config import Settings
from app.errors import RateLimited, Unauthorized
from app.main import create_app
from tests.conftest import PASSWORD, WebClient, login

REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def _fail(db: Session, settings: Settings, username: str, ip: str) -> None:
    with pytest.raises(Unauthorized):
        service.authenticate(db, settings, username, "wrong password!", ip)


def _age_attempts(db: Session, seconds: float) -> None:
    """Move every recorded attempt into the past, as if that much time had gone by."""
    for row in db.scalars(select(LoginFailure)):
        row.at -= timedelta(seconds=seconds)
        db.add(row)
    db.commit()


def _throttled(db: Session, settings: Settings, username: str, ip: str) -> int:
    with pytest.raises(RateLimited) as caught:
        service.authenticate(db, settings, username, PASSWORD, ip)
    return caught.value.retry_after


# ---- throttling -----------------------------------------------------------------------


def test_failures_from_one_address_never_stop_the_user_at_another(
    db: Session, settings: Settings, make_user: Callable[..., User]
) -> None:
    carol = make_user("carol")
    for _ in range(settings.login_free_failures * 2):
        try:
            _fail(db, settings, "CAROL", "198.51.100.7")
        except RateLimited as slowed:  # wait as told, then fail again
            _age_attempts(db, slowed.retry_after)
            _fail(db, settings, "CAROL", "198.51.100.7")
    assert _throttled(db, settings, "carol", "198.51.100.7") >= 1
    assert service.authenticate(db, settings, "carol", PASSWORD, "203.0.113.5").id == carol.id


def test_ten_wrong_passwords_for_carol_from_a_leave_her_signing_in_from_b(
    app: FastAPI, settings: Settings, make_user: Callable[..., User]
) -> None:
    make_user("carol")
    wrong = {"username": "carol", "password": "wrong password!"}
    with (
        TestClient(app, client=("198.51.100.7", 40000)) as attacker,
        TestClient(app, client=("203.0.113.9", 40001)) as carol,
    ):
        answers = [attacker.post("/login", data=wrong).status_code for _ in range(12)]
        signed_in = carol.post(
            "/login", data={"username": "carol", "password": PASSWORD}, follow_redirects=False
        )
    assert answers[: settings.login_free_failures] == [401] * settings.login_free_failures
    assert answers[-1] == 429  # the attacker is slowed down...
    assert signed_in.status_code == 303  # ...carol, elsewhere, is not


def test_the_pair_is_slowed_down_not_locked(db: Session, settings: Settings, user: User) -> None:
    for _ in range(settings.login_free_failures):
        _fail(db, settings, "alice", "198.51.100.1")
    wait = _throttled(db, settings, "alice", "198.51.100.1")
    assert 1 <= wait <= 2
    _age_attempts(db, wait)
    assert service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.1").id == user.id


def test_delays_double_up_to_the_maximum(db: Session, settings: Settings, user: User) -> None:
    settings = settings.model_copy(update={"login_free_failures": 2, "login_max_delay_seconds": 20})
    for _ in range(2):
        _fail(db, settings, "alice", "198.51.100.1")
    waits = []
    for _ in range(7):
        waits.append(_throttled(db, settings, "alice", "198.51.100.1"))
        _age_attempts(db, waits[-1])
        _fail(db, settings, "alice", "198.51.100.1")
    # The window forgets: past it, the count starts again.
    _age_attempts(db, settings.login_window_minutes * 60)
    assert service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.1").id == user.id
    assert waits == [1, 2, 4, 8, 16, 20, 20]


def test_nine_failures_still_let_the_right_password_in(
    db: Session, settings: Settings, user: User
) -> None:
    for _ in range(settings.login_free_failures - 1):
        _fail(db, settings, "alice", "198.51.100.1")
    assert service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.1").id == user.id


def test_many_unknown_usernames_from_one_address_slow_that_address_briefly(
    db: Session, settings: Settings, user: User
) -> None:
    for n in range(settings.login_address_free_failures):
        _fail(db, settings, f"nobody{n}", "198.51.100.9")
    wait = _throttled(db, settings, "alice", "198.51.100.9")
    assert 1 <= wait <= 2
    assert service.authenticate(db, settings, "alice", PASSWORD, "203.0.113.5").id == user.id
    _age_attempts(db, wait)
    assert service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.9").id == user.id


def test_a_success_forgives_the_pair_but_not_the_address(
    db: Session, settings: Settings, user: User
) -> None:
    for n in range(settings.login_address_free_failures - 1):
        _fail(db, settings, f"nobody{n}", "198.51.100.9")
    assert service.authenticate(db, settings, "alice", PASSWORD, "198.51.100.9").id == user.id
    _fail(db, settings, "nobody-else", "198.51.100.9")
    assert _throttled(db, settings, "someone", "198.51.100.9") >= 1


def test_a_throttled_attempt_costs_no_password_hashing(
    db: Session, settings: Settings, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The address is throttled too, so an unknown username there is refused the same way.
    settings = settings.model_copy(
        update={"login_address_free_failures": settings.login_free_failures}
    )
    for _ in range(settings.login_free_failures):
        _fail(db, settings, "alice", "198.51.100.1")
    # The first wait is one second after the latest failure, and that failure's own password
    # check (argon2) can take most of it on a loaded machine: start the clock now.
    _age_attempts(db, -5)
    hashed: list[str] = []
    real = service.verify_password

    def counting(password: str, password_hash: str | None) -> tuple[bool, str | None]:
        hashed.append(password)
        return real(password, password_hash)

    monkeypatch.setattr(service, "verify_password", counting)
    for _ in range(20):
        _throttled(db, settings, "alice", "198.51.100.1")
        _throttled(db, settings, "ghost", "198.51.100.1")
    assert hashed == []


def test_throttled_known_and_unknown_usernames_get_the_same_answer(
    app: FastAPI, settings: Settings, user: User
) -> None:
    answers = []
    for username in ("alice", "nobody-here"):
        with TestClient(app, client=("198.51.100.3", 40000)) as client:
            wrong = {"username": username, "password": "wrong password!"}
            for _ in range(settings.login_free_failures):
                assert client.post("/login", data=wrong).status_code == 401
            page = client.post("/login", data=wrong)
        answers.append((page.status_code, _normalised(page.text.replace(username, "<u>"))))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429


def test_login_page_answers_429_with_retry_after(
    client: TestClient, settings: Settings, user: User
) -> None:
    for _ in range(settings.login_free_failures):
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
    for _ in range(settings.login_free_failures):
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    blocked = client.post("/api/v1/auth/token", json={**body, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.headers["content-type"].startswith("application/problem+json")
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["status"] == 429


def test_attempts_are_stored_without_the_typed_username(
    db: Session, settings: Settings, user: User
) -> None:
    _fail(db, settings, "my secret passphrase typed in the wrong box", "198.51.100.1")
    keys = list(db.scalars(select(LoginFailure.key)))
    db.rollback()
    assert len(keys) == 2 and not any("passphrase" in key for key in keys)


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
