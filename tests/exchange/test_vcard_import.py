"""vCard import: real-world quirks, one flow with LinkedIn's (all or nothing, dry run,
duplicates skipped), and the API, the page and the CLI on top of the same service."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.errors import Invalid, PayloadTooLarge
from app.exchange.export.service import export_contacts_vcard
from app.exchange.vcard import addressbook
from app.exchange.vcard.service import import_vcard
from app.organizations.models import Organization
from tests.conftest import ApiClient, WebClient

IMPORT = "/api/v1/import/vcard"
PAGE = "/import-export"

# An iPhone-style 3.0 card: folded lines, escapes, grouped properties, several emails and
# phones (one preferred), a photo and a birthday, a LinkedIn profile among the links.
IPHONE = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:Hopper;Grace;Brewster;Rear Admiral;\r\n"
    "FN:Grace Brewster Hopper\r\n"
    "ORG:Navy\\, Research Labs;Computing\r\n"
    "TITLE:Rear Admiral\r\n"
    "EMAIL;type=INTERNET;type=HOME:grace@home.example\r\n"
    "EMAIL;type=INTERNET;type=WORK;type=pref:grace@navy.example\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:(202) 555-0143\r\n"
    "TEL;type=WORK:555-0100\r\n"
    "item1.URL;type=pref:https://www.linkedin.com/in/Grace-Hopper/\r\n"
    "item1.X-ABLabel:_$!<HomePage>!$_\r\n"
    "URL:https://grace.example\r\n"
    "ADR;type=WORK:;;1 Navy Way;Arlington;VA;22202;USA\r\n"
    "NOTE:Invented the first compiler\\; met at the COBOL\\, 60th meetup.\\nA seco\r\n"
    " nd line\\, folded.\r\n"
    "BDAY:1906-12-09\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQN\r\n"
    " DAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwL\r\n"
    "END:VCARD\r\n"
)
# vCard 4.0 with PREF=1 and a tel: URI; a 2.1 card from an old phone, quoted-printable.
V4 = (
    "BEGIN:VCARD\nVERSION:4.0\nFN:Ada Lovelace\nEMAIL;TYPE=work:ada@engines.example\n"
    "EMAIL;PREF=1:ada@home.example\nTEL;VALUE=uri;TYPE=cell:tel:+44-20-7946-0958\n"
    "X-SOCIALPROFILE;TYPE=linkedin:https://linkedin.com/in/ada-lovelace\nEND:VCARD\n"
)
V21 = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\r\n"
    "ORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:B=E4ckerei Sch=F6n\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Zeile eins=0D=0AZeile zwei ist lang und geht =\r\n"
    "weiter\r\n"
    "TEL;CELL;PREF:+49 30 1234567\r\nEND:VCARD\r\n"
)
NAMELESS = "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:nobody@example.com\r\nEND:VCARD\r\n"


def _count(db: Session, user: User) -> int:
    statement = select(func.count()).select_from(Contact).where(Contact.owner_id == user.id)
    count = db.scalar(statement) or 0
    db.rollback()  # the test session writes: it must not keep SQLite's lock from the app
    return count


def _contacts(db: Session, user: User) -> dict[str, Contact]:
    rows = db.scalars(select(Contact).where(Contact.owner_id == user.id)).all()
    return {row.full_name: row for row in rows}


def _import(db: Session, user: User, payload: str | bytes, **options: bool) -> object:
    return import_vcard(db, user, payload, phone_region="US", **options)


def test_real_world_cards_become_contacts(db: Session, user: User) -> None:
    report = _import(db, user, (IPHONE + V4 + V21).encode())
    assert (report.rows, report.created, report.organizations_created) == (3, 3, 2)  # type: ignore[attr-defined]
    found = _contacts(db, user)

    grace = found["Grace Brewster Hopper"]
    assert grace.email == "grace@navy.example"  # the preferred one
    assert grace.phone == "+12025550143"
    assert grace.title == "Rear Admiral"
    assert grace.linkedin_url == "https://www.linkedin.com/in/grace-hopper"
    assert grace.location == "Arlington, VA, USA"
    assert grace.notes.startswith(
        "Invented the first compiler; met at the COBOL, 60th meetup.\nA second line, folded."
    )
    for kept in ("grace@home.example", "555-0100", "Department: Computing", "grace.example"):
        assert kept in grace.notes
    assert "1906" not in grace.notes and "9j" not in grace.notes  # BDAY and PHOTO left out
    organization = db.get(Organization, grace.organization_id)
    assert organization is not None and organization.name == "Navy, Research Labs"

    ada = found["Ada Lovelace"]
    assert ada.email == "ada@home.example" and "ada@engines.example" in ada.notes
    assert ada.phone == "+442079460958"
    assert ada.linkedin_url == "https://www.linkedin.com/in/ada-lovelace"

    jurgen = found["Jürgen Müller"]
    assert jurgen.phone == "+49301234567"
    assert jurgen.notes == "Zeile eins\nZeile zwei ist lang und geht weiter"
    assert db.get(Organization, jurgen.organization_id).name == "Bäckerei Schön"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8-sig", b""), ("utf-16", b""), ("cp1252", b"")],
)
def test_encodings(db: Session, user: User, encoding: str, prefix: bytes) -> None:
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Šťastná\r\nTITLE:Café owner\r\nEND:VCARD\r\n"
    if encoding == "cp1252":
        card = card.replace("Šťastná", "Dupré")
    _import(db, user, prefix + card.encode(encoding))
    (contact,) = _contacts(db, user).values()
    assert contact.full_name.startswith("Zoë") and contact.title == "Café owner"


def test_a_card_without_a_name_imports_nothing(db: Session, user: User) -> None:
    with pytest.raises(Invalid) as exc:
        _import(db, user, IPHONE + NAMELESS)
    db.rollback()
    first_line_of_nameless = IPHONE.count("\n") + 1
    assert [e.field for e in exc.value.errors] == [f"row {first_line_of_nameless}: full_name"]
    assert "nothing was imported" in exc.value.detail
    assert _count(db, user) == 0
    assert db.scalar(select(func.count()).select_from(Organization)) == 0


def test_bad_values_are_row_problems(db: Session, user: User) -> None:
    cards = (
        "BEGIN:VCARD\nFN:Bad Email\nEMAIL:not-an-email\nEND:VCARD\n"
        "BEGIN:VCARD\nFN:Long Title\nTITLE:" + "t" * 250 + "\nEND:VCARD\n"
        "BEGIN:VCARD\nFN;CHARSET=klingon;ENCODING=QUOTED-PRINTABLE:x\nEND:VCARD\n"
        "stray line\n"
        "BEGIN:VCARD\nFN:Never closed\n"
    )
    with pytest.raises(Invalid) as exc:
        _import(db, user, cards)
    fields = [e.field for e in exc.value.errors]
    assert fields[:3] == ["row 1: email", "row 5: title", "row 9: fn"]
    assert "row 12: file" in fields and "row 13: file" in fields
    assert "EMAIL" in exc.value.errors[0].message


def test_dry_run_and_duplicates(db: Session, user: User) -> None:
    create_contact(db, user, ContactCreate(full_name="Known", email="ADA@home.example"))
    checked = _import(db, user, IPHONE + V4 + V4, dry_run=True)
    assert (checked.created, checked.duplicates, checked.dry_run) == (1, 2, True)  # type: ignore[attr-defined]
    assert _count(db, user) == 1
    first = _import(db, user, IPHONE + V4)
    assert (first.created, first.duplicates) == (1, 1)  # type: ignore[attr-defined]
    again = _import(db, user, IPHONE + V4)
    assert (again.created, again.duplicates, again.organizations_created) == (0, 2, 0)  # type: ignore[attr-defined]
    assert _count(db, user) == 2


def test_hostile_files_are_refused_and_store_nothing(db: Session, user: User) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("contacts.vcf", "BEGIN:VCARD\n" + "x" * 20_000_000)
    refusals = {
        archive.getvalue(): "zip archive",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR": "not a vCard",
        b"BEGIN:VCARD\r\nFN:a\x00b\r\nEND:VCARD\r\n": "NUL",
        b"First Name,Last Name\r\nAda,Lovelace\r\n": "BEGIN:VCARD",
        b"  \r\n": "empty",
    }
    for payload, message in refusals.items():
        with pytest.raises(Invalid) as exc:
            _import(db, user, payload)
        assert message in str(exc.value.errors or exc.value.detail), message
    with pytest.raises(PayloadTooLarge):
        _import(db, user, b"BEGIN:VCARD\n" + b"x" * addressbook.MAX_IMPORT_BYTES)
    too_many = "BEGIN:VCARD\nFN:a\nEND:VCARD\n" * (addressbook.MAX_CARDS + 1)
    with pytest.raises(Invalid, match="cards"):
        _import(db, user, too_many)
    db.rollback()
    assert _count(db, user) == 0


def test_formula_looking_values_are_kept_as_text(db: Session, user: User) -> None:
    _import(db, user, 'BEGIN:VCARD\nFN:=HYPERLINK("x")\nTITLE:+1 boss\nEND:VCARD\n')
    (contact,) = _contacts(db, user).values()
    assert contact.full_name == '=HYPERLINK("x")' and contact.title == "+1 boss"


def test_export_then_import_round_trip(db: Session, user: User, other_user: User) -> None:
    _import(db, user, IPHONE + V4 + V21)
    exported = b"".join(export_contacts_vcard(db, user))
    report = _import(db, other_user, exported)
    assert report.created == 3  # type: ignore[attr-defined]
    mine, theirs = _contacts(db, user), _contacts(db, other_user)
    assert mine.keys() == theirs.keys()
    for name, contact in mine.items():
        copy = theirs[name]
        assert (copy.email, copy.phone, copy.title, copy.linkedin_url) == (
            contact.email,
            contact.phone,
            contact.title,
            contact.linkedin_url,
        )


def test_ten_thousand_cards(db: Session, user: User) -> None:
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {n}\r\nN:{n};Person;;;\r\n"
        f"EMAIL;TYPE=INTERNET:person{n}@example.com\r\nTEL;TYPE=CELL:+1 202 555 {n % 10000:04d}\r\n"
        f"ORG:Org {n % 50}\r\nTITLE:Engineer\r\nEND:VCARD\r\n"
        for n in range(10_000)
    )
    report = _import(db, user, cards.encode())
    assert (report.created, report.organizations_created) == (10_000, 50)  # type: ignore[attr-defined]
    assert _count(db, user) == 10_000


# ---- the API ----------------------------------------------------------------------------


def _upload(payload: str | bytes) -> dict[str, tuple[str, bytes, str]]:
    raw = payload.encode() if isinstance(payload, str) else payload
    return {"file": ("contacts.vcf", raw, "text/vcard")}


def test_api_import(api: ApiClient, db: Session, user: User) -> None:
    db.rollback()
    checked = api.post(IMPORT, params={"dry_run": "true"}, files=_upload(IPHONE + V4))
    assert checked.status_code == 200, checked.text
    assert checked.json()["created"] == 2 and checked.json()["dry_run"] is True
    assert _count(db, user) == 0
    done = api.post(IMPORT, files=_upload(IPHONE + V4))
    assert done.status_code == 200 and done.json()["created"] == 2
    assert api.post(IMPORT, files=_upload(IPHONE + V4)).json()["duplicates"] == 2
    refused = api.post(IMPORT, files=_upload(V21 + NAMELESS))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"].endswith(": full_name")
    assert _count(db, user) == 2


def test_api_scopes_and_refusals(
    api_client_for: Callable[..., ApiClient], client: ApiClient, user: User, db: Session
) -> None:
    reader = api_client_for(user, scopes=("read",))
    assert reader.post(IMPORT, files=_upload(V4)).status_code == 403
    assert client.post(IMPORT, files=_upload(V4)).status_code == 401
    writer = api_client_for(user)
    assert writer.post(IMPORT).status_code == 422
    assert writer.post(IMPORT, files=_upload(b"PK\x03\x04rest")).status_code == 422
    db.rollback()
    assert _count(db, user) == 0


def test_openapi_declares_the_import(api: ApiClient) -> None:
    operation = api.get("/openapi.json").json()["paths"][IMPORT]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "401", "403", "409", "413", "422"} <= set(operation["responses"])
    assert any(p["name"] == "dry_run" for p in operation["parameters"])


# ---- the page ---------------------------------------------------------------------------


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_page_upload_check_then_import(web: WebClient, db: Session, user: User) -> None:
    page = _soup(web.get(PAGE).text)
    form = page.find("form", id="import-vcard-form")
    assert form["action"] == "/import-export/vcard" and form["enctype"] == "multipart/form-data"
    assert form.find("input", attrs={"name": "csrf_token"}) is not None

    checked = web.form_post("/import-export/vcard", {"dry_run": "1"}, files=_upload(IPHONE))
    assert checked.status_code == 200
    report = _soup(checked.text).find(id="import-report-vcard")
    assert report is not None and report.find(attrs={"data-count": "created"}).get_text() == "1"
    assert _count(db, user) == 0

    done = web.form_post("/import-export/vcard", {}, files=_upload(IPHONE), follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].endswith("source=vcard#import-vcard")
    shown = _soup(web.get(done.headers["location"]).text).find(id="import-report-vcard")
    assert shown is not None and "Imported 1 contact." in shown.get_text(" ", strip=True)
    assert _count(db, user) == 1


def test_page_lists_the_problems(web: WebClient, db: Session, user: User) -> None:
    response = web.form_post("/import-export/vcard", {}, files=_upload(V4 + NAMELESS))
    assert response.status_code == 422
    errors = _soup(response.text).find(id="import-errors-vcard")
    assert errors is not None and "nothing was imported" in errors.get_text()
    cells = [td.get_text() for td in errors.select("tbody td")]
    assert cells[:2] == [str(V4.count("\n") + 1), "full_name"]
    missing = web.form_post("/import-export/vcard", {})
    assert missing.status_code == 422 and "Choose a .vcf file." in missing.text
    assert _count(db, user) == 0


# ---- the command line -------------------------------------------------------------------


def test_cli_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.exchange.test_cli import run

    for name in ("RAPPORT_DATABASE_URL", "RAPPORT_ENV", "RAPPORT_ALLOW_SIGNUP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "c" * 48)
    assert run("migrate").exit_code == 0
    assert (
        run("create-user", "alice", "--password-stdin", stdin="a long cli passphrase\n").exit_code
        == 0
    )
    source = tmp_path / "contacts.vcf"
    source.write_text(IPHONE + V4)
    checked = run("import-vcard", "--user", "alice", "--dry-run", str(source))
    assert checked.exit_code == 0, checked.output
    assert "dry run, nothing written: would create 2 contacts" in checked.output
    done = run("import-vcard", "--user", "alice", str(source))
    assert "created 2 contacts and 1 organization" in done.output
    # `import-vcard` is `import --format vcard`: a bad card is listed and left out.
    source.write_text(V4 + NAMELESS)
    again = run("import-vcard", "--user", "alice", str(source))
    assert again.exit_code == 0, again.output
    assert "1 new" not in again.output and "0 new, 1 duplicate, 1 invalid" in again.output
    assert "invalid: A name is needed: FN and N are empty." in again.output
    assert "created 0 contacts" in again.output
