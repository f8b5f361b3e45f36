"""Google Contacts CSV: both header styles, " ::: " values, the one import flow, API/page/CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.errors import Invalid
from app.exchange.google.service import import_google_csv
from app.organizations.models import Organization
from tests.conftest import ApiClient, WebClient

IMPORT = "/api/v1/import/google"
CURRENT = (
    "First Name,Middle Name,Last Name,Organization Name,Organization Title,"
    "Organization Department,Birthday,Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - City,"
    "Address 1 - Region,Address 1 - Country,Website 1 - Label,Website 1 - Value\r\n"
    'Grace,Brewster,Hopper,"Navy, Labs",Rear Admiral,Computing,1906-12-09,"Line one\nline two",'
    "* myContacts,Home,g@home.example,* Work,grace@navy.example ::: grace@other.example,"
    "Mobile,+1 202 555 0143 ::: 555-0100,Arlington,VA,USA,Profile,"
    "https://www.linkedin.com/in/grace-hopper\r\n"
    "=cmd,,,,+boss,,,,,,,,,,,,,,,\r\n"
)
OLDER = (
    "Name,Given Name,Additional Name,Family Name,Notes,Group Membership,E-mail 1 - Type,"
    "E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Type,"
    "Organization 1 - Name,Organization 1 - Title\r\n"
    "Ada Lovelace,Ada,,Lovelace,,* My Contacts,* Home,ada@home.example,Mobile,"
    "+44 20 7946 0958,,Engines Ltd,Analyst\r\n"
)
NAMELESS_ROW = ",,,,,* My Contacts,,nobody@example.com,,,,,\r\n"


def _contacts(db: Session, user: User) -> dict[str, Contact]:
    rows = db.scalars(select(Contact).where(Contact.owner_id == user.id)).all()
    found = {row.full_name: row for row in rows}
    db.rollback()
    return found


def test_current_header_style(db: Session, user: User) -> None:
    report = import_google_csv(db, user, CURRENT.encode("utf-8-sig"), phone_region="US")
    assert (report.rows, report.created) == (2, 2)
    found = _contacts(db, user)
    grace = found["Grace Brewster Hopper"]
    assert grace.email == "grace@navy.example"  # the "* " primary type wins over the first
    assert grace.phone == "+12025550143"
    assert grace.linkedin_url == "https://www.linkedin.com/in/grace-hopper"
    assert grace.location == "Arlington, VA, USA"
    assert grace.notes.startswith("Line one\nline two")
    for kept in ("g@home.example", "grace@other.example", "555-0100", "Department: Computing"):
        assert kept in grace.notes
    assert "1906" not in grace.notes
    assert db.get(Organization, grace.organization_id).name == "Navy, Labs"  # type: ignore[union-attr]
    assert found["=cmd"].title == "+boss"  # formula-looking cells are plain text


def test_older_header_style_utf16_and_duplicates(db: Session, user: User) -> None:
    first = import_google_csv(db, user, OLDER.encode("utf-16"), phone_region="US")
    assert first.created == 1
    (ada,) = _contacts(db, user).values()
    assert (ada.email, ada.phone, ada.title) == ("ada@home.example", "+442079460958", "Analyst")
    again = import_google_csv(db, user, OLDER, phone_region="US")
    assert (again.created, again.duplicates) == (0, 1)


def test_a_row_without_a_name_imports_nothing(db: Session, user: User) -> None:
    with pytest.raises(Invalid) as exc:
        import_google_csv(db, user, OLDER + NAMELESS_ROW, phone_region="US")
    assert [e.field for e in exc.value.errors] == ["row 3: full_name"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_not_google_csv_is_refused(db: Session, user: User) -> None:
    with pytest.raises(Invalid, match="No Google Contacts header"):
        import_google_csv(db, user, "a,b,c\n1,2,3\n", phone_region="US")


def test_api_page_and_cli(
    api: ApiClient, web: WebClient, db: Session, user: User, tmp_path: Path
) -> None:
    checked = api.post(
        IMPORT, params={"dry_run": "true"}, files={"file": ("contacts.csv", OLDER, "text/csv")}
    )
    assert checked.status_code == 200 and checked.json()["created"] == 1
    refused = api.post(IMPORT, files={"file": ("c.csv", OLDER + NAMELESS_ROW, "text/csv")})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "row 3: full_name"
    operation = api.get("/openapi.json").json()["paths"][IMPORT]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "403", "413", "422"} <= set(operation["responses"])

    done = web.form_post(
        "/import-export/google",
        {},
        files={"file": ("contacts.csv", OLDER.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("#import-google")
    page = BeautifulSoup(web.get(done.headers["location"]).text, "html.parser")
    assert "Imported 1 contact." in page.find(id="import-report-google").get_text(" ", strip=True)
    assert list(_contacts(db, user)) == ["Ada Lovelace"]


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.exchange.test_cli import run

    for name in ("RAPPORT_DATABASE_URL", "RAPPORT_ENV", "RAPPORT_ALLOW_SIGNUP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "c" * 48)
    assert run("migrate").exit_code == 0
    made = run("create-user", "alice", "--password-stdin", stdin="a long cli passphrase\n")
    assert made.exit_code == 0
    source = tmp_path / "contacts.csv"
    source.write_text(OLDER)
    done = run("import-google", "--user", "alice", str(source))
    assert done.exit_code == 0, done.output
    # `import-google` is `import --format google`: its preview's summary, then what it did.
    assert "1 row: 1 new, 0 duplicates, 0 invalid" in done.output
    assert "created 1 contact and 1 organization" in done.output
