"""An API request builds its token's object only when it writes the token's use; scopes,
expiry and revocation are still checked on every request from the looked-up row."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, select, update

from app.auth.models import User
from app.db import open_session, utcnow
from app.tokens import service as tokens_service
from app.tokens.models import ApiToken
from tests.conftest import ApiClient


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ApiToken]]:
    """Every token object a lookup builds."""
    seen: list[ApiToken] = []
    lookup = tokens_service._LOOKUP
    build = lookup.credential

    def credential(*args: object, **kwargs: bool) -> ApiToken:
        token = build(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(token)
        return token

    monkeypatch.setattr(lookup, "credential", credential)
    yield seen


def _last_used(engine: Engine) -> object:
    with open_session(engine) as session:
        return session.scalar(select(ApiToken.last_used_at))


def test_a_read_builds_the_token_only_to_write_its_use(
    api: ApiClient, engine: Engine, built: list[ApiToken]
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200  # first use: touched
    assert len(built) == 1 and built[0].last_used_at is not None
    touched = _last_used(engine)
    for _ in range(3):
        assert api.get("/api/v1/contacts").status_code == 200
        assert api.post("/api/v1/careers", json={"title": "Hydrologist"}).status_code == 201
    assert len(built) == 1  # used within the minute: nothing to write, no object
    assert _last_used(engine) == touched


def test_scopes_expiry_and_revocation_hold_without_the_object(
    user: User,
    engine: Engine,
    api_client_for: Callable[..., ApiClient],
    built: list[ApiToken],
) -> None:
    reader = api_client_for(user, scopes=("read",))
    assert reader.get("/api/v1/contacts").status_code == 200
    built.clear()
    assert reader.post("/api/v1/careers", json={"title": "Nope"}).status_code == 403
    assert built == []  # the scope was read from the row
    with engine.begin() as connection:
        connection.execute(update(ApiToken).values(expires_at=utcnow()))
    tokens_service._LOOKUP.recent.forget_all()  # type: ignore[union-attr]
    assert reader.get("/api/v1/contacts").status_code == 401
    with engine.begin() as connection:
        connection.execute(update(ApiToken).values(expires_at=None, revoked_at=utcnow()))
    tokens_service._LOOKUP.recent.forget_all()  # type: ignore[union-attr]
    assert reader.get("/api/v1/contacts").status_code == 401
    assert built == []
