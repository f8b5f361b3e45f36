"""/api/v1/import/linkedin and /api/v1/export over HTTP: scopes, problems, attachments."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.organizations.models import Organization
from tests.conftest import ApiClient
from tests.exchange.conftest import FIRST_LINE, connections_csv, person

IMPORT = "/api/v1/import/linkedin"


def _upload(text: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("Connections.csv", text.encode(), "text/csv")}


def _contact_count(db: Session, user: User) -> int:
    statement = select(func.count()).select_from(Contact).where(Contact.owner_id == user.id)
    return db.scalar(statement) or 0


GOOD = connections_csv(
    [
        person("Grace", "Hopper", "grace-hopper", company="Navy Labs", position="Admiral"),
        person("Alan", "Turing", "alan-turing", email="alan@bletchley.example"),
        person("Alan", "Turing (again)", "Alan-Turing"),
    ]
)


def test_upload_imports_and_contacts_are_listed_and_found(api: ApiClient, db: Session) -> None:
    db.rollback()
    response = api.post(IMPORT, files=_upload(GOOD))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 3,
        "created": 2,
        "duplicates": 1,
        "duplicate_lines": [FIRST_LINE + 2],
        "organizations_created": 1,
        "organizations_matched": 0,
    }
    listed = api.get("/api/v1/contacts", params={"limit": 10}).json()
    assert listed["total"] == 2
    found = api.get("/api/v1/contacts", params={"q": "navy"}).json()
    assert [c["full_name"] for c in found["items"]] == ["Grace Hopper"]
    assert found["items"][0]["linkedin_url"] == "https://www.linkedin.com/in/grace-hopper"


def test_dry_run_writes_nothing(api: ApiClient, db: Session, user: User) -> None:
    db.rollback()
    response = api.post(IMPORT, params={"dry_run": "true"}, files=_upload(GOOD))

    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["created"] == 2
    assert _contact_count(db, user) == 0


def test_invalid_rows_are_a_422_problem_listing_each_row(
    api: ApiClient, db: Session, user: User
) -> None:
    db.rollback()
    text = connections_csv(
        [
            person("Fine", "Row", "fine", company="Would Be Created"),
            person("Bad", "Email", "bad-email", email="nope@"),
            ["", "", "https://www.linkedin.com/in/nameless", "", "", "", ""],
        ]
    )
    response = api.post(IMPORT, files=_upload(text))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["title"] == "Import failed"
    assert [e["field"] for e in problem["errors"]] == [
        f"row {FIRST_LINE + 1}: email",
        f"row {FIRST_LINE + 2}: full_name",
    ]
    assert _contact_count(db, user) == 0
    assert db.scalar(select(func.count()).select_from(Organization)) == 0


def test_read_only_token_cannot_import_but_can_export(
    api_client_for: Callable[..., ApiClient], user: User, db: Session
) -> None:
    reader = api_client_for(user, scopes=("read",))
    db.rollback()
    refused = reader.post(IMPORT, files=_upload(GOOD))
    assert refused.status_code == 403
    assert _contact_count(db, user) == 0
    assert reader.get("/api/v1/export").status_code == 200


def test_missing_file_and_anonymous_are_refused(api: ApiClient, client: ApiClient) -> None:
    assert api.post(IMPORT).status_code == 422
    assert client.post(IMPORT, files=_upload(GOOD)).status_code == 401
    assert client.get("/api/v1/export").status_code == 401


def test_idempotency_key_replays_the_report(api: ApiClient, db: Session, user: User) -> None:
    db.rollback()
    headers = {"Idempotency-Key": "import-1"}
    first = api.post(IMPORT, files=_upload(GOOD), headers=headers)
    second = api.post(IMPORT, files=_upload(GOOD), headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second.headers.get("Idempotent-Replayed") == "true"
    assert _contact_count(db, user) == 2


def test_export_is_a_json_attachment_of_the_users_data_only(
    api: ApiClient,
    api_client_for: Callable[..., ApiClient],
    user: User,
    other_user: User,
    db: Session,
) -> None:
    create_contact(db, user, ContactCreate(full_name="Alice's Contact"))
    create_contact(db, other_user, ContactCreate(full_name="Mallory's Contact"))
    db.rollback()
    response = api.get("/api/v1/export")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="rapport-alice-')
    document = orjson.loads(response.content)
    assert document["account"]["username"] == "alice"
    assert [c["full_name"] for c in document["contacts"]] == ["Alice's Contact"]
    assert b"Mallory" not in response.content
    theirs = api_client_for(other_user).get("/api/v1/export").json()
    assert [c["full_name"] for c in theirs["contacts"]] == ["Mallory's Contact"]


def test_contacts_csv_export(api: ApiClient, db: Session, user: User) -> None:
    create_contact(db, user, ContactCreate(full_name="=cmd|' /C calc'!A0"))
    db.rollback()
    response = api.get("/api/v1/export/contacts")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith('.csv"')
    assert "'=cmd|" in response.text


def test_openapi_declares_the_routes(api: ApiClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    upload = paths["/api/v1/import/linkedin"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "403", "409", "413", "422"} <= set(upload["responses"])
    export = paths["/api/v1/export"]["get"]
    assert "application/json" in export["responses"]["200"]["content"]


def test_each_format_import_keeps_its_own_declaration(api: ApiClient) -> None:
    # One function declares the three per-format imports: each keeps its operation id, its
    # words, its upload's description and the types it takes, as clients generated them.
    document = api.get("/openapi.json").json()
    expected = {
        "linkedin": ("Connections.csv", "LinkedIn's Connections.csv export", "text/csv"),
        "vcard": ("vCard .vcf", "A .vcf file of one or many cards", "text/vcard"),
        "google": ("Google Contacts", "contacts.csv from Google Contacts", "text/csv"),
    }
    for name, (summary, upload, media_type) in expected.items():
        operation = document["paths"][f"/api/v1/import/{name}"]["post"]
        assert operation["operationId"] == f"import_{name}"
        assert summary in operation["summary"]
        assert operation["description"].startswith("Create a contact for each")
        body = operation["requestBody"]["content"]["multipart/form-data"]
        assert body["encoding"]["file"]["contentType"].startswith(media_type)
        schema = document["components"]["schemas"][f"Body_import_{name}"]
        assert schema["properties"]["file"]["description"].startswith(upload)
        (dry_run,) = operation["parameters"]
        assert dry_run["name"] == "dry_run" and dry_run["in"] == "query"
