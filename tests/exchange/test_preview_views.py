"""The browser's import of any file: upload, a preview page, remapping, unticking, commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bs4 import BeautifulSoup
from sqlalchemy import func, select, update
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.db import utcnow
from app.exchange.models import ImportDraft
from tests.conftest import WebClient

PAGE = "/import-export"
PREVIEW = "/import-export/preview"
SHEET = (
    "Person;Mail;Company;Remarks\n"
    "Ada Lovelace;ada@example.org;Analytical Engines;first programmer\n"
    "Grace Hopper;grace@navy.example;US Navy;\n"
    ";nobody@example.org;;\n"
)


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def upload(web: WebClient, text: str | bytes, name: str = "people.csv") -> Any:
    raw = text.encode() if isinstance(text, str) else text
    return web.post(
        f"{PAGE}/contacts",
        files={"file": (name, raw, "text/csv")},
        data={"format": "auto"},
        follow_redirects=False,
    )


def rows(html: str) -> dict[int, dict[str, Any]]:
    table = soup(html).find("table", id="preview-rows")
    assert table is not None, "no preview table"
    found = {}
    for tr in table.tbody.find_all("tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        box = tr.find("input", attrs={"type": "checkbox"})
        link = tr.find("a", attrs={"data-match": True})
        found[int(tr["data-line"])] = {
            "status": tr["data-status"],
            "name": cells[3],
            "note": cells[6],
            "checkbox": box is not None and box.has_attr("checked"),
            "match": link["href"] if link else None,
        }
    return found


def commit_form(html: str) -> dict[str, Any]:
    form = soup(html).find("form", id="commit-form")
    assert form is not None
    data: dict[str, Any] = {
        i["name"]: i["value"] for i in form.find_all("input", attrs={"type": "hidden"})
    }
    data["line"] = [i["value"] for i in form.find_all("input", attrs={"name": "line"})]
    return data


def count(db: Session, user: User) -> int:
    found = db.scalar(select(func.count()).select_from(Contact).where(Contact.owner_id == user.id))
    db.rollback()
    return found or 0


def test_upload_preview_remap_untick_and_commit(web: WebClient, db: Session, user: User) -> None:
    create_contact(db, user, ContactCreate(full_name="Grace", email="GRACE@navy.example"))
    uploaded = upload(web, SHEET)
    assert uploaded.status_code == 303 and uploaded.headers["location"] == PREVIEW

    # "Person" and "Mail" are guessed; "Remarks" is notes; the reading is shown.
    page = web.get(PREVIEW)
    assert page.status_code == 200
    reading = soup(page.text).find(attrs={"data-testid": "reading"}).get_text(" ", strip=True)
    assert "csv" in reading and "semicolon" in reading and "utf-8" in reading
    listed = rows(page.text)
    assert listed[2] | {"note": ""} == {
        "status": "new",
        "name": "Ada Lovelace",
        "note": "",
        "checkbox": True,
        "match": None,
    }
    assert listed[3]["status"] == "duplicate" and listed[3]["match"].startswith("/contacts/")
    assert "Grace" in listed[3]["note"] and "email" in listed[3]["note"]
    assert listed[4]["status"] == "invalid" and not listed[4]["checkbox"]
    assert "name" in listed[4]["note"].casefold()
    selects = {s["name"]: s for s in soup(page.text).select("#reading-form select")}
    assert selects["map_name"].find("option", selected=True)["value"] == "Person"
    assert selects["map_notes"].find("option", selected=True)["value"] == "Remarks"

    # Unmap the notes column and re-preview: the choice is kept with the file.
    mapping = {
        f"map_{n}": ""
        for n in ("first_name", "last_name", "title", "phone", "linkedin_url", "tags", "notes")
    }
    mapping |= {"map_name": "Person", "map_email": "Mail", "map_organization": "Company"}
    remapped = web.post(
        f"{PREVIEW}/reading", data={"format": "csv", **mapping}, follow_redirects=False
    )
    assert remapped.status_code == 303 and remapped.headers["location"] == PREVIEW
    page = web.get(PREVIEW)
    selects = {s["name"]: s for s in soup(page.text).select("#reading-form select")}
    assert selects["map_notes"].find("option", selected=True)["value"] == ""

    # Untick Ada; commit; only nothing new but the known Grace's empty fields stay empty.
    form = commit_form(page.text)
    form["line"] = [line for line in form["line"] if line != "2"]
    done = web.post(f"{PREVIEW}/commit", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"{PAGE}?created=0&duplicates=1")
    assert count(db, user) == 1
    report = web.get(done.headers["location"])
    assert soup(report.text).find(attrs={"data-testid": "import-done"}) is not None
    # The draft is gone with the commit.
    assert web.get(PREVIEW).status_code == 404


def test_update_empty_from_the_page(web: WebClient, db: Session, user: User) -> None:
    known = create_contact(db, user, ContactCreate(full_name="Ada", email="ada@example.org"))
    db.commit()
    upload(web, SHEET)
    page = web.get(PREVIEW)
    assert "can fill Organization, Notes" in rows(page.text)[2]["note"]

    form = commit_form(page.text) | {"update_empty": "1"}
    assert web.post(f"{PREVIEW}/commit", data=form, follow_redirects=False).status_code == 303

    db.expire_all()
    filled = db.get(Contact, known.id)
    assert filled is not None and filled.notes == "first programmer"
    assert (filled.full_name, filled.version) == ("Ada", 2)
    db.rollback()
    assert count(db, user) == 2  # Grace is new, Ada was filled


def test_a_replaced_file_is_refused_with_its_reason(
    web: WebClient, db: Session, user: User
) -> None:
    upload(web, SHEET)
    form = commit_form(web.get(PREVIEW).text)
    # Another tab uploads another file meanwhile: the first preview's commit is refused.
    upload(web, SHEET + "Alan Turing;alan@example.org;;\n")

    refused = web.post(f"{PREVIEW}/commit", data=form, follow_redirects=False)

    assert refused.status_code == 409
    alert = soup(refused.text).find(attrs={"data-testid": "preview-errors"})
    assert alert is not None and "changed since its preview" in alert.get_text()
    assert count(db, user) == 0
    assert rows(refused.text)[5]["name"] == "Alan Turing"  # the new file's preview instead


def test_unreadable_and_unmappable_files(web: WebClient, db: Session, user: User) -> None:
    refused = upload(web, b"PK\x03\x04" + b"\x00" * 64, "contacts.vcf")
    assert refused.status_code == 422
    table = soup(refused.text).find("table", id="import-problems")
    assert table is not None and "zip archive" in table.get_text()

    # Headers nobody could guess: the preview offers the mapping, keeping the typed values.
    assert upload(web, "Who,Where\nAda,London\n").status_code == 303
    page = web.get(PREVIEW)
    assert soup(page.text).find("table", id="preview-rows") is None
    assert "mapping" in page.text.casefold() or "Name" in page.text
    options = [o["value"] for o in soup(page.text).select("select[name=map_name] option")]
    assert options == ["", "Who", "Where"]
    bad = web.post(
        f"{PREVIEW}/reading",
        data={"format": "csv", "map_name": "Nope", "map_notes": "Where"},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert "no column named" in bad.text
    kept = soup(bad.text).select_one("select[name=map_notes] option[selected]")
    assert kept is not None and kept["value"] == "Where"  # the other choices are kept
    fixed = web.post(
        f"{PREVIEW}/reading", data={"format": "csv", "map_name": "Who"}, follow_redirects=False
    )
    assert fixed.status_code == 303
    assert rows(web.get(PREVIEW).text)[2]["name"] == "Ada"
    assert count(db, user) == 0


def test_drafts_are_private_and_expire(
    web: WebClient,
    db: Session,
    user: User,
    other_user: User,
    web_client_for: Callable[..., WebClient],
) -> None:
    upload(web, SHEET)
    mallory = web_client_for(other_user)
    assert mallory.get(PREVIEW).status_code == 404  # her preview is not Alice's
    form = commit_form(web.get(PREVIEW).text)
    assert mallory.post(f"{PREVIEW}/commit", data=form).status_code == 404
    assert count(db, user) == 0 and count(db, other_user) == 0

    db.execute(update(ImportDraft).values(created_at=utcnow() - timedelta(hours=2)))
    db.commit()
    gone = web.get(PREVIEW)
    assert gone.status_code == 404 and "upload it again" in gone.text
