"""What every request pays before its handler: the identity in one indexed statement (no ORM
load), a write in one thread-pool turn with the lookup outside the write lock, and one JSON
access line. Each check is on behaviour a client or an operator would notice."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, inspect, select
from sqlmodel import Session

from app.auth import service as auth_service
from app.auth.models import User, UserSession
from app.config import Settings
from app.db import open_session, utcnow
from app.main import create_app
from app.tokens import service as tokens_service
from app.tokens.models import ApiToken
from app.web import middleware
from tests.conftest import ApiClient, WebClient
from tests.perf_path.turns import count_thread_turns
from tests.statements import forget_credentials


@contextmanager
def statements_of(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _queries(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


def test_a_token_resolves_in_one_statement_to_its_user_and_token(
    engine: Engine, user: User, make_token: Callable[..., str]
) -> None:
    secret = make_token(user)
    with open_session(engine) as session, statements_of(engine) as seen:
        found = tokens_service.find_token(session, secret)
        assert found is not None
        found_user, token = found
        assert len(_queries(seen)) == 1, seen
        assert "FROM api_tokens JOIN users" in _queries(seen)[0]
        # The user is what an ORM load gives: persistent in this session, clean, every column
        # loaded. The token is the same object left detached (CredentialLookup's
        # attach_credential): clean, every column loaded, its identity known.
        user_state, token_state = inspect(found_user), inspect(token)
        assert user_state.persistent and user_state.session is session
        assert token_state.detached and token_state.key is not None
        for state in (user_state, token_state):
            assert not state.modified and not state.unloaded
        assert session.get(User, user.id) is found_user  # no second copy of the row
        assert (found_user.id, found_user.username, found_user.is_active) == (
            user.id,
            "alice",
            True,
        )
        assert token.scope_list == ["read", "write"] and token.user_id == user.id
        assert len(_queries(seen)) == 1, seen


def test_objects_built_from_the_row_write_back_as_updates(
    engine: Engine, user: User, make_token: Callable[..., str]
) -> None:
    secret = make_token(user)
    with open_session(engine, write=True) as session:
        found = tokens_service.find_token(session, secret)
        assert found is not None
        found[0].display_name = "Alice Changed"
        found[0].touch()
        session.commit()
    with open_session(engine) as session:
        again = session.scalar(select(User).where(User.id == user.id))
        assert again is not None
        assert (again.display_name, again.version) == ("Alice Changed", user.version + 1)
        assert session.scalar(select(User.id).where(User.username == "alice")) == user.id


def test_a_detached_token_added_back_writes_as_an_update(
    engine: Engine, user: User, make_token: Callable[..., str]
) -> None:
    # How touch_token records a use: the token the lookup left detached joins the session
    # as the stored row (an UPDATE of that row, no INSERT and no second token).
    secret = make_token(user)
    with open_session(engine, write=True) as session:
        found = tokens_service.find_token(session, secret)
        assert found is not None
        token = found[1]
        token.name = "renamed"
        session.add(token)
        assert inspect(token).persistent
        with statements_of(engine) as seen:
            session.commit()
        assert any(q.startswith("UPDATE api_tokens") for q in _queries(seen)), seen
        assert not any("INSERT" in q for q in _queries(seen)), seen
    with open_session(engine) as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.id == token.id)).one()
        assert (stored.name, stored.secret_hash) == ("renamed", token.secret_hash)


def test_a_session_cookie_resolves_in_one_statement(
    engine: Engine, web: WebClient, user: User, settings: Settings
) -> None:
    with open_session(engine) as session:
        live = session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(live) == 1
    forget_credentials()  # the login's own lookup may otherwise answer (RecentRows)
    with statements_of(engine) as seen:
        page = web.get("/account")
    assert page.status_code == 200
    identity = [s for s in seen if "FROM user_sessions JOIN users" in s]
    assert len(identity) == 1, seen


def test_revoked_expired_and_disabled_are_refused(
    engine: Engine, db: Session, user: User, make_token: Callable[..., str]
) -> None:
    revoked, expired, live = make_token(user), make_token(user), make_token(user)
    for secret, change in ((revoked, "revoked_at"), (expired, "expires_at")):
        token = db.scalar(
            select(ApiToken).where(ApiToken.secret_hash == auth_service.sha256_hex(secret))
        )
        assert token is not None
        setattr(token, change, utcnow() - timedelta(seconds=1))
        db.add(token)
    db.commit()
    with open_session(engine) as session:
        assert tokens_service.find_token(session, revoked) is None
        assert tokens_service.find_token(session, expired) is None
        assert tokens_service.find_token(session, live) is not None
        assert tokens_service.find_token(session, live, max_days=0) is None
    user.is_active = False
    db.add(user)
    db.commit()
    with open_session(engine) as session:
        assert tokens_service.find_token(session, live) is None


@pytest.fixture
def thread_turns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function the request handed to a thread: Rapport's database
    threads (``deps.in_thread``) and anyio's (FastAPI's plain ``def`` handlers)."""
    return count_thread_turns(monkeypatch)


