"""A vCard property too long to read (MAX_PROPERTY_CHARS) makes its own card the invalid row:
named by the card's name, the field named by its label, the card never imported without the
property, the other cards as before (API preview and commit, the preview page, the CLI)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.config import get_settings
from app.contacts.models import Contact
from app.exchange.filelimits import MAX_IMPORT_BYTES
from app.exchange.newcontacts.service import MAX_SHOWN_NAME
from app.exchange.vcard.addressbook import MAX_PROPERTY_CHARS
from tests.conftest import ApiClient, WebClient
from tests.exchange.test_any_import import post
from tests.exchange.test_cli import run
from tests.exchange.test_preview_views import PREVIEW, commit_form, rows, upload

LONG = "x" * MAX_PROPERTY_CHARS  # with its "NAME:" a line one past the limit, or more
TOO_LONG = f"longer than {MAX_PROPERTY_CHARS:,} characters."


def card(*properties: str) -> str:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n" + "".join(f"{p}\r\n" for p in properties) + "END:VCARD\r\n"
    )


# Ada's card begins on line 1, Bob's (the long note) on BAD_LINE, Grace's on LAST_LINE.
GOOD = card("FN:Ada Lovelace", "EMAIL:ada@example.org")
BAD = card("FN:Bob Long", "EMAIL:bob@example.org", "NOTE:" + LONG, "TITLE:Engineer")
LAST = card("FN:Grace Hopper", "NOTE:short")
MIXED = GOOD + BAD + LAST
BAD_LINE = GOOD.count("\n") + 1
LAST_LINE = BAD_LINE + BAD.count("\n")


def items(response: Any) -> list[tuple[int, str, str, list[str]]]:
    assert response.status_code == 200, response.text
    return [
        (i["line"], i["status"], i["full_name"], i["reasons"]) for i in response.json()["items"]
    ]


def names(db: Session, user: User) -> list[str]:
    statement = select(Contact.full_name).where(Contact.owner_id == user.id)
    found = sorted(db.scalars(statement))
    db.rollback()  # the arranging session must not keep SQLite's write lock
    return found


@pytest.mark.parametrize(
    ("properties", "name", "reasons"),
    [
        (("FN:Ada Lovelace", "NOTE:" + LONG), "Ada Lovelace", [f"Notes: {TOO_LONG}"]),
        # Two long notes are one reason; the line is measured folded or not.
        (
            ("FN:Ada Lovelace", "NOTE:" + LONG, "NOTE:y\r\n " + LONG),
            "Ada Lovelace",
            [f"Notes: {TOO_LONG}"],
        ),
        (("FN:Ada Lovelace", f"EMAIL:{LONG}@example.org"), "Ada Lovelace", [f"Email: {TOO_LONG}"]),
        # Every problem of the card at once: the long property and a bad field.
        (
            ("FN:Ada Lovelace", "EMAIL:not-an-email", "ORG:" + LONG),
            "Ada Lovelace",
            [f"Organization: {TOO_LONG}", "EMAIL: value is not a valid email address"],
        ),
        # A long FN: the card is named by its N when that is readable...
        (("FN:Ada " + LONG, "N:Lovelace;Ada;;;"), "Ada Lovelace", [f"Full name: {TOO_LONG}"]),
        # ... else by the start of the FN, cut as a preview cuts any long name.
        (
            ("FN:Ada Lovelace " + LONG, "EMAIL:ada@example.org"),
            ("Ada Lovelace " + LONG)[: MAX_SHOWN_NAME - 1] + "…",
            [f"Full name: {TOO_LONG}"],
        ),
        # A long note on a nameless card: both problems, and no name to show.
        (("NOTE:" + LONG,), "", [f"Notes: {TOO_LONG}", "A name is needed: FN and N are empty."]),
    ],
)
def test_the_card_with_a_long_property_is_its_own_named_invalid_row(
    api: ApiClient, properties: tuple[str, ...], name: str, reasons: list[str]
) -> None:
    (item,) = items(post(api, card(*properties), "contacts.vcf"))
    line, status, shown, given = item
    assert (line, status, shown) == (1, "invalid", name)
    assert len(given) == len(reasons)
    for reason, expected in zip(given, reasons, strict=True):
        assert reason.startswith(expected), given


def test_the_limit_is_the_line_length(api: ApiClient, db: Session, user: User) -> None:
    """A NOTE line of exactly the limit imports whole; one character more is refused."""
    at_limit = "NOTE:" + "n" * (MAX_PROPERTY_CHARS - len("NOTE:"))
    assert len(at_limit) == MAX_PROPERTY_CHARS
    text = card("FN:At Limit", at_limit) + card("FN:Past Limit", at_limit + "n")
    done = post(api, text, "contacts.vcf", dry_run="false")
    assert [(line, status, shown) for line, status, shown, _ in items(done)] == [
        (1, "new", "At Limit"),
        (6, "invalid", "Past Limit"),
    ]
    note = db.scalar(select(Contact.notes).where(Contact.owner_id == user.id))
    db.rollback()
    assert note == at_limit.removeprefix("NOTE:")


def test_preview_then_commit_leave_out_only_that_card(
    api: ApiClient, db: Session, user: User
) -> None:
    preview = post(api, MIXED, "contacts.vcf")
    assert items(preview) == [
        (1, "new", "Ada Lovelace", []),
        (BAD_LINE, "invalid", "Bob Long", [f"Notes: {TOO_LONG}"]),
        (LAST_LINE, "new", "Grace Hopper", []),
    ]
    body = preview.json()
    assert (body["rows"], body["new"], body["invalid"]) == (3, 2, 1)

    done = post(api, MIXED, "contacts.vcf", dry_run="false")
    assert [status for _, status, _, _ in items(done)] == ["new", "invalid", "new"]
    assert (done.json()["created"], done.json()["invalid"]) == (2, 1)
    # No Bob without his note: the refused card wrote nothing.
    assert names(db, user) == ["Ada Lovelace", "Grace Hopper"]


def test_the_all_or_nothing_route_refuses_the_file_naming_the_card(
    api: ApiClient, db: Session, user: User
) -> None:
    refused = api.post(
        "/api/v1/import/vcard", files={"file": ("contacts.vcf", MIXED.encode(), "text/vcard")}
    )
    assert refused.status_code == 422
    errors = [(e["field"], e["message"]) for e in refused.json()["errors"]]
    assert errors == [(f"row {BAD_LINE}: notes", f"Notes: {TOO_LONG}")]
    assert names(db, user) == []


def test_preview_page_names_the_card_and_commit_skips_it(
    web: WebClient, db: Session, user: User
) -> None:
    assert upload(web, MIXED, "contacts.vcf").status_code == 303
    page = web.get(PREVIEW)
    listed = rows(page.text)
    assert sorted(listed) == [1, BAD_LINE, LAST_LINE]
    bad = listed[BAD_LINE]
    assert (bad["status"], bad["name"], bad["checkbox"]) == ("invalid", "Bob Long", False)
    assert bad["note"] == f"Notes: {TOO_LONG}"
    assert listed[1]["status"] == listed[LAST_LINE]["status"] == "new"

    done = web.post(f"{PREVIEW}/commit", data=commit_form(page.text), follow_redirects=False)
    assert done.status_code == 303
    assert names(db, user) == ["Ada Lovelace", "Grace Hopper"]


def test_cli_dry_run_names_the_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, user: User
) -> None:
    """`rapport import --dry-run` against this run's database (SQLite or PostgreSQL)."""
    monkeypatch.setenv("RAPPORT_DATABASE_URL", database_url)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "c" * 48)
    monkeypatch.setenv("RAPPORT_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("RAPPORT_ENV", raising=False)
    source = tmp_path / "contacts.vcf"
    source.write_text(MIXED)
    try:
        checked = run("import", str(source), "--user", user.username, "--dry-run")
    finally:
        get_settings.cache_clear()  # no later test may read this test's settings
    assert checked.exit_code == 0, checked.output
    assert "3 rows: 2 new, 0 duplicates, 1 invalid" in checked.output
    assert f"line {BAD_LINE} (Bob Long): invalid: Notes: {TOO_LONG}" in checked.output
    assert "would create 2 contacts" in checked.output


# Cards of one long note each, as many as the size limit holds: the worst file of such lines.
_LONG_CARD = card("FN:Bob Long", "NOTE:" + LONG)


@pytest.mark.parametrize("route", ["/api/v1/import/contacts", "/api/v1/import/vcard"])
def test_a_file_of_long_lines_at_the_size_limit_stays_bounded(api: ApiClient, route: str) -> None:
    content = (_LONG_CARD * (MAX_IMPORT_BYTES // len(_LONG_CARD))).encode()
    cards = content.count(b"BEGIN:VCARD")
    started = time.process_time()  # CPU of this process (the request runs in it), not wall
    response = api.post(route, files={"file": ("contacts.vcf", content, "text/vcard")})
    elapsed = time.process_time() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    if route.endswith("/contacts"):  # the preview: every card its own named invalid row
        listed = items(response)
        assert len(listed) == cards
        assert {(status, shown) for _, status, shown, _ in listed} == {("invalid", "Bob Long")}
    else:  # all or nothing: refused, each card's problem listed
        assert response.status_code == 422
        assert len(response.json()["errors"]) == cards
