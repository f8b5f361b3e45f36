"""The job-search status has one home: app.jobsearch writes and reads it for every path."""

from __future__ import annotations

import orjson
from bs4 import BeautifulSoup
from sqlalchemy import inspect, text

from app.auth import service as auth_service
from app.auth.schemas import UserCreate
from app.db import make_engine, open_session
from app.exchange.export.service import export_json
from app.jobsearch import service
from app.migrations import downgrade, upgrade
from app.registry import import_all_models
from tests.conftest import PASSWORD
from tests.test_migrations import empty_database_url  # noqa: F401 (the fixture)


def _statuses(api) -> list[tuple[str, str]]:
    history = api.get("/api/v1/me/job-search").json()["history"]
    return [(h["status"], h["note"]) for h in history]


def test_profile_patch_records_a_change_in_the_history(api):
    response = api.patch("/api/v1/me", json={"job_search_status": "searching"})
    assert response.status_code == 200
    assert response.json()["job_search_status"] == "searching"
    state = api.get("/api/v1/me/job-search").json()
    assert (state["status"], state["version"]) == ("searching", 1)
    # Only the note: the status stays, a change is recorded; the same again records nothing.
    api.patch("/api/v1/me", json={"job_search_note": "Data roles"})
    api.patch("/api/v1/me", json={"job_search_note": "Data roles"})
    assert _statuses(api) == [("searching", "Data roles"), ("searching", "")]
    # Other profile fields leave the history alone.
    api.patch("/api/v1/me", json={"display_name": "Alice"})
    assert len(_statuses(api)) == 2


def test_profile_patch_maps_the_former_values(api):
    api.patch("/api/v1/me", json={"job_search_status": "employed"})
    assert api.get("/api/v1/me").json()["job_search_status"] == "accepted_offer"
    api.patch("/api/v1/me", json={"job_search_status": "paused", "job_search_note": "A break"})
    assert _statuses(api)[0] == ("exploring", "A break")
    # The job-search vocabulary is accepted there too.
    api.patch("/api/v1/me", json={"job_search_status": "interviewing"})
    assert api.get("/api/v1/me/job-search").json()["status"] == "interviewing"


def test_profile_patch_refuses_an_unknown_status_naming_the_field(api):
    response = api.patch("/api/v1/me", json={"job_search_status": "retired"})
    assert response.status_code == 422
    assert "job_search_status" in [e["field"].split(".")[-1] for e in response.json()["errors"]]
    assert _statuses(api) == []


def test_me_reads_the_status_the_job_search_api_set(api):
    assert api.get("/api/v1/me").json()["job_search_status"] == "exploring"
    api.put("/api/v1/me/job-search", json={"status": "preparing", "note": "CV first"})
    me = api.get("/api/v1/me").json()
    assert (me["job_search_status"], me["job_search_note"]) == ("preparing", "CV first")


def test_a_new_status_from_the_profile_drops_the_old_date(api):
    api.put("/api/v1/me/job-search", json={"status": "searching", "since": "2026-11-01"})
    api.patch("/api/v1/me", json={"job_search_note": "Still at it"})
    assert api.get("/api/v1/me/job-search").json()["since"] == "2026-11-01"
    api.patch("/api/v1/me", json={"job_search_status": "interviewing"})
    state = api.get("/api/v1/me/job-search").json()
    assert (state["status"], state["note"], state["since"]) == ("interviewing", "Still at it", None)


def test_account_page_shows_the_status_and_links_to_its_page(web, api):
    api.put("/api/v1/me/job-search", json={"status": "interviewing", "note": "Two panels"})
    page = BeautifulSoup(web.get("/account").text, "html.parser")
    assert page.select_one('select[name="job_search_status"]') is None
    shown = page.select_one("#job-search-status")
    assert "Interviewing" in shown.text and "Two panels" in shown.text
    assert shown.select_one('a[href="/job-search"]') is not None


