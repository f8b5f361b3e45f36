"""The full JSON export and the contacts CSV through the service: content, scoping, streaming."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts.models import Contact, Tag
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.exchange.export import service as export_service
from app.exchange.export.service import export_contacts_csv, export_json
from app.interactions.models import Interaction
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.organizations.models import Organization
from app.questions.models import QuestionBank
from tests.conftest import ApiClient
from tests.seeding import MARKER, seed_everything

SECRET = "Mallory Secret"


def _export(db: Session, user: User) -> dict[str, Any]:
    return orjson.loads(b"".join(export_json(db, user)))


def _owned_count(db: Session, model: Any, user: User) -> int:
    statement = select(func.count()).select_from(model).where(model.owner_id == user.id)
    return db.scalar(statement) or 0


@pytest.fixture
def seeded(app: FastAPI, api: ApiClient, user: User, other_user: User, db: Session) -> Any:
    """One of everything for ``user``; a contact, tag and organization for ``other_user``."""
    made = seed_everything(app, api)
    create_contact(db, other_user, ContactCreate(full_name=SECRET, tags=["mallory-tag"]))
    db.add(Organization(owner_id=other_user.id, name=f"{SECRET} Org"))
    db.commit()
    return made


def test_export_holds_everything_the_user_owns(db: Session, user: User, seeded: Any) -> None:
    document = _export(db, user)

    assert document["format"] == "rapport.export" and document["version"] == 1
    assert document["exported_at"].endswith("+00:00")
    assert document["account"]["username"] == "alice"
    params = seeded.params
    (career,) = document["careers"]
    assert career["id"] == params["career_id"]
    assert career["resources"][0]["url"] == f"https://example.org/{MARKER}"
    (organization,) = document["organizations"]
    assert organization["id"] == params["organization_id"]
    contact = next(c for c in document["contacts"] if c["id"] == params["contact_id"])
    assert contact["career_ids"] == [params["career_id"]]
    assert contact["tags"] == [f"tag-{MARKER}"]
    assert contact["organization_id"] == params["organization_id"]
    assert contact["email"] == f"{MARKER}@example.org"
    referred = next(c for c in document["contacts"] if c["id"] == params["referred_contact_id"])
    assert referred["introduced_by_id"] == params["contact_id"] and referred["tags"] == []
    (interaction,) = document["interactions"]
    assert interaction["contact_id"] == params["contact_id"]
    assert interaction["occurred_at"].endswith("+00:00")
    assert [t["name"] for t in document["tags"]] == [f"tag-{MARKER}"]
    (bank,) = document["question_banks"]  # built-in banks are not the user's
    assert bank["id"] == params["bank_id"] and bank["shared"] is False
    assert [q["id"] for q in bank["questions"]] == [params["question_id"]]
    assert bank["questions"][0]["tags"] == [f"tag-{MARKER}"]
    (interview,) = document["interviews"]
    assert interview["id"] == params["interview_id"]
    assert interview["scheduled_at"] is not None and interview["scheduled_at"].endswith("+00:00")
    assert isinstance(interview["checklist"], list) and interview["checklist"]
    assert interview["agenda"][-1]["id"] == params["item_id"]
    assert interview["agenda"][-1]["asked"] is False


def test_export_counts_match_the_database(db: Session, user: User, seeded: Any) -> None:
    document = _export(db, user)
    expected = {
        "careers": _owned_count(db, Career, user),
        "organizations": _owned_count(db, Organization, user),
        "tags": _owned_count(db, Tag, user),
        "contacts": _owned_count(db, Contact, user),
        "interactions": _owned_count(db, Interaction, user),
        "question_banks": _owned_count(db, QuestionBank, user),
        "interviews": _owned_count(db, Interview, user),
    }
    assert document["counts"] == expected
    assert {name: len(document[name]) for name in expected} == expected
    agenda = sum(len(i["agenda"]) for i in document["interviews"])
    assert agenda == _owned_count(db, InterviewQuestion, user)


def test_export_leaves_out_other_users_and_secrets(
    db: Session, user: User, other_user: User, seeded: Any
) -> None:
    raw = b"".join(export_json(db, user))
    assert SECRET.encode() not in raw and b"mallory" not in raw
    for secret_field in (b"password", b"token", b"secret_hash", b"search_text", b"owner_id"):
        assert secret_field not in raw
    theirs = _export(db, other_user)
    assert [c["full_name"] for c in theirs["contacts"]] == [SECRET]
    assert MARKER not in orjson.dumps(theirs).decode()


def test_export_streams_in_chunks_and_stays_valid(
    db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_service, "CHUNK_BYTES", 200)
    monkeypatch.setattr(export_service, "BATCH", 3)
    for index in range(25):
        create_contact(db, user, ContactCreate(full_name=f"Person {index:02d}", tags=["x", "a"]))
    chunks = list(export_json(db, user))

    assert len(chunks) > 10
    document = orjson.loads(b"".join(chunks))
    names = [c["full_name"] for c in document["contacts"]]
    assert names == [f"Person {index:02d}" for index in range(25)]
    assert all(c["tags"] == ["a", "x"] for c in document["contacts"])


def test_empty_account_exports_empty_sections(db: Session, user: User) -> None:
    document = _export(db, user)
    assert document["contacts"] == [] and document["interviews"] == []
    assert set(document["counts"].values()) == {0}


def test_contacts_csv_neutralises_formula_cells(db: Session, user: User) -> None:
    organization = Organization(owner_id=user.id, name="@Evil Corp")
    db.add(organization)
    db.commit()
    create_contact(
        db,
        user,
        ContactCreate(
            full_name='=HYPERLINK("http://x")',
            title="-2+3",
            organization_id=organization.id,
            phone="+1 202 555 0143",
            tags=["b", "a"],
            notes="plain, with comma",
        ),
    )
    create_contact(db, user, ContactCreate(full_name="Plain Person"))
    text = b"".join(export_contacts_csv(db, user)).decode()
    rows = list(csv.DictReader(io.StringIO(text)))

    assert [r["full_name"] for r in rows] == ['\'=HYPERLINK("http://x")', "Plain Person"]
    first = rows[0]
    assert first["title"] == "'-2+3"
    assert first["organization"] == "'@Evil Corp"
    # A validated E.164 number cannot be a formula: it is written as is (issue 11).
    assert first["phone"] == "+12025550143"
    assert first["tags"] == "a; b"
    assert first["notes"] == "plain, with comma"
    assert rows[1]["organization"] == "" and rows[1]["tags"] == ""


def test_contacts_csv_of_nobody_is_just_the_header(db: Session, user: User) -> None:
    text = b"".join(export_contacts_csv(db, user)).decode()
    assert text.strip() == ",".join(export_service.CSV_COLUMNS)


def test_rows_are_read_from_the_database_in_batches(
    db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A section is fetched BATCH rows at a time (a server-side cursor on PostgreSQL)."""
    for index in range(10):
        create_contact(db, user, ContactCreate(full_name=f"Person {index}"))
    monkeypatch.setattr(export_service, "BATCH", 4)
    fetched: list[int] = []
    execute = db.execute

    def spying_execute(*args: Any, **kwargs: Any) -> Any:
        result = execute(*args, **kwargs)
        partitions = result.partitions

        def spying_partitions(size: int | None = None) -> Any:
            for partition in partitions(size):
                fetched.append(len(partition))
                yield partition

        result.partitions = spying_partitions
        return result

    monkeypatch.setattr(db, "execute", spying_execute)
    document = orjson.loads(b"".join(export_json(db, user)))
    assert len(document["contacts"]) == 10
    assert max(fetched) == 4 and sum(fetched) >= 10
