"""Whole-account import: export, import into a fresh account, export again, nothing lost."""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from app.auth.models import User
from app.cli import app as cli_app
from app.contacts.models import Contact
from app.exchange.account import service as account_service
from app.exchange.export.service import export_json
from app.followups.schemas import FollowUpSettingsUpdate
from app.followups.service import save_settings
from app.questions.models import QuestionBank
from tests.conftest import ApiClient, WebClient
from tests.seeding import MARKER, seed_everything

URL = "/api/v1/import/account"
# Keys of the document that describe the export itself or the account's identity.
_IDENTITY = ("username", "display_name", "email", "created_at")


def _export(db: Session, user: User) -> dict[str, Any]:
    db.expire_all()
    document = orjson.loads(b"".join(export_json(db, user)))
    db.commit()  # end the read, so the requests that follow may write
    return document


def _rich_account(app: FastAPI, api: ApiClient, db: Session, user: User) -> dict[str, Any]:
    """seed_everything plus the links it leaves out: built-in sources, promises, events."""
    seeded = seed_everything(app, api).params
    contact_id, interview_id = seeded["contact_id"], seeded["interview_id"]
    builtin = db.scalars(
        select(QuestionBank.id).where(QuestionBank.owner_id.is_(None)).order_by(QuestionBank.id)  # type: ignore[union-attr]
    ).first()
    assert builtin is not None
    db.commit()  # end the read: the requests below write
    ok = (200, 201)
    assert api.post(f"/api/v1/question-banks/{builtin}/copy", json={}).status_code in ok
    response = api.post(
        f"/api/v1/interviews/{interview_id}/questions/from-bank", json={"bank_id": builtin}
    )
    assert response.status_code in ok, response.text
    third = api.post(
        "/api/v1/contacts",
        json={
            "full_name": f"Third {MARKER}",
            "phone": "+1 202 555 0143",
            "linkedin_url": "https://www.linkedin.com/in/third-person",
            "introduced_by_id": seeded["referred_contact_id"],
            "stay_in_touch_days": 30,
            "tags": ["mentor", f"tag-{MARKER}"],
        },
    )
    assert third.status_code == 201, third.text
    promise = {"text": f"Send my portfolio {MARKER}", "by": "me"}
    response = api.post(f"/api/v1/interviews/{interview_id}/promises", json=promise)
    assert response.status_code == 201, response.text
    held = {"status": "completed", "held_at": "2026-11-21T10:00:00+00:00"}
    response = api.post(f"/api/v1/interviews/{interview_id}/status", json=held)
    assert response.status_code == 200, response.text
    agenda = api.get(f"/api/v1/interviews/{interview_id}/questions").json()
    items = agenda["items"] if isinstance(agenda, dict) else agenda
    response = api.patch(
        f"/api/v1/interviews/{interview_id}/questions/{items[0]['id']}",
        json={"asked": True, "answer_notes": f"Heard {MARKER}"},
    )
    assert response.status_code == 200, response.text
    status = {"status": "searching", "note": f"Data roles {MARKER}", "since": "2026-11-01"}
    assert api.put("/api/v1/me/job-search", json=status).status_code == 200
    markdown = api.post(
        "/api/v1/resumes",
        data={"label": "Markdown one"},
        files={"file": ("cv.md", b"# Resume\n\nHello", "text/markdown")},
    )
    assert markdown.status_code == 201, markdown.text
    response = api.post(
        f"/api/v1/resumes/{markdown.json()['id']}/shares", json={"contact_id": contact_id}
    )
    assert response.status_code == 201, response.text
    save_settings(db, user, FollowUpSettingsUpdate(thank_you_delay_hours=48, email_digest=True))
    api.post(
        "/api/v1/interactions",
        json={
            "contact_id": third.json()["id"],
            "kind": "call",
            "occurred_at": "2026-11-10T09:00:00+00:00",
        },
    )
    return seeded