def test_account_profile_form_leaves_the_status_alone(web, api):
    api.put("/api/v1/me/job-search", json={"status": "searching"})
    response = web.form_post(
        "/account/profile",
        {"display_name": "Alice", "timezone": "UTC", "job_search_status": "paused"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _statuses(api) == [("searching", "")]


def test_migration_moves_profile_statuses_into_the_history(empty_database_url: str) -> None:  # noqa: F811
    import_all_models()
    upgrade(empty_database_url, "f7a1b5c9d4e8")
    engine = make_engine(empty_database_url)
    try:
        with open_session(engine, write=True) as db:
            for name, status, note in [
                ("employed1", "employed", "Happy here"),
                ("paused1", "paused", ""),
                ("default1", "exploring", ""),
                ("both1", "searching", "profile copy"),
            ]:
                user = _early_user(db, name)
                db.execute(
                    text(
                        "UPDATE users SET job_search_status = :s, job_search_note = :n WHERE id = :i"
                    ),
                    {"s": status, "n": note, "i": user},
                )
            both = db.scalar(text("SELECT id FROM users WHERE username = 'both1'"))
            db.execute(
                text(
                    "INSERT INTO job_search_changes (owner_id, status, note, changed_at)"
                    " VALUES (:o, 'interviewing', 'page copy', CURRENT_TIMESTAMP)"
                ),
                {"o": both},
            )
            db.commit()
        upgrade(empty_database_url, "d5e7f9a1b3c5")
        with open_session(engine) as db:
            rows = db.execute(
                text(
                    "SELECT u.username, c.status, c.note FROM job_search_changes c"
                    " JOIN users u ON u.id = c.owner_id ORDER BY u.username, c.id"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                ("both1", "interviewing", "page copy"),
                ("employed1", "accepted_offer", "Happy here"),
            ]
            columns = {c["name"] for c in _columns(db, "users")}
            assert not columns & {"job_search_status", "job_search_note"}
            employed = auth_service.get_user_by_username(db, "employed1")
            assert service.current_status(db, employed).status == "accepted_offer"
            assert db.scalar(text("SELECT count(*) FROM users")) == 4
        # Down again: each user's latest change fills the columns back.
        downgrade(empty_database_url, "f7a1b5c9d4e8")
        with open_session(engine) as db:
            back = db.execute(
                text("SELECT username, job_search_status, job_search_note FROM users ORDER BY 1")
            ).all()
            assert [tuple(r) for r in back] == [
                ("both1", "interviewing", "page copy"),
                ("default1", "exploring", ""),
                ("employed1", "accepted_offer", "Happy here"),
                ("paused1", "exploring", ""),
            ]
    finally:
        engine.dispose()


def _early_user(db, name: str) -> int:
    """A user as the schema before the migration stores it (the model no longer matches)."""
    data = UserCreate(username=name, password=PASSWORD)
    db.execute(
        text(
            "INSERT INTO users (username, username_key, password_hash, display_name, timezone,"
            " is_admin, is_active, job_search_status, job_search_note, created_at, updated_at,"
            " version) VALUES (:u, :u, 'x', '', 'UTC', false, true, 'exploring', '',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
        ),
        {"u": data.username},
    )
    return db.scalar(text("SELECT id FROM users WHERE username = :u"), {"u": name})


def _columns(db, table: str) -> list[dict]:
    return inspect(db.get_bind()).get_columns(table)


def test_export_carries_the_current_status(api, db, user):
    api.put("/api/v1/me/job-search", json={"status": "interviewing", "note": "Two panels"})
    document = orjson.loads(b"".join(export_json(db, user)))
    account = document["account"]
    assert (account["job_search_status"], account["job_search_note"]) == (
        "interviewing",
        "Two panels",
    )


def test_import_of_a_document_without_history_keeps_its_stated_status(
    api, db, user, make_user, api_client_for
):
    document = orjson.loads(b"".join(export_json(db, user)))
    assert document["job_search_changes"] == []
    # Made when the profile kept its own copy, in its own vocabulary.
    document["account"].update(job_search_status="employed", job_search_note="At the museum")
    fresh = make_user("bob")
    client = api_client_for(fresh)
    response = client.post(
        "/api/v1/import/account",
        content=orjson.dumps(document),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert _statuses(client) == [("accepted_offer", "At the museum")]


def test_import_with_history_takes_the_history(api, db, user, make_user, api_client_for):
    api.put("/api/v1/me/job-search", json={"status": "searching"})
    api.put("/api/v1/me/job-search", json={"status": "interviewing", "note": "Panels"})
    document = orjson.loads(b"".join(export_json(db, user)))
    fresh = make_user("bob")
    client = api_client_for(fresh)
    response = client.post(
        "/api/v1/import/account",
        content=orjson.dumps(document),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert _statuses(client) == [("interviewing", "Panels"), ("searching", "")]
