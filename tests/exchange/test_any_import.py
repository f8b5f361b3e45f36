"""POST /api/v1/import/contacts: one flow for every format, a preview, then the commit."""

from __future__ import annotations

import gzip
import io
import json
import time
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.organizations.models import Organization
from app.tags import service as tags_service
from tests.conftest import ApiClient
from tests.exchange.conftest import FIRST_LINE, connections_csv, person

IMPORT = "/api/v1/import/contacts"
SHEET = (
    "Full Name,E-mail,Company,Title,Tags\n"
    "Ada Lovelace,ada@example.org,Analytical Engines,Programmer,math\n"
    "Grace Hopper,grace@navy.example,US Navy,Admiral,\n"
    "Nameless,not-an-email,,,\n"
    "Ada Lovelace,ADA@example.org,,,\n"
)
VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Katherine Johnson\r\nORG:NASA\r\n"
    "EMAIL;TYPE=INTERNET:kj@nasa.example\r\nCATEGORIES:mentor,space\\, science\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Vaughan;Dorothy;;;\r\nORG:NASA\r\nEND:VCARD\r\n"
)
GOOGLE = (
    "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value,Organization 1 - Name\n"
    "Mary Jackson,Mary,Jackson,* Work,mary@nasa.example,NASA\n"
)


def upload(text: str | bytes, name: str = "contacts.csv") -> dict[str, Any]:
    raw = text.encode() if isinstance(text, str) else text
    return {"file": (name, raw, "application/octet-stream")}


def post(api: ApiClient, text: str | bytes, name: str = "contacts.csv", **data: Any) -> Any:
    fields = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in data.items()}
    return api.post(IMPORT, files=upload(text, name), data=fields)


def count(db: Session, model: Any, user: User) -> int:
    statement = select(func.count()).select_from(model).where(model.owner_id == user.id)
    found = db.scalar(statement) or 0
    db.rollback()  # the arranging session must not keep SQLite's write lock
    return found


def test_preview_classifies_every_row_then_commit_does_exactly_that(
    api: ApiClient, db: Session, user: User
) -> None:
    preview = post(api, SHEET)

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["format"], body["encoding"], body["delimiter"]) == ("csv", "utf-8", ",")
    assert body["mapping"] == {
        "name": "Full Name",
        "email": "E-mail",
        "organization": "Company",
        "title": "Title",
        "tags": "Tags",
    }
    statuses = [(i["line"], i["status"]) for i in body["items"]]
    assert statuses == [(2, "new"), (3, "new"), (4, "invalid"), (5, "duplicate")]
    assert body["items"][2]["reasons"] and body["items"][3]["duplicate_of_line"] == 2
    assert (body["new"], body["duplicates"], body["invalid"], body["dry_run"]) == (2, 1, 1, True)
    assert count(db, Contact, user) == 0  # a preview writes nothing

    done = post(api, SHEET, dry_run="false", expected_sha256=body["file_sha256"])

    assert done.status_code == 200, done.text
    committed = done.json()
    assert committed["dry_run"] is False and committed["created"] == 2
    assert committed["items"] == body["items"]  # the commit did what the preview showed
    assert count(db, Contact, user) == 2 and count(db, Organization, user) == 2
    ada = api.get("/api/v1/contacts", params={"q": "lovelace"}).json()["items"][0]
    assert (ada["title"], ada["tags"]) == ("Programmer", ["math"])


def test_a_changed_file_is_refused_and_nothing_is_written(
    api: ApiClient, db: Session, user: User
) -> None:
    sha = post(api, SHEET).json()["file_sha256"]

    changed = post(
        api, SHEET + "Alan Turing,alan@example.org,,,\n", dry_run="false", expected_sha256=sha
    )

    assert changed.status_code == 409
    assert changed.headers["content-type"].startswith("application/problem+json")
    assert "changed since its preview" in changed.json()["detail"]
    assert count(db, Contact, user) == 0


