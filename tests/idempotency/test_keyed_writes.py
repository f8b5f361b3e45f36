"""A keyed create claims its key in the transaction that creates (issue 17): two write
transactions instead of three, no claim left by a refused write, and still exactly one
create however many copies of the request arrive at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlmodel import Session

from app.auth.models import User
from app.idempotency import service
from app.idempotency.models import IdempotencyRecord
from app.interactions.models import Interaction
from tests.conftest import ApiClient


@contextmanager
def commits_of(engine: Engine) -> Iterator[list[str]]:
    """Every transaction the engine commits while the block runs, by its first write."""
    commits: list[str] = []
    writes: list[str] = []  # the tables the open transaction wrote

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        written = WRITE.match(statement)
        if written:
            writes.append(written.group(1))

    def on_commit(_conn: Any) -> None:
        commits.append(" ".join(sorted(set(writes))))
        writes.clear()

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


WRITE = re.compile(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.IGNORECASE)


def _contact(api: ApiClient) -> int:
    response = api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _records(db: Session, user: User) -> list[tuple[str, int | None]]:
    """(key, status) of the user's records; the read ended (on SQLite it holds the lock)."""
    found = db.execute(
        select(IdempotencyRecord.key, IdempotencyRecord.status_code).where(
            IdempotencyRecord.user_id == user.id
        )
    ).all()
    db.rollback()
    return [(key, status) for key, status in found]


def test_a_keyed_create_commits_the_claim_with_the_create(
    api: ApiClient, engine: Engine, db: Session, user: User
) -> None:
    body = {"contact_id": _contact(api), "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    headers = {"Idempotency-Key": "fold-1"}
    with commits_of(engine) as commits:
        first = api.post("/api/v1/interactions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    writes = [c for c in commits if c]
    # The claim (purge, insert) and the interaction in one transaction; then the answer.
    assert len(writes) == 2, commits
    assert writes == ["contacts idempotency_records interactions", "idempotency_records"]
    assert _records(db, user) == [("fold-1", 201)]
    with commits_of(engine) as commits:
        again = api.post("/api/v1/interactions", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert "interactions" not in " ".join(commits), commits
    total = api.get("/api/v1/interactions", params={"contact_id": body["contact_id"]})
    assert total.json()["total"] == 1


def test_a_refused_keyed_create_leaves_no_claim(
    api: ApiClient, engine: Engine, db: Session, user: User
) -> None:
    contact_id = _contact(api)  # the token's first use is recorded here, not below
    body = {"contact_id": 999_999, "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    headers = {"Idempotency-Key": "refused-1"}
    with commits_of(engine) as commits:
        refused = api.post("/api/v1/interactions", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    # Rolled back with the refused write: no transaction wrote anything, no record is left.
    assert not [c for c in commits if c], commits
    assert _records(db, user) == []
    # So the same key is free: a retry is refused again for what it is, not "in progress".
    again = api.post("/api/v1/interactions", json=body, headers=headers)
    assert again.status_code == 422, again.text
    fixed = {**body, "contact_id": contact_id}
    other = api.post("/api/v1/interactions", json=fixed, headers={"Idempotency-Key": "ok-1"})
    assert other.status_code == 201, other.text


def test_copies_of_a_keyed_create_at_once_create_once(
    app: FastAPI,
    api: ApiClient,
    db: Session,
    user: User,
    make_token: Callable[..., str],
) -> None:
    contact_id = _contact(api)
    body = {"contact_id": contact_id, "kind": "email", "occurred_at": "2026-11-02T10:00:00Z"}
    token = make_token(user)

    def send(_: int) -> tuple[int, Any]:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.post(
                "/api/v1/interactions",
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "burst-1"},
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(12)))
    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {201, 409}, answers
    created = {answer["id"] for status, answer in answers if status == 201}
    assert len(created) == 1, answers  # every 201 is the same interaction, replayed
    count = db.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.contact_id == contact_id)
    )
    db.rollback()
    assert count == 1
    assert _records(db, user) == [("burst-1", 201)]


def test_an_answer_is_kept_when_the_claim_was_rolled_back_with_its_transaction(
    db: Session, user: User
) -> None:
    # A flow that rolls back a refused step and then writes again loses a claim made with
    # the write; the answer must still be recorded, or a retry would act twice.
    assert user.id is not None
    claimed = service.claim(db, user.id, "again-1", "f" * 64, with_write=True)
    assert isinstance(claimed, IdempotencyRecord)
    db.rollback()
    service.complete(db, claimed, 201, '{"id": 1}', "{}")
    replay = service.claim(db, user.id, "again-1", "f" * 64, with_write=True)
    assert replay == service.Replay(201, '{"id": 1}', "{}")