def test_a_write_is_one_thread_pool_turn_and_one_write_transaction(
    api: ApiClient, engine: Engine, thread_turns: list[str]
) -> None:
    contact = api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"}).json()
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    assert api.post("/api/v1/interactions", json=body).status_code == 201  # token touched
    thread_turns.clear()
    with statements_of(engine) as seen:
        response = api.post("/api/v1/interactions", json=body)
    assert response.status_code == 201, response.text
    if engine.dialect.name == "sqlite":
        # The lookup read inline (no lock), the handler in the pool: one turn.
        assert len(thread_turns) == 1, thread_turns
        assert seen.count("BEGIN IMMEDIATE") == 1, seen
        lookup = next(i for i, s in enumerate(seen) if "FROM api_tokens JOIN users" in s)
        # Outside any transaction (no BEGIN at all): no write lock while looking up.
        assert "BEGIN" not in seen, seen
        assert seen.index("BEGIN IMMEDIATE") > lookup
    else:
        # PostgreSQL: the lookup waits on the network, so it has its own turn; then the
        # handler's. The handler committed, so the close needs no round trip and no turn.
        assert len(thread_turns) == 2, thread_turns
    assert api.get(f"/api/v1/interactions?contact_id={contact['id']}").json()["total"] == 2


def test_a_read_on_sqlite_takes_no_thread_pool_turn(
    api: ApiClient, engine: Engine, thread_turns: list[str]
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200  # the token's first use is a write
    thread_turns.clear()
    assert api.get("/api/v1/contacts").status_code == 200
    if engine.dialect.name == "sqlite":
        assert thread_turns == []


def test_a_contacts_text_search_scans_off_the_event_loop(
    api: ApiClient, web: WebClient, engine: Engine, thread_turns: list[str]
) -> None:
    # Its time is SQLite's own (a two-letter q scans every contact): in a thread, sqlite3
    # lets go of the GIL and the event loop serves other requests meanwhile (run_db_scan).
    assert api.post("/api/v1/contacts", json={"full_name": "Li Wei"}).status_code == 201
    thread_turns.clear()
    found = api.get("/api/v1/contacts?q=li")
    assert found.status_code == 200 and found.json()["total"] == 1
    # (PostgreSQL looks the caller up in a turn of its own first.)
    first = 0 if engine.dialect.name == "sqlite" else -1
    assert thread_turns[first:] == ["contact_encoded_page"], thread_turns
    thread_turns.clear()
    page = web.get("/contacts?q=li")
    assert page.status_code == 200 and "Li Wei" in page.text
    assert thread_turns[first:] == ["_list_page"], thread_turns


def test_last_used_is_written_at_most_once_a_minute(
    api: ApiClient, engine: Engine, user: User
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200
    with open_session(engine) as session:
        first = session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == user.id))
    assert first is not None
    with statements_of(engine) as seen:
        assert api.post("/api/v1/contacts", json={"full_name": "Grace"}).status_code == 201
        assert api.get("/api/v1/contacts").status_code == 200
    assert not [s for s in seen if s.startswith("UPDATE api_tokens")], seen


def test_the_access_line_is_one_json_object_per_request(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    user: User,
    make_token: Callable[..., str],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="t" * 48,
        base_url="http://testserver",
        log_format="json",
        log_level="INFO",
    )
    app = create_app(settings=settings, engine=engine)
    # The module's logger was bound (and cached) under the suite's WARNING configuration.
    monkeypatch.setattr(middleware, "log", structlog.get_logger("rapport.http"))
    try:
        with TestClient(app) as client:
            capfd.readouterr()
            client.headers["Authorization"] = f"Bearer {make_token(user)}"
            response = client.get("/api/v1/contacts?limit=5", headers={"X-Request-Id": "req-42"})
        assert response.status_code == 200
        lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line]
        access = [line for line in lines if line.get("event") == "request"]
        assert len(access) == 1, lines
        assert access[0]["request_id"] == "req-42" == response.headers["x-request-id"]
        assert (access[0]["method"], access[0]["path"], access[0]["status"]) == (
            "GET",
            "/api/v1/contacts",
            200,
        )
        assert access[0]["level"] == "info" and access[0]["timestamp"].endswith("Z")
    finally:
        # Leave logging as the rest of the suite configured it.
        create_app(
            settings=Settings(
                env="test",
                data_dir=tmp_path,
                database_url=database_url,
                secret_key="t" * 48,
                log_level="WARNING",
            ),
            engine=engine,
        )
