"""Token lifetime: "never" is an explicit choice, an administrator's maximum is enforced, and
changing or resetting a password revokes tokens (docs/security.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.config import Settings
from app.tokens.models import ApiToken
from tests.conftest import PASSWORD, ApiClient, WebClient

NEW_PASSWORD = "a brand new passphrase"


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _stored(db: Session, name: str) -> ApiToken:
    token = db.scalars(select(ApiToken).where(ApiToken.name == name)).one()
    db.rollback()
    return token


# ---- "never" is explicit ------------------------------------------------------------------


def test_null_lifetime_is_refused_not_never(api: ApiClient, db: Session) -> None:
    response = api.post("/api/v1/tokens", json={"name": "ci", "expires_in_days": None})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["expires_in_days"]
    assert db.scalars(select(ApiToken).where(ApiToken.name == "ci")).first() is None


def test_never_is_spelled_out(api: ApiClient, client: TestClient, db: Session) -> None:
    made = api.post("/api/v1/tokens", json={"name": "forever", "expires_in_days": "never"})
    assert made.status_code == 201, made.text
    assert made.json()["expires_at"] is None
    assert client.get("/api/v1/me", headers=_bearer(made.json()["token"])).status_code == 200
    default = api.post("/api/v1/tokens", json={"name": "default"})
    body = default.json()
    assert body["expires_at"] is not None
    stored = _stored(db, "default")
    assert stored.expires_at is not None
    assert stored.expires_at - stored.created_at == timedelta(days=90)


def test_openapi_declares_days_or_never_and_no_null(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    lifetime = schema["TokenCreate"]["properties"]["expires_in_days"]
    assert lifetime["anyOf"] == [
        {"type": "integer", "minimum": 1, "maximum": 3650},
        {"type": "string", "const": "never"},
    ]
    assert lifetime["default"] == 90
    assert "never" in lifetime["description"]


def test_account_page_makes_never_a_checkbox_and_shows_it(web: WebClient, db: Session) -> None:
    page = BeautifulSoup(web.get("/account").text, "html.parser")
    assert page.find("input", attrs={"name": "never_expires", "type": "checkbox"}) is not None
    empty = web.form_post("/account/tokens", {"name": "blank", "expires_in_days": ""})
    assert empty.status_code == 422
    assert "never" in empty.text and "whole number of days" in empty.text
    made = web.form_post(
        "/account/tokens", {"name": "forever", "expires_in_days": "", "never_expires": "on"}
    )
    assert made.status_code == 200, made.text
    assert _stored(db, "forever").expires_at is None
    rows = BeautifulSoup(made.text, "html.parser").select("#tokens tbody tr")
    forever = next(row for row in rows if "forever" in row.get_text())
    assert "Never" in forever.get_text()


# ---- the administrator's maximum -----------------------------------------------------------


@pytest.mark.parametrize("lifetime", ["never", 31, 3650])
def test_maximum_lifetime_refuses_longer_and_never(
    api: ApiClient, settings: Settings, lifetime: object
) -> None:
    settings.max_token_days = 30
    response = api.post("/api/v1/tokens", json={"name": "long", "expires_in_days": lifetime})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_in_days"
    assert "30 days" in response.json()["errors"][0]["message"]
    assert api.post("/api/v1/tokens", json={"name": "ok", "expires_in_days": 30}).status_code == 201


def test_maximum_lifetime_applies_to_the_password_exchange_before_hashing(
    client: TestClient, settings: Settings, user: User
) -> None:
    settings.max_token_days = 7
    body = {"username": "alice", "password": PASSWORD, "name": "x", "expires_in_days": "never"}
    assert client.post("/api/v1/auth/token", json=body).status_code == 422
    assert client.post("/api/v1/auth/token", json={**body, "expires_in_days": 7}).status_code == 201


def test_maximum_lifetime_retires_older_tokens(
    api: ApiClient, client: TestClient, db: Session, settings: Settings
) -> None:
    made = api.post("/api/v1/tokens", json={"name": "old", "expires_in_days": "never"}).json()
    token = db.get(ApiToken, made["id"])
    assert token is not None
    token.created_at -= timedelta(days=31)
    db.add(token)
    db.commit()
    assert client.get("/api/v1/me", headers=_bearer(made["token"])).status_code == 200
    settings.max_token_days = 30
    assert client.get("/api/v1/me", headers=_bearer(made["token"])).status_code == 401


def test_account_page_hides_never_under_a_maximum(web: WebClient, settings: Settings) -> None:
    settings.max_token_days = 30
    page = web.get("/account")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find("input", attrs={"name": "never_expires"}) is None
    assert soup.find("input", attrs={"name": "expires_in_days"})["max"] == "30"
    refused = web.form_post(
        "/account/tokens", {"name": "forever", "expires_in_days": "1", "never_expires": "on"}
    )
    assert refused.status_code == 422 and "at most" in refused.text


# ---- password change and reset ------------------------------------------------------------


def _change_password(web: WebClient, **extra: str) -> str:
    response = web.form_post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
            **extra,
        },
    )
    assert response.status_code == 200, response.text
    status = BeautifulSoup(response.text, "html.parser").find(class_="notice", role="status")
    assert status is not None
    return re.sub(r"\s+", " ", status.get_text())


def test_password_change_revokes_tokens_when_ticked_and_says_which(
    user: User, web: WebClient, client: TestClient, make_token: Callable[..., str]
) -> None:
    secret = make_token(user)
    page = BeautifulSoup(web.get("/account").text, "html.parser")
    box = page.find("input", attrs={"name": "revoke_tokens"})
    assert box is not None and box.has_attr("checked")  # on by default
    message = _change_password(web, revoke_tokens="on")
    assert "1 API token was revoked: test." in message
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 401


def test_password_change_can_keep_tokens(
    user: User, web: WebClient, client: TestClient, make_token: Callable[..., str]
) -> None:
    secret = make_token(user)
    message = _change_password(web)  # the box unticked: a browser sends nothing
    assert "API tokens were kept" in message
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200


def test_a_wrong_current_password_revokes_nothing(
    user: User, web: WebClient, client: TestClient, make_token: Callable[..., str]
) -> None:
    secret = make_token(user)
    response = web.form_post(
        "/account/password",
        {
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
            "revoke_tokens": "on",
        },
    )
    assert response.status_code == 422
    assert client.get("/api/v1/me", headers=_bearer(secret)).status_code == 200


def test_other_users_tokens_are_untouched(
    user: User,
    other_user: User,
    web: WebClient,
    client: TestClient,
    make_token: Callable[..., str],
) -> None:
    theirs = make_token(other_user)
    _change_password(web, revoke_tokens="on")
    assert client.get("/api/v1/me", headers=_bearer(theirs)).status_code == 200