def _id_maps(first: dict[str, Any], second: dict[str, Any]) -> dict[str, dict[int, int]]:
    """Old id -> new id per kind, by position (rows are exported in id order, and stored in it)."""
    maps: dict[str, dict[int, int]] = {}
    for name, rows in first.items():
        if isinstance(rows, list):
            assert len(rows) == len(second[name]), name
            maps[name] = {a["id"]: b["id"] for a, b in zip(rows, second[name], strict=True)}
    maps["questions"] = {
        a["id"]: b["id"]
        for bank_a, bank_b in zip(first["question_banks"], second["question_banks"], strict=True)
        for a, b in zip(bank_a["questions"], bank_b["questions"], strict=True)
    }
    maps["agenda"] = {
        a["id"]: b["id"]
        for one, two in zip(first["interviews"], second["interviews"], strict=True)
        for a, b in zip(one["agenda"], two["agenda"], strict=True)
    }
    return maps


def _translated(document: dict[str, Any], maps: dict[str, dict[int, int]]) -> dict[str, Any]:
    """The document with every id and link written in the other account's ids."""
    out = copy.deepcopy(document)

    def move(row: dict[str, Any], key: str, kind: str, *, keep_unknown: bool = False) -> None:
        value = row.get(key)
        if value is not None:
            row[key] = maps[kind].get(value, value) if keep_unknown else maps[kind][value]

    for name in maps:
        for row in out.get(name, []):
            move(row, "id", name)
    for row in out["contacts"]:
        move(row, "organization_id", "organizations")
        move(row, "introduced_by_id", "contacts")
        row["career_ids"] = [maps["careers"][i] for i in row["career_ids"]]
    for row in out["interactions"]:
        move(row, "contact_id", "contacts")
    for bank in out["question_banks"]:
        move(bank, "copied_from_id", "question_banks", keep_unknown=True)
        for question in bank["questions"]:
            move(question, "id", "questions")
            question["bank_id"] = bank["id"]
    for interview in out["interviews"]:
        move(interview, "contact_id", "contacts")
        move(interview, "career_id", "careers")
        for item in interview["agenda"]:
            move(item, "id", "agenda")
            item["interview_id"] = interview["id"]
            move(item, "source_question_id", "questions", keep_unknown=True)
    for row in out["follow_ups"]:
        move(row, "contact_id", "contacts")
        old_interview = row["interview_id"]
        move(row, "interview_id", "interviews")
        if row["source_key"]:
            row["source_key"] = row["source_key"].replace(
                f"interview:{old_interview}:", f"interview:{row['interview_id']}:"
            )
    for row in out["resume_shares"]:
        move(row, "contact_id", "contacts")
        move(row, "resume_id", "resumes")
    return out


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in document.items() if k != "exported_at"}
    out["account"] = {k: v for k, v in document["account"].items() if k not in _IDENTITY}
    return out


@pytest.fixture
def rich(app: FastAPI, api: ApiClient, db: Session, user: User) -> dict[str, Any]:
    """The user's rich account, exported."""
    _rich_account(app, api, db, user)
    return _export(db, user)


def _holdings(db: Session, user: User) -> dict[str, int]:
    held = account_service.holdings(db, user)
    db.commit()
    return held


def _count(db: Session, model: Any, user: User) -> int:
    statement = select(func.count()).select_from(model).where(model.owner_id == user.id)
    count = db.scalar(statement) or 0
    db.commit()
    return count


# ---- the round trip ---------------------------------------------------------------------


