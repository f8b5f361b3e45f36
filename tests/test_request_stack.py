"""The request stack's speed measures must not change answers: the hot read path returns
what the read models say, and few worker threads never deadlock writers."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import Engine, event
from sqlalchemy.engine.default import CACHE_HIT

from app.auth.models import User
from app.config import Settings
from app.contacts.schemas import ContactRead
from app.main import create_app
from app.schemas import Page
from tests.conftest import ApiClient


def _app_with(tmp_path: Path, database_url: str, engine: Engine, **overrides: Any) -> FastAPI:
    """The real app on the test database with some settings changed."""
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="t" * 48,
        base_url="http://testserver",
        log_level="WARNING",
        **overrides,
    )
    return create_app(settings=settings, engine=engine)


def _contact(api: ApiClient, **fields: object) -> dict[str, object]:
    response = api.post("/api/v1/contacts", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def test_list_items_are_the_read_model_of_each_contact(api: ApiClient) -> None:
    career = api.post("/api/v1/careers", json={"title": "Hydrologist"}).json()
    organization = api.post("/api/v1/organizations", json={"name": "River Lab"}).json()
    first = _contact(
        api,
        full_name="Zed Alpha",
        title="Lead",
        organization_id=organization["id"],
        email="zed@example.org",
        career_ids=[career["id"]],
        tags=["rivers", "field work"],
        stay_in_touch_days=30,
        notes="Met at the *conference*.",
    )
    second = _contact(api, full_name="amy beta", introduced_by_id=first["id"])
    api.post(
        "/api/v1/interactions",
        json={"contact_id": first["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"},
    )

    listed = api.get("/api/v1/contacts", params={"limit": 10})
    assert listed.status_code == 200
    page = TypeAdapter(Page[ContactRead]).validate_json(listed.content)
    assert [c.full_name for c in page.items] == ["amy beta", "Zed Alpha"]  # case-insensitive
    assert (page.total, page.limit, page.offset) == (2, 10, 0)
    for item in listed.json()["items"]:
        one = api.get(f"/api/v1/contacts/{item['id']}").json()
        assert item == one  # field for field, datetimes spelled the same way
    by_id = {item["id"]: item for item in listed.json()["items"]}
    assert by_id[first["id"]]["tags"] == ["field work", "rivers"]
    assert by_id[first["id"]]["career_ids"] == [career["id"]]
    assert by_id[first["id"]]["last_contacted_at"] == "2026-11-01T09:30:00Z"
    assert by_id[second["id"]]["tags"] == [] and by_id[second["id"]]["career_ids"] == []
    assert 'rel="first"' in listed.headers["link"]


def test_list_filters_share_one_statement_per_shape_but_not_values(
    api: ApiClient, other_user: User, api_client_for: Callable[..., ApiClient]
) -> None:
    _contact(api, full_name="Ada Lovelace", stage="contacted", tags=["math"])
    _contact(api, full_name="Grace Hopper", stage="prospect", tags=["navy"])
    mallory = api_client_for(other_user)
    _contact(mallory, full_name="Ada Mallory", stage="contacted", tags=["math"])

    def names(client: ApiClient, **params: object) -> list[str]:
        response = client.get("/api/v1/contacts", params=params)
        assert response.status_code == 200, response.text
        return [c["full_name"] for c in response.json()["items"]]

    # The same shapes for two users: compiled once, each sees only their own rows.
    assert names(api, stage="contacted") == ["Ada Lovelace"]
    assert names(mallory, stage="contacted") == ["Ada Mallory"]
    assert names(api, tag="navy") == ["Grace Hopper"]
    assert names(mallory, tag="navy") == []
    assert names(api, q="ada") == ["Ada Lovelace"]
    assert names(mallory, q="ada") == ["Ada Mallory"]
    assert names(api, q="ho") == ["Grace Hopper"]  # too short for the trigram index
    assert names(api, sort="-full_name") == ["Grace Hopper", "Ada Lovelace"]


def test_the_list_reuses_its_compiled_statements(api: ApiClient, engine: Engine) -> None:
    # One statement per shape, found again in SQLAlchemy's compiled cache: a request of a
    # seen shape compiles nothing, whatever its values.
    _contact(api, full_name="Ada Lovelace", stage="met", tags=["math"])
    assert api.get("/api/v1/contacts", params={"stage": "met", "q": "ada"}).status_code == 200
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, context.cache_hit))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = api.get("/api/v1/contacts", params={"stage": "prospect", "q": "love"})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200 and response.json()["total"] == 0
    listing = [(sql, hit) for sql, hit in seen if "FROM contacts" in sql]
    assert len(listing) >= 2, seen  # the count and the page, both seen by events
    assert all(hit == CACHE_HIT for _, hit in listing), listing


def test_writers_do_not_deadlock_with_one_worker_thread(
    tmp_path: Path, database_url: str, engine: Engine, user: User, make_token: Callable[..., str]
) -> None:
    # Dependencies and the handler run in separate thread turns; a dependency that kept
    # SQLite's write lock made every thread wait on a holder that had no thread left.
    app = _app_with(tmp_path, database_url, engine, worker_threads=1)
    token = make_token(user)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        contact = client.post("/api/v1/contacts", json={"full_name": "Busy Person"}).json()

        def write(index: int) -> int:
            body = {
                "contact_id": contact["id"],
                "kind": "email",
                "occurred_at": "2026-11-20T10:00:00Z",
                "summary": f"note {index}",
            }
            return client.post("/api/v1/interactions", json=body).status_code

        pool = ThreadPoolExecutor(6)
        futures = [pool.submit(write, i) for i in range(12)]
        # Without the fix each stuck writer waits out the 10 s lock timeout.
        done, pending = wait(futures, timeout=8)
        pool.shutdown(wait=False, cancel_futures=True)
        assert not pending, "writers deadlocked"
        assert sorted(f.result() for f in done) == [201] * 12
        listed = client.get(f"/api/v1/interactions?contact_id={contact['id']}&limit=50")
        assert listed.json()["total"] == 12


def test_uploads_have_their_own_body_limit(
    tmp_path: Path, database_url: str, engine: Engine, user: User, make_token: Callable[..., str]
) -> None:
    app = _app_with(tmp_path, database_url, engine, max_body_bytes=4096, max_upload_bytes=64 * 1024)
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    rows = "".join(f"Ann,Lee{i},,,Acme,Engineer,01 Mar 2024\n" for i in range(200))
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {make_token(user)}"
        big_json = client.post("/api/v1/contacts", json={"full_name": "x", "notes": "n" * 8000})
        assert big_json.status_code == 413
        upload = client.post(
            "/api/v1/import/linkedin?dry_run=true",
            files={"file": ("Connections.csv", header + rows, "text/csv")},
        )
        assert len(header + rows) > 4096
        assert upload.status_code == 200, upload.text
        assert upload.json()["rows"] == 200
        too_big = client.post(
            "/api/v1/import/linkedin?dry_run=true",
            files={"file": ("Connections.csv", header + rows * 12, "text/csv")},
        )
        assert too_big.status_code == 413


def test_a_writes_identity_lookup_is_a_statement_outside_any_transaction(
    api: ApiClient, engine: Engine
) -> None:
    # The lookup of an unsafe request is one plain read on a connection of its own, sent
    # without BEGIN (SQLite) or in autocommit (PostgreSQL), and still seen by events; the
    # handler's write transaction begins after it.
    contact = _contact(api, full_name="Ada Lovelace")
    body = {"contact_id": contact["id"], "kind": "call", "occurred_at": "2026-11-01T09:30:00Z"}
    assert api.post("/api/v1/interactions", json=body).status_code == 201  # token touched
    seen: list[tuple[str, bool | None]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        autocommit = getattr(cursor.connection, "autocommit", None)  # psycopg only
        seen.append((" ".join(statement.split()), autocommit))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = api.post("/api/v1/interactions", json=body)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.text
    statements = [s for s, _ in seen]
    lookup = next(i for i, s in enumerate(statements) if "FROM api_tokens JOIN users" in s)
    assert lookup == 0, statements  # nothing before it: no BEGIN, no transaction
    insert = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO interactions"))
    if engine.dialect.name == "sqlite":
        assert statements[lookup + 1] == "BEGIN IMMEDIATE", statements
        assert statements.count("BEGIN IMMEDIATE") == 1 and "BEGIN" not in statements
    else:
        assert seen[lookup][1] is True and seen[insert][1] is False, seen


def test_a_revoked_token_cannot_write_at_once(
    api: ApiClient, client: TestClient, user: User, make_token: Callable[..., str]
) -> None:
    spare = make_token(user)
    headers = {"Authorization": f"Bearer {spare}"}
    contact = client.post("/api/v1/contacts", json={"full_name": "Grace"}, headers=headers)
    assert contact.status_code == 201, contact.text
    tokens = api.get("/api/v1/tokens").json()
    spare_id = next(t["id"] for t in tokens if spare.startswith(t["prefix"]))
    assert api.delete(f"/api/v1/tokens/{spare_id}").status_code == 204
    again = client.post("/api/v1/contacts", json={"full_name": "Grace"}, headers=headers)
    assert again.status_code == 401