def test_unticked_rows_are_left_out(api: ApiClient, db: Session, user: User) -> None:
    done = post(api, SHEET, dry_run="false", skip_lines=["3"])

    assert [(i["line"], i["status"]) for i in done.json()["items"]][:2] == [
        (2, "new"),
        (3, "skipped"),
    ]
    assert done.json()["created"] == 1
    names = [c.full_name for c in db.scalars(select(Contact).where(Contact.owner_id == user.id))]
    assert names == ["Ada Lovelace"]


def test_duplicates_name_the_contact_they_match_and_never_another_users(
    api: ApiClient, db: Session, user: User, other_user: User
) -> None:
    mine = create_contact(db, user, ContactCreate(full_name="grace  HOPPER"))
    db.commit()
    create_contact(db, user, ContactCreate(full_name="Someone", email="Ada@Example.org"))
    # Mallory has the same people: her contacts must never be matched, nor revealed.
    create_contact(
        db, other_user, ContactCreate(full_name="Mallory's Ada", email="ada@example.org")
    )
    hidden = create_contact(db, other_user, ContactCreate(full_name="Alan Turing"))
    db.commit()
    organization = api.post("/api/v1/organizations", json={"name": "us navy"}).json()
    api.patch(
        f"/api/v1/contacts/{mine.id}",
        json={"organization_id": organization["id"]},
        headers={"If-Match": '"v1"'},
    )
    text = SHEET + "Alan Turing,,,,\n"

    items = {i["line"]: i for i in post(api, text).json()["items"]}

    assert items[2]["match"]["full_name"] == "Someone" and items[2]["match"]["by"] == "email"
    assert items[3]["match"] == {
        "id": mine.id,
        "full_name": "grace  HOPPER",
        "by": "name_organization",
    }
    assert items[6]["status"] == "new" and items[6]["match"] is None
    assert str(hidden.id) not in json.dumps(items[6])


def test_update_empty_fills_only_empty_fields(api: ApiClient, db: Session, user: User) -> None:
    kept = create_contact(
        db, user, ContactCreate(full_name="Someone", email="ada@example.org", title="Countess")
    )
    db.commit()

    preview = post(api, SHEET, update_empty="true").json()
    assert preview["items"][0]["fills"] == ["organization", "tags"]
    assert preview["updated"] == 1
    done = post(api, SHEET, dry_run="false", update_empty="true").json()

    assert done["updated"] == 1
    contact = api.get(f"/api/v1/contacts/{kept.id}").json()
    assert (contact["full_name"], contact["title"]) == ("Someone", "Countess")  # kept as is
    assert contact["tags"] == ["math"] and contact["organization_id"] is not None
    assert contact["version"] == 2
    found = api.get("/api/v1/contacts", params={"q": "analytical"}).json()["items"]
    assert [c["id"] for c in found] == [kept.id]  # the search text follows the new fields


def test_without_update_empty_a_matched_contact_is_untouched(
    api: ApiClient, db: Session, user: User
) -> None:
    kept = create_contact(db, user, ContactCreate(full_name="Someone", email="ada@example.org"))
    db.commit()
    post(api, SHEET, dry_run="false")
    contact = api.get(f"/api/v1/contacts/{kept.id}").json()
    assert (contact["version"], contact["organization_id"], contact["tags"]) == (1, None, [])


@pytest.mark.parametrize(
    ("text", "name", "fmt", "rows"),
    [
        (SHEET, "sheet.csv", "csv", 2),
        (VCARDS, "phone.vcf", "vcard", 2),
        (GOOGLE, "contacts.csv", "google", 1),
        (
            connections_csv([person("Jane", "Doe", "jane-doe"), person("Omar", "H", "omar")]),
            "Connections.csv",
            "linkedin",
            2,
        ),
    ],
)
def test_every_format_twice_creates_nothing_the_second_time(
    api: ApiClient, db: Session, user: User, text: str, name: str, fmt: str, rows: int
) -> None:
    first = post(api, text, name, dry_run="false").json()
    assert (first["format"], first["created"]) == (fmt, rows)

    second = post(api, text, name, dry_run="false").json()

    assert second["created"] == 0 and second["new"] == 0
    assert count(db, Contact, user) == rows


