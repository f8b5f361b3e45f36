"""The full JSON export and the contacts CSV through the service: content, scoping, streaming."""

from __future__ import annotations

import base64
import csv
import hashlib
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
from app.followups.models import FollowUp
from app.interactions.models import Interaction
from app.interviews.agenda.models import InterviewQuestion
from app.interviews.models import Interview
from app.jobsearch.models import JobSearchChange
from app.messages.models import MessageTemplate
from app.organizations.models import Organization
from app.questions.models import QuestionBank
from app.resumes.models import Resume
from app.resumes.shares.models import ResumeShare
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

    assert document["format"] == "rapport.export" and document["version"] == 2
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
    (follow_up,) = document["follow_ups"]
    assert follow_up["contact_id"] == params["contact_id"]
    assert follow_up["interview_id"] == params["interview_id"]
    (template,) = document["message_templates"]  # the built-in templates are not the user's
    assert template["id"] == params["template_id"]
    (resume,) = document["resumes"]
    assert base64.b64decode(resume["content_base64"]) == f"Resume {MARKER}".encode()
    assert resume["sha256"] == hashlib.sha256(f"Resume {MARKER}".encode()).hexdigest()
    (share,) = document["resume_shares"]
    assert (share["resume_id"], share["contact_id"]) == (params["resume_id"], params["contact_id"])
    assert document["job_search_changes"] == []
    assert document["account"]["follow_up_settings"] is None


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
        "follow_ups": _owned_count(db, FollowUp, user),
        "message_templates": _owned_count(db, MessageTemplate, user),
        "job_search_changes": _owned_count(db, JobSearchChange, user),
        "resumes": _owned_count(db, Resume, user),
        "resume_shares": _owned_count(db, ResumeShare, user),
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
    secrets = (b"password", b"token", b"secret_hash", b"rcal_", b"search_text", b"owner_id")
    for secret_field in secrets:
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


def test_export_never_holds_the_feed_secret_or_tokens(
    db: Session, user: User, api: ApiClient, seeded: Any
) -> None:
    secret = api.post("/api/v1/me/calendar-feed").json()
    token = api.headers["Authorization"].removeprefix("Bearer ")
    raw = b"".join(export_json(db, user))
    feed_secret = next(v for v in secret.values() if isinstance(v, str) and "/feeds/" in v)
    assert feed_secret.rsplit("/", 1)[-1].removesuffix(".ics").encode() not in raw
    assert token.encode() not in raw and token[:8].encode() not in raw
    assert b"calendar" not in raw and b"api_token" not in raw


def test_export_names_built_in_origins_by_key(
    db: Session, user: User, api: ApiClient, seeded: Any
) -> None:
    """A copied built-in bank and an agenda item from a built-in question carry its key."""
    builtin = db.scalars(
        select(QuestionBank).where(QuestionBank.owner_id.is_(None)).order_by(QuestionBank.id)  # type: ignore[union-attr]
    ).first()
    assert builtin is not None
    key, builtin_id = builtin.builtin_key, builtin.id
    db.commit()
    assert api.post(f"/api/v1/question-banks/{builtin_id}/copy", json={}).status_code == 201
    interview_id = seeded.params["interview_id"]
    response = api.post(
        f"/api/v1/interviews/{interview_id}/questions/from-bank", json={"bank_id": builtin_id}
    )
    assert response.status_code == 201, response.text
    document = _export(db, user)
    copied = [b for b in document["question_banks"] if b["copied_from_id"] == builtin_id]
    assert [b["copied_from_builtin_key"] for b in copied] == [key]
    keys = [i["source_builtin_key"] for i in document["interviews"][0]["agenda"]]
    assert keys[0] is None  # from the user's own bank: its id is in the document
    assert all(k is not None and k.startswith(f"{key}/") for k in keys[1:]) and keys[1:]


def test_contacts_csv_reads_each_contacts_kept_tags_in_one_statement_per_batch(
    db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tags come from the contact's kept column (A-Z by code point, as the API gives
    them, on both databases), in the batch's own statement: none per contact or batch."""
    create_contact(db, user, ContactCreate(full_name="Émile", tags=["Zulu", "alpha", "émigré"]))
    create_contact(db, user, ContactCreate(full_name="Bea"))
    monkeypatch.setattr(export_service, "BATCH", 1)
    statements: list[str] = []
    execute = db.execute

    def counting_execute(*args: Any, **kwargs: Any) -> Any:
        statements.append(str(args[0]))
        return execute(*args, **kwargs)

    monkeypatch.setattr(db, "execute", counting_execute)
    rows = list(csv.DictReader(io.StringIO(b"".join(export_contacts_csv(db, user)).decode())))
    assert {row["full_name"]: row["tags"] for row in rows} == {
        "Émile": "alpha; zulu; émigré",
        "Bea": "",
    }
    assert len(statements) == 1  # two batches, one statement
    assert "contact_tags" not in statements[0]
