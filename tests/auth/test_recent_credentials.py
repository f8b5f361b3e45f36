"""Reads may go on a token's or a browser session's row their worker read within the last
second (RECENT_TOKEN_SECONDS, RECENT_SESSION_SECONDS); writes never.

"Another worker" is a change this process's ORM does not see: a Core statement on a
connection of its own, as another process's write is. The memory's clock is moved by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, update

from app.auth import models as auth_models
from app.auth import service as auth_service
from app.auth.credentials import sha256_hex
from app.auth.models import User, UserSession
from app.db import open_session, utcnow
from app.tokens import service as tokens_service
from app.tokens.models import ApiToken
from tests.conftest import ApiClient, WebClient


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The memory's clock, moved by hand: ``clock[0] += seconds``."""
    now = [1_000.0]
    monkeypatch.setattr(auth_models, "clock", lambda: now[0])
    yield now  # (tests/conftest.py empties the memory around every test)


@pytest.fixture
def lookups(engine: Engine) -> Iterator[list[str]]:
    """Every credential statement run (the token lookup joins api_tokens and users)."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM api_tokens JOIN users" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _elsewhere(engine: Engine, statement: object) -> None:
    """A change made by another worker: no ORM event in this process sees it."""
    with engine.begin() as connection:
        connection.execute(statement)  # type: ignore[call-overload]


def test_reads_within_the_bound_reuse_the_lookup(
    api: ApiClient, clock: list[float], lookups: list[str]
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200  # first use: read and touched
    lookups.clear()
    for _ in range(3):
        assert api.get("/api/v1/contacts").status_code == 200
    assert len(lookups) == 1  # the first read looked it up; the next two reused it
    clock[0] += tokens_service.RECENT_TOKEN_SECONDS + 0.01
    assert api.get("/api/v1/contacts").status_code == 200
    assert len(lookups) == 2  # past the bound: looked up again


def test_a_revocation_elsewhere_is_refused_within_the_bound(
    api: ApiClient, engine: Engine, clock: list[float]
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200
    assert api.get("/api/v1/contacts").status_code == 200  # now remembered
    _elsewhere(engine, update(ApiToken).values(revoked_at=utcnow()))
    # A read may still go on the remembered row (this worker did not see the change), but
    # no longer than the bound.
    assert api.get("/api/v1/contacts").status_code == 200
    clock[0] += tokens_service.RECENT_TOKEN_SECONDS + 0.01
    refused = api.get("/api/v1/contacts")
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_write_reads_the_token_afresh(api: ApiClient, engine: Engine, clock: list[float]) -> None:
    assert api.get("/api/v1/contacts").status_code == 200
    assert api.get("/api/v1/contacts").status_code == 200  # now remembered
    _elsewhere(engine, update(ApiToken).values(revoked_at=utcnow()))
    written = api.post("/api/v1/contacts", json={"full_name": "Ada"})
    assert written.status_code == 401, written.text
    # The fresh row replaced the remembered one: reads are refused too, at once.
    assert api.get("/api/v1/contacts").status_code == 401


def test_a_disabled_account_elsewhere_is_refused_within_the_bound(
    api: ApiClient, engine: Engine, clock: list[float]
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200
    _elsewhere(engine, update(User).values(is_active=False))
    clock[0] += tokens_service.RECENT_TOKEN_SECONDS + 0.01
    assert api.get("/api/v1/contacts").status_code == 401


def test_changes_made_in_this_worker_take_effect_at_once(
    api: ApiClient, engine: Engine, user: User, clock: list[float]
) -> None:
    token_id = api.get("/api/v1/tokens").json()[0]["id"]
    assert api.get("/api/v1/contacts").status_code == 200  # remembered
    # Revoked through the API (an ORM update in this worker): the memory is emptied.
    assert api.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert api.get("/api/v1/contacts").status_code == 401


def test_a_bulk_revocation_in_this_worker_takes_effect_at_once(
    api: ApiClient, engine: Engine, user: User, clock: list[float]
) -> None:
    assert api.get("/api/v1/contacts").status_code == 200  # remembered
    with open_session(engine, write=True) as session:
        owner = session.get(User, user.id)
        assert owner is not None
        assert tokens_service.revoke_all_tokens(session, owner)  # a bulk UPDATE
        session.commit()
    assert api.get("/api/v1/contacts").status_code == 401


def test_an_account_change_in_this_worker_shows_at_once(api: ApiClient, clock: list[float]) -> None:
    assert api.get("/api/v1/contacts").status_code == 200  # remembered
    me = api.get("/api/v1/me")
    changed = api.patch(
        "/api/v1/me", json={"timezone": "Europe/Paris"}, headers={"If-Match": me.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text
    again = api.get("/api/v1/me")
    assert again.json()["timezone"] == "Europe/Paris"
    assert again.headers["etag"] == changed.headers["etag"]


def test_an_unknown_token_is_never_remembered(
    api_client_for: Callable[..., ApiClient],
    engine: Engine,
    user: User,
    clock: list[float],
) -> None:
    # Made "in another worker" after this one was refused: it works at once.
    client = api_client_for(user)
    secret = "rpt_" + "x" * 43
    client.headers["Authorization"] = f"Bearer {secret}"
    assert client.get("/api/v1/contacts").status_code == 401
    with open_session(engine, write=True) as session:  # as another worker would write it
        session.add(
            ApiToken(
                user_id=user.id,
                name="elsewhere",
                prefix=secret[:10],
                secret_hash=sha256_hex(secret),
                scopes="read write",
                created_at=utcnow(),
            )
        )
        session.commit()
    assert client.get("/api/v1/contacts").status_code == 200


def test_the_memory_is_bounded(clock: list[float]) -> None:
    recent = tokens_service._LOOKUP.recent
    assert recent is not None
    row = object()
    for i in range(recent.MAX_ROWS):
        recent.keep(f"h{i}", row)  # type: ignore[arg-type]
    assert len(recent.rows) == recent.MAX_ROWS
    recent.keep("one more", row)  # type: ignore[arg-type]
    assert len(recent.rows) == 1


# ---- browser sessions ---------------------------------------------------------------------


def _session_row(engine: Engine) -> Any:
    return update(UserSession).where(UserSession.revoked_at.is_(None))


def test_pages_reuse_the_session_lookup_within_the_bound(
    web: WebClient, engine: Engine, clock: list[float]
) -> None:
    assert web.get("/contacts").status_code == 200
    assert web.get("/contacts").status_code == 200  # remembered
    _elsewhere(engine, _session_row(engine).values(revoked_at=utcnow()))  # logged out elsewhere
    assert web.get("/contacts").status_code == 200  # within the bound
    clock[0] += auth_service.RECENT_SESSION_SECONDS + 0.01
    gone = web.get("/contacts", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_a_page_write_reads_the_session_afresh(
    web: WebClient, engine: Engine, clock: list[float]
) -> None:
    assert web.get("/contacts").status_code == 200
    assert web.get("/contacts").status_code == 200  # remembered
    _elsewhere(engine, _session_row(engine).values(revoked_at=utcnow()))
    posted = web.post("/contacts/new", data={"full_name": "Ada"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login")


def test_a_flash_left_by_another_worker_shows_on_the_next_page(
    web: WebClient, engine: Engine, clock: list[float]
) -> None:
    assert web.get("/account").status_code == 200
    assert web.get("/account").status_code == 200  # the session is remembered
    # The POST that left it ran in another worker: this one's copy has no flash.
    _elsewhere(engine, _session_row(engine).values(flash='{"message": "Profile saved."}'))
    shown = web.get("/account")
    assert "Profile saved." in shown.text
    assert "Profile saved." not in web.get("/account").text  # taken: shown once


def test_a_logout_in_this_worker_takes_effect_at_once(web: WebClient, clock: list[float]) -> None:
    assert web.get("/contacts").status_code == 200
    assert web.get("/contacts").status_code == 200  # remembered
    assert web.post("/logout", follow_redirects=False).status_code == 303
    gone = web.get("/contacts", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


def test_a_read_s_objects_stay_out_of_its_session_and_a_write_s_join_it(
    engine: Engine, user: User, make_token: Callable[..., str], clock: list[float]
) -> None:
    from sqlalchemy import inspect

    secret = make_token(user)
    with open_session(engine) as session:
        read = tokens_service.find_token(session, secret, recent_ok=True)
        assert read is not None
        reader, token = read
        # A read shows them and never writes them: detached, with every column loaded.
        assert inspect(reader).detached and inspect(token).detached
        assert reader not in session and reader.username == user.username
        # A later touch adds the token to the session as a load would have it: persistent.
        session.add(token)
        assert inspect(token).persistent
    with open_session(engine, write=True) as session:
        written = tokens_service.find_token(session, secret)
        assert written is not None
        writer, _ = written
        assert inspect(writer).persistent and writer in session  # a change is an UPDATE