def test_round_trip_keeps_every_entity_and_link(
    rich: dict[str, Any],
    db: Session,
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    fresh = make_user("bob")
    response = api_client_for(fresh).post(URL, content=orjson.dumps(rich), headers=_JSON)
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["version"] == 2 and report["unlinked"] == 0
    assert report["created"]["contacts"] == 3 and report["created"]["agenda_items"] >= 2

    again = _export(db, db.get(User, fresh.id))  # type: ignore[arg-type]

    # Every section is non-empty: the seed reaches every kind the export holds.
    sections = [k for k, v in rich.items() if isinstance(v, list)]
    assert all(rich[name] for name in sections), [n for n in sections if not rich[n]]
    assert any(f["source_key"] for f in rich["follow_ups"])  # made by the completion event
    assert rich["interviews"][0]["promises"] and rich["account"]["follow_up_settings"]
    assert any(c["introduced_by_id"] for c in rich["contacts"])
    assert again["account"]["username"] == "bob"
    assert _comparable(_translated(rich, _id_maps(rich, again))) == _comparable(again)
    # The links that leave the document point at the same built-in rows.
    copied = next(b for b in again["question_banks"] if b["copied_from_id"])
    assert copied["copied_from_builtin_key"] is not None
    sourced = [i for i in again["interviews"][0]["agenda"] if i["source_builtin_key"]]
    assert sourced
    # Resume bytes and derived search text came along.
    resumes = {r["file_name"]: base64.b64decode(r["content_base64"]) for r in again["resumes"]}
    assert resumes["cv.md"] == b"# Resume\n\nHello"
    found = api_client_for(fresh).get("/api/v1/contacts", params={"q": "third"}).json()
    assert [c["full_name"] for c in found["items"]] == [f"Third {MARKER}"]


def test_import_through_multipart_and_its_report(
    rich: dict[str, Any],
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    fresh = make_user("carol")
    files = {"file": ("export.json", orjson.dumps(rich), "application/json")}
    response = api_client_for(fresh).post(URL, files=files)
    assert response.status_code == 201, response.text
    assert response.json()["created"]["resumes"] == len(rich["resumes"])


def test_a_retry_with_the_same_idempotency_key_replays_the_report(
    rich: dict[str, Any],
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    client = api_client_for(make_user("lena"))
    headers = {**_JSON, "Idempotency-Key": "move-1"}
    first = client.post(URL, content=orjson.dumps(rich), headers=headers)
    again = client.post(URL, content=orjson.dumps(rich), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    # Without the key the account is simply no longer empty.
    assert client.post(URL, content=orjson.dumps(rich), headers=_JSON).status_code == 409


# ---- refusals ---------------------------------------------------------------------------

_JSON = {"Content-Type": "application/json"}


def test_non_empty_account_is_refused_with_what_it_holds(
    rich: dict[str, Any], api: ApiClient, db: Session, user: User
) -> None:
    before = _count(db, Contact, user)
    response = api.post(URL, content=orjson.dumps(rich), headers=_JSON)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "3 contacts" in detail and "1 career" in detail and "empty account" in detail
    assert _count(db, Contact, user) == before


def test_bad_row_names_its_path_and_stores_nothing(
    rich: dict[str, Any],
    db: Session,
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    fresh = make_user("dave")
    broken = copy.deepcopy(rich)
    broken["contacts"][2]["email"] = "not an email"
    broken["interviews"][0]["agenda"][0]["asked"] = "perhaps"
    broken["careers"][0]["resources"][0]["url"] = "ftp://nope"
    response = api_client_for(fresh).post(URL, content=orjson.dumps(broken), headers=_JSON)

    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "contacts[2].email" in fields and "email address" in fields["contacts[2].email"]
    assert "interviews[0].agenda[0].asked" in fields
    assert "careers[0].resources[0].url" in fields
    assert _holdings(db, fresh) == {}


def test_unknown_ids_and_loops_are_refused(
    rich: dict[str, Any],
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    broken = copy.deepcopy(rich)
    broken["interactions"][0]["contact_id"] = 99_999
    first, second = broken["contacts"][0], broken["contacts"][1]
    first["introduced_by_id"] = second["id"]  # second was introduced by first: a loop
    broken["tags"].append({"id": 777, "name": broken["tags"][0]["name"].upper()})
    broken["contacts"][0]["search_text"] = "forged"
    response = api_client_for(make_user("erin")).post(
        URL, content=orjson.dumps(broken), headers=_JSON
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "contacts[0].search_text" in fields  # derived columns are never taken from a file
    broken["contacts"][0].pop("search_text")
    response = api_client_for(make_user("erin2")).post(
        URL, content=orjson.dumps(broken), headers=_JSON
    )
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields["interactions[0].contact_id"] == "No contact with id 99999 in this document."
    assert "loop" in fields["contacts[0].introduced_by_id"]
    assert f"tags[{len(broken['tags']) - 1}].name" in fields


def test_other_users_ids_in_a_document_never_reach_their_rows(
    rich: dict[str, Any],
    db: Session,
    user: User,
    make_user: Callable[..., User],
    api_client_for: Callable[..., ApiClient],
) -> None:
    """Mallory names Alice's real contact and career ids: they are only document ids."""
    mallory = make_user("mallory")
    alice_contact = rich["contacts"][0]["id"]
    document = {
        "format": "rapport.export",
        "version": 2,
        "careers": [{"id": rich["careers"][0]["id"] + 1000, "title": "Mine"}],
        "contacts": [{"id": 5, "full_name": "M", "career_ids": [rich["careers"][0]["id"]]}],
        "interactions": [
            {
                "id": 1,
                "contact_id": alice_contact,
                "kind": "call",
                "occurred_at": "2026-11-01T00:00:00+00:00",
            }
        ],
    }
    before = _export(db, user)
    response = api_client_for(mallory).post(URL, content=orjson.dumps(document), headers=_JSON)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"contacts[0].career_ids[0]", "interactions[0].contact_id"}
    assert _holdings(db, mallory) == {}
    assert _comparable(_export(db, user)) == _comparable(before)

    # With ids that are the document's own, the rows are Mallory's and Alice's are untouched.
    document["contacts"][0]["id"] = alice_contact
    document["contacts"][0]["career_ids"] = [document["careers"][0]["id"]]
    response = api_client_for(mallory).post(URL, content=orjson.dumps(document), headers=_JSON)
    assert response.status_code == 201, response.text
    theirs = _export(db, mallory)
    assert [c["full_name"] for c in theirs["contacts"]] == ["M"]
    assert theirs["interactions"][0]["contact_id"] == theirs["contacts"][0]["id"]
    assert _comparable(_export(db, user)) == _comparable(before)


def test_older_version_document_is_imported(
    db: Session, make_user: Callable[..., User], api_client_for: Callable[..., ApiClient]
) -> None:
    """Version 1: seven sections, no tags section entries for every name, no new sections."""
    document = {
        "format": "rapport.export",
        "version": 1,
        "exported_at": "2025-01-01T00:00:00+00:00",
        "account": {"username": "old", "timezone": "Europe/Paris"},
        "careers": [{"id": 3, "title": "Archivist", "resources": []}],
        "organizations": [{"id": 8, "name": "Library"}],
        "tags": [],
        "contacts": [
            {
                "id": 4,
                "full_name": "Ada",
                "organization_id": 8,
                "career_ids": [3],
                "tags": ["Old Friend"],
            }
        ],
        "interactions": [],
        "question_banks": [{"id": 2, "name": "Mine", "questions": [{"id": 9, "text": "Why?"}]}],
        "interviews": [
            {
                "id": 6,
                "contact_id": 4,
                "status": "completed",
                "agenda": [
                    {"id": 1, "text": "Why?", "source_question_id": 9},
                    # A question of a bank the document does not hold (someone's shared one).
                    {"id": 2, "text": "Elsewhere?", "source_question_id": 4242},
                ],
            }
        ],
        "counts": {},
    }
    fresh = make_user("frank")
    response = api_client_for(fresh).post(URL, content=orjson.dumps(document), headers=_JSON)
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1 and response.json()["unlinked"] == 1
    again = _export(db, db.get(User, fresh.id))  # type: ignore[arg-type]
    (contact,) = again["contacts"]
    assert contact["tags"] == ["old friend"]
    assert contact["organization_id"] == again["organizations"][0]["id"]
    assert contact["career_ids"] == [again["careers"][0]["id"]]
    item, elsewhere = again["interviews"][0]["agenda"]
    assert item["source_question_id"] == again["question_banks"][0]["questions"][0]["id"]
    assert elsewhere["source_question_id"] is None and elsewhere["text"] == "Elsewhere?"
    assert again["account"]["timezone"] == "Europe/Paris"

    newer = dict(document, version=3)
    response = api_client_for(make_user("gina")).post(
        URL, content=orjson.dumps(newer), headers=_JSON
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "version"
    # A version 1 document has no follow-ups section: one is refused, not half-read.
    response = api_client_for(make_user("hank")).post(
        URL, content=orjson.dumps(dict(document, follow_ups=[])), headers=_JSON
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "follow_ups"


def test_oversize_body_is_413_before_it_is_read(
    api: ApiClient, app: FastAPI, db: Session, user: User
) -> None:
    limit = app.state.settings.max_upload_bytes
    body = b'{"format": "rapport.export", "version": 2, "careers": [' + b" " * limit + b"]}"
    started = time.perf_counter()
    response = api.post(URL, content=body, headers=_JSON)
    assert response.status_code == 413
    assert time.perf_counter() - started < 2
    assert _holdings(db, user) == {}


def test_malformed_documents_are_422(api: ApiClient) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    for body, field in (
        (b"{not json", "document"),
        (b"[1, 2]", "document"),
        (deep, "document"),
        (b'{"format": "other"}', "format"),
        (b'{"format": "rapport.export", "version": 2, "contacts": {}}', "contacts"),
    ):
        response = api.post(URL, content=body, headers=_JSON)
        assert response.status_code == 422, body[:40]
        assert response.json()["errors"][0]["field"] == field
    response = api.post(URL, content=b"x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_too_many_rows_are_refused_before_they_are_read(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(account_service, "MAX_SECTION_ROWS", 2)
    document = {"format": "rapport.export", "version": 2, "tags": [1, 2, 3]}
    response = api.post(URL, content=orjson.dumps(document), headers=_JSON)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "tags", "message": "Has more than 2 rows."}]


def test_read_only_token_cannot_import(
    user: User, make_token: Callable[..., str], client: Any
) -> None:
    token = make_token(user, scopes=("read",))
    response = client.post(
        URL,
        content=b'{"format": "rapport.export", "version": 2}',
        headers={"Authorization": f"Bearer {token}", **_JSON},
    )
    assert response.status_code == 403


# ---- the CLI and the page ---------------------------------------------------------------


def test_cli_imports_a_file(
    rich: dict[str, Any],
    db: Session,
    tmp_path: Path,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    monkeypatch.setenv("RAPPORT_DATABASE_URL", database_url)
    from app.config import get_settings

    get_settings.cache_clear()
    fresh = make_user("ivan")
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(rich))
    runner = CliRunner()
    result = runner.invoke(cli_app, ["import-account", str(path), "--user", "ivan"])
    assert result.exit_code == 0, result.output
    assert "3 contacts" in result.output
    assert _count(db, Contact, fresh) == 3

    result = runner.invoke(cli_app, ["import-account", str(path), "--user", "ivan"])
    assert result.exit_code == 1 and "already holds" in result.output
    broken = copy.deepcopy(rich)
    broken["contacts"][0]["email"] = "nope"
    path.write_bytes(orjson.dumps(broken))
    make_user("judy")
    result = runner.invoke(cli_app, ["import-account", str(path), "--user", "judy"])
    assert result.exit_code == 1 and "contacts[0].email" in result.output
    get_settings.cache_clear()


def _page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def test_page_imports_an_upload_and_shows_the_result(
    rich: dict[str, Any],
    db: Session,
    make_user: Callable[..., User],
    web_client_for: Callable[..., WebClient],
) -> None:
    fresh = make_user("kate")
    web = web_client_for(fresh)
    page = web.get("/import-export/account")
    assert page.status_code == 200
    form = _page(page).find("form", id="account-import")
    assert form is not None and form.get("enctype") == "multipart/form-data"
    assert form.find("input", attrs={"name": "file", "type": "file"}) is not None

    broken = copy.deepcopy(rich)
    broken["contacts"][1]["stage"] = "best friend"
    files = {"file": ("export.json", orjson.dumps(broken), "application/json")}
    response = web.post("/import-export/account", files=files)
    assert response.status_code == 422
    table = _page(response).find(attrs={"data-testid": "problems"})
    assert table is not None
    cells = [td.get_text(strip=True) for td in table.find_all("td")]
    assert "contacts[1].stage" in cells
    assert _holdings(db, fresh) == {}

    files = {"file": ("export.json", orjson.dumps(rich), "application/json")}
    response = web.post("/import-export/account", files=files, follow_redirects=False)
    assert response.status_code == 303
    done = web.get(response.headers["location"])
    summary = _page(done).find(attrs={"data-testid": "account-imported"})
    assert summary is not None and "3 contacts" in summary.get_text(" ", strip=True)
    assert _count(db, Contact, fresh) == 3

    response = web.post("/import-export/account", files=files)
    assert response.status_code == 409
    assert "already holds" in _page(response).get_text(" ", strip=True)


def test_page_without_a_file_asks_for_one(web: WebClient) -> None:
    response = web.post("/import-export/account", data={"x": "1"})
    assert response.status_code == 422
    assert "Choose" in _page(response).get_text(" ", strip=True)
