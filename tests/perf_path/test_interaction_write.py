"""The interaction write (issue 17): on SQLite every other write waits while one holds the
write lock, so what can be done before the transaction is done before it, and the
transaction runs only the write's own statements. Each check is on what a client, or the
page that shows the contact after the write, would notice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, inspect
from sqlmodel import Session

from app.auth.models import User
from app.contacts import service as contacts_service
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.interactions import service
from app.interactions.models import Interaction
from app.interactions.schemas import InteractionCreate
from app.ownership import get_owned
from tests.conftest import ApiClient


@contextmanager
def statements_of(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _new_contact(api: ApiClient, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_touch_in_the_future_is_refused_before_any_statement(
    api: ApiClient, engine: Engine
) -> None:
    contact = _new_contact(api)
    ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": ahead}
    assert api.post("/api/v1/interactions", json=body).status_code == 422  # token touched
    with statements_of(engine) as seen:
        response = api.post("/api/v1/interactions", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "occurred_at"
    # Only the identity lookup ran: no write transaction (on SQLite, no write lock) began.
    assert "BEGIN IMMEDIATE" not in seen, seen
    assert not [s for s in seen if "contacts" in s or "interactions" in s], seen


def test_the_write_transaction_runs_only_the_writes_statements(
    api: ApiClient, engine: Engine
) -> None:
    contact = _new_contact(api, stay_in_touch_days=30)
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    assert api.post("/api/v1/interactions", json=body).status_code == 201  # token touched
    later = {**body, "occurred_at": "2026-11-02T09:30:00Z"}
    with statements_of(engine) as seen:
        response = api.post("/api/v1/interactions", json=later)
    assert response.status_code == 201, response.text
    handler = seen[next(i for i, s in enumerate(seen) if "FROM api_tokens" in s) + 1 :]
    if engine.dialect.name == "sqlite":
        assert [s for s in handler if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"], handler
    inside = [s for s in handler if not s.startswith(("BEGIN", "COMMIT"))]
    # The ownership check, the insert (its id returned), the latest touch, the contact's dates.
    assert [s.split(" ", 3)[:3] for s in inside] == [
        ["SELECT", "contacts.owner_id,", "contacts.created_at,"],
        ["INSERT", "INTO", "interactions"],
        ["SELECT", "max(interactions.occurred_at)", "AS"],
        ["UPDATE", "contacts", "SET"],
    ], inside
    assert "RETURNING" in inside[1]
    item = response.json()
    assert response.headers["location"] == f"/api/v1/interactions/{item['id']}"
    assert response.headers["etag"] == '"v1"'
    assert api.get(f"/api/v1/interactions/{item['id']}").json() == item
    touched = api.get(f"/api/v1/contacts/{contact['id']}").json()
    assert touched["last_contacted_at"].startswith("2026-11-02T09:30:00")
    assert touched["next_touch_due"].startswith("2026-12-02T09:30:00")
    assert touched["version"] == contact["version"] + 2  # once per touch that moved the dates


def test_an_older_touch_leaves_the_contact_and_its_etag_alone(api: ApiClient) -> None:
    contact = _new_contact(api)
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-02T09:30:00Z"}
    assert api.post("/api/v1/interactions", json=body).status_code == 201
    before = api.get(f"/api/v1/contacts/{contact['id']}")
    older = {**body, "occurred_at": "2026-10-01T09:30:00Z"}
    assert api.post("/api/v1/interactions", json=older).status_code == 201
    after = api.get(f"/api/v1/contacts/{contact['id']}")
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()["last_contacted_at"] == before.json()["last_contacted_at"]


def test_a_contact_loaded_in_the_session_shows_the_write(db: Session, user: User) -> None:
    contact = contacts_service.create_contact(
        db, user, ContactCreate(full_name="Loaded", stay_in_touch_days=10)
    )
    loaded = get_owned(db, Contact, user.id, contact.id)  # as the timeline page holds it
    version = loaded.version
    when = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    interaction = service.create_interaction(
        db, user, InteractionCreate(contact_id=contact.id, kind="email", occurred_at=when)
    )
    assert (loaded.last_contacted_at, loaded.next_touch_due) == (when, when + timedelta(days=10))
    assert loaded.version == version + 1
    assert not inspect(loaded).modified  # what it shows is what was written, nothing pending
    db.expire_all()
    assert (loaded.last_contacted_at, loaded.version) == (when, version + 1)
    # The new row is the session's own, as an ORM insert leaves it.
    state = inspect(interaction)
    assert state.persistent and state.session is db
    assert db.get(Interaction, interaction.id) is interaction
    assert (interaction.version, interaction.created_at) == (1, interaction.updated_at)


def test_a_keyed_write_stores_its_answer_in_one_statement(api: ApiClient, engine: Engine) -> None:
    contact = _new_contact(api)
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    headers = {"Idempotency-Key": "touch-1"}
    with statements_of(engine) as seen:
        first = api.post("/api/v1/interactions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    on_records = [s for s in seen if "idempotency_records" in s]
    # The purge, the lookup and the claim; then the answer stored by one UPDATE (no load).
    assert [s.split(" ", 1)[0] for s in on_records] == ["DELETE", "SELECT", "INSERT", "UPDATE"]
    again = api.post("/api/v1/interactions", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["location"] == first.headers["location"]
    assert api.get(f"/api/v1/interactions?contact_id={contact['id']}").json()["total"] == 1
