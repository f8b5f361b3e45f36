"""CSRF refusals for cookie-authenticated writes, bearer exemption, token scopes and storage."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from app.auth.models import User
from app.db import utcnow
from app.tokens.models import ApiToken
from tests.conftest import PASSWORD, ApiClient, WebClient

PROFILE_FORM = {"display_name": "Alice A.", "timezone": "UTC"}
CROSS_SITE = [
    ({"Origin": "https://evil.example"}, "Cross-origin"),
    ({"Sec-Fetch-Site": "cross-site"}, "Cross-site"),
    ({"Sec-Fetch-Site": "same-site"}, "Cross-site"),
    ({"Origin": "null"}, "Opaque-origin"),
]


def _display_name(db: Session, user: User) -> str:
    db.refresh(user)
    name = user.display_name
    db.rollback()
    return name


# ---- pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "why"), CROSS_SITE)
def test_page_form_from_another_site_is_refused(
    web: WebClient, db: Session, user: User, headers: dict[str, str], why: str
) -> None:
    response = web.form_post("/account/profile", PROFILE_FORM, headers=headers)
    assert response.status_code == 403
    assert why in response.text
    assert _display_name(db, user) != "Alice A."


def test_page_form_without_a_token_is_refused(web: WebClient, db: Session, user: User) -> None:
    response = TestClient.request(web, "POST", "/account/profile", data=PROFILE_FORM)
    assert response.status_code == 403
    assert "CSRF token" in response.text
    assert _display_name(db, user) != "Alice A."


def test_page_form_with_a_wrong_token_is_refused(web: WebClient, db: Session, user: User) -> None:
    response = TestClient.request(
        web, "POST", "/account/profile", data={**PROFILE_FORM, "csrf_token": "x" * 43}
    )
    assert response.status_code == 403
    assert _display_name(db, user) != "Alice A."


def test_another_sessions_token_does_not_work(
    user: User, web_client_for: Callable[..., WebClient], db: Session
) -> None:
    mine = web_client_for(user)
    theirs = web_client_for(user)
    response = TestClient.request(
        mine,
        "POST",
        "/account/profile",
        data={**PROFILE_FORM, "csrf_token": theirs.csrf_token},
    )
    assert response.status_code == 403


def test_page_form_with_token_in_the_body_works(web: WebClient, db: Session, user: User) -> None:
    response = web.form_post("/account/profile", PROFILE_FORM)
    assert response.status_code == 200, response.text
    assert _display_name(db, user) == "Alice A."


def test_page_form_with_token_in_the_htmx_header_and_same_origin_works(
    web: WebClient, db: Session, user: User
) -> None:
    response = web.post(
        "/account/profile",
        data=PROFILE_FORM,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 200, response.text
    assert _display_name(db, user) == "Alice A."


def test_logout_needs_the_csrf_token(app: FastAPI, web: WebClient) -> None:
    response = TestClient.request(web, "POST", "/logout", follow_redirects=False)
    assert response.status_code == 403
    assert web.get("/account", follow_redirects=False).status_code == 200


def test_login_from_another_site_is_refused(client: TestClient, user: User) -> None:
    response = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403


# ---- API with a cookie ---------------------------------------------------------------


@pytest.mark.parametrize(("headers", "why"), CROSS_SITE)
def test_api_write_with_a_cookie_from_another_site_is_refused(
    web: WebClient, db: Session, user: User, headers: dict[str, str], why: str
) -> None:
    response = web.patch("/api/v1/me", json={"display_name": "Alice A."}, headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _display_name(db, user) != "Alice A."


def test_api_write_with_a_cookie_and_no_token_is_refused(
    web: WebClient, db: Session, user: User
) -> None:
    response = TestClient.request(web, "PATCH", "/api/v1/me", json={"display_name": "Alice A."})
    assert response.status_code == 403
    assert response.json()["title"] == "CSRF check failed"


def test_api_write_with_a_cookie_and_a_wrong_token_is_refused(web: WebClient) -> None:
    response = TestClient.request(
        web,
        "PATCH",
        "/api/v1/me",
        json={"display_name": "Alice A."},
        headers={"X-CSRF-Token": "not-the-token"},
    )
    assert response.status_code == 403


def test_api_write_with_a_cookie_and_the_token_works(
    web: WebClient, db: Session, user: User
) -> None:
    response = web.patch("/api/v1/me", json={"display_name": "Alice A."})
    assert response.status_code == 200, response.text
    assert _display_name(db, user) == "Alice A."


def test_api_read_with_a_cookie_needs_no_token(web: WebClient) -> None:
    response = TestClient.request(web, "GET", "/api/v1/me", headers={"Sec-Fetch-Site": "none"})
    assert response.status_code == 200


# ---- bearer tokens -------------------------------------------------------------------


def test_bearer_requests_are_exempt_from_csrf(api: ApiClient, db: Session, user: User) -> None:
    response = api.patch(
        "/api/v1/me",
        json={"display_name": "Alice A."},
        headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200, response.text
    assert _display_name(db, user) == "Alice A."


def test_read_only_token_reads_but_gets_403_on_writes(
    user: User, api_client_for: Callable[..., ApiClient]
) -> None:
    reader = api_client_for(user, scopes=("read",))
    assert reader.get("/api/v1/me").status_code == 200
    for method, url, body in [
        ("PATCH", "/api/v1/me", {"display_name": "x"}),
        ("POST", "/api/v1/tokens", {"name": "more"}),
        ("DELETE", "/api/v1/tokens/1", None),
    ]:
        response = reader.request(method, url, json=body)
        assert response.status_code == 403, (method, url, response.text)
        assert "read-only" in response.json()["detail"]


@pytest.mark.parametrize(
    "authorization",
    ["Bearer rpt_unknown", "Bearer ", "Basic YWxpY2U6cHc=", "Bearer " + "rpt_" + "x" * 300],
)
def test_bad_credentials_get_401_problem_with_www_authenticate(
    client: TestClient, authorization: str
) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_token_exchange_gives_a_working_token_once(client: TestClient, user: User) -> None:
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "alice", "password": PASSWORD, "name": "laptop", "scopes": ["read"]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("rpt_") and len(body["token"]) >= 4 + 22
    assert body["scopes"] == ["read"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    listed = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {body['token']}"})
    assert all("token" not in t for t in listed.json())


def test_token_exchange_with_bad_password_is_a_401_problem(client: TestClient, user: User) -> None:
    response = client.post(
        "/api/v1/auth/token", json={"username": "alice", "password": "nope nope", "name": "x"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown username or wrong password."


def test_revoked_and_expired_tokens_stop_working(
    api: ApiClient, db: Session, user: User, make_token: Callable[..., str], client: TestClient
) -> None:
    spare = make_token(user)
    spare_id = db.scalars(select(ApiToken.id).order_by(ApiToken.id.desc())).first()
    db.rollback()
    assert api.delete(f"/api/v1/tokens/{spare_id}").status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {spare}"}).status_code == 401
    assert api.delete(f"/api/v1/tokens/{spare_id}").status_code == 404

    old = make_token(user)
    token = db.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert token is not None
    token.expires_at = utcnow()
    db.add(token)
    db.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_no_plaintext_token_or_session_id_in_the_database(
    db: Session, user: User, make_token: Callable[..., str], web: WebClient
) -> None:
    secrets = [make_token(user), make_token(user, scopes=("read",))]
    cookie = web.cookies["rapport_session"]
    web.get("/account")  # a request that touches the session row
    stored: list[str] = []
    # Every column of every row of every table, not only the auth tables.
    for table in SQLModel.metadata.sorted_tables:
        for row in db.execute(select(table)).all():
            stored.extend(str(value) for value in row if value is not None)
    db.rollback()
    blob = "\n".join(stored)
    assert blob, "the scan found no rows at all?"
    for secret in [*secrets, cookie]:
        assert secret not in blob
        assert secret.removeprefix("rpt_") not in blob
    tokens = db.scalars(select(ApiToken)).all()
    db.rollback()
    assert all(len(t.secret_hash) == 64 and t.prefix and len(t.prefix) <= 12 for t in tokens)


def test_unknown_fields_are_422_not_mass_assignment(
    api: ApiClient, db: Session, user: User
) -> None:
    response = api.patch("/api/v1/me", json={"display_name": "x", "is_admin": True})
    assert response.status_code == 422
    body = response.json()
    assert any(e["field"] == "is_admin" for e in body["errors"])
    db.refresh(user)
    assert not user.is_admin and user.display_name != "x"
    db.rollback()
    response = api.post("/api/v1/tokens", json={"name": "t", "user_id": 99})
    assert response.status_code == 422