def test_vcard_categories_become_tags(api: ApiClient) -> None:
    post(api, VCARDS, "phone.vcf", dry_run="false")
    found = api.get("/api/v1/contacts", params={"q": "katherine"}).json()["items"][0]
    assert found["tags"] == ["mentor", "space, science"]


def test_linkedin_connected_on_is_a_date(api: ApiClient) -> None:
    text = connections_csv([person("Jane", "Doe", "jane-doe", connected="05 Feb 2023")])
    item = post(api, text, "Connections.csv", dry_run="false").json()["items"][0]
    assert item["line"] == FIRST_LINE
    jane = api.get("/api/v1/contacts").json()["items"][0]
    assert (jane["connected_on"], jane["how_we_met"]) == ("2023-02-05", "LinkedIn connection")
    assert api.get(f"/api/v1/contacts/{jane['id']}").json()["connected_on"] == "2023-02-05"


def test_mapping_and_format_are_chosen_by_the_caller(api: ApiClient) -> None:
    text = "Who,Mail\nAda Lovelace,ada@example.org\n"

    unguessed = post(api, text)
    assert unguessed.status_code == 422
    assert [e["field"] for e in unguessed.json()["errors"]] == ["mapping.name"]

    mapped = post(api, text, mapping={"name": "Who", "email": "Mail"}, format="csv").json()
    assert mapped["mapping"] == {"name": "Who", "email": "Mail"}
    assert mapped["items"][0]["email"] == "ada@example.org"

    broken = post(api, text, mapping="{not json")
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "mapping"
    bad_format = post(api, text, format="xlsx")
    assert bad_format.status_code == 422


def test_a_failure_while_writing_changes_nothing(
    api: ApiClient, db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(tags_service, "tag_new_contacts", broken)
    assert post(api, SHEET, dry_run="false").status_code == 500
    assert count(db, Contact, user) == 0 and count(db, Organization, user) == 0


def test_idempotency_key_replays_the_commit(api: ApiClient, db: Session, user: User) -> None:
    headers = {"Idempotency-Key": "import-1"}
    first = api.post(IMPORT, files=upload(SHEET), data={"dry_run": "false"}, headers=headers)
    again = api.post(IMPORT, files=upload(SHEET), data={"dry_run": "false"}, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json() and count(db, Contact, user) == 2


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("contacts.vcf", b"\x00" * (50 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("raw", "name", "status"),
    [
        (_zip_bomb(), "contacts.vcf", 422),
        (gzip.compress(b"BEGIN:VCARD\r\n" * 100_000), "contacts.vcf", 422),
        (bytes(range(256)) * 100, "contacts.csv", 422),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "photo.csv", 422),
        (b"", "empty.csv", 422),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_stored(
    api: ApiClient, db: Session, user: User, raw: bytes, name: str, status: int
) -> None:
    response = post(api, raw, name, dry_run="false")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count(db, Contact, user) == 0


def test_a_50_mb_line_is_413_fast(api: ApiClient, db: Session, user: User) -> None:
    started = time.perf_counter()
    response = post(api, b"Name,Notes\nAda," + b"x" * (50 * 1024 * 1024) + b"\n", dry_run="false")
    assert response.status_code == 413
    assert time.perf_counter() - started < 5
    assert count(db, Contact, user) == 0


def test_ten_thousand_rows_import_within_a_cpu_time_bound(
    api: ApiClient, db: Session, user: User
) -> None:
    lines = ["Name;Email;Company;Phone"]
    lines += [
        f"Person {n};p{n}@example.org;Org {n % 300};+1 415 555 {n % 10000:04d}"
        for n in range(10_000)
    ]
    raw = ("\n".join(lines) + "\n").encode("utf-16")

    started = time.process_time()
    response = post(api, raw, dry_run="false")
    spent = time.process_time() - started

    assert response.status_code == 200, response.text
    assert response.json()["created"] == 10_000
    # Generous for a shared CI machine; a quadratic step would take minutes.
    assert spent < 20, f"{spent:.1f} s of CPU for 10,000 rows"
    assert count(db, Contact, user) == 10_000
