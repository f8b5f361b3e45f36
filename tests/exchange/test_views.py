"""The Import & export page: links, the upload form, the error table, the report."""

from __future__ import annotations

import orjson
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.exchange import filelimits
from tests.conftest import WebClient
from tests.exchange.conftest import FIRST_LINE, connections_csv, person

PAGE = "/import-export"
UPLOAD = "/import-export/linkedin"


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _upload(text: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("Connections.csv", text.encode(), "text/csv")}


def _contact_count(db: Session, user: User) -> int:
    statement = select(func.count()).select_from(Contact).where(Contact.owner_id == user.id)
    return db.scalar(statement) or 0


def _problem_rows(html: str) -> list[list[str]]:
    table = _soup(html).find("table", id="import-problems")
    assert table is not None, "no error table"
    return [
        [td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")
    ]


def test_page_has_downloads_and_an_upload_form_with_csrf(web: WebClient) -> None:
    response = web.get(PAGE)
    assert response.status_code == 200
    soup = _soup(response.text)
    assert soup.find("a", attrs={"aria-current": "page", "href": PAGE}) is not None
    links = {a["href"] for a in soup.select("a[download]")}
    assert links == {
        "/import-export/export.json",
        "/import-export/contacts.csv",
        "/import-export/contacts.vcf",
    }
    form = soup.find("form", id="import-linkedin")
    assert form["method"] == "post" and form["action"] == UPLOAD
    assert form["enctype"] == "multipart/form-data"
    assert form.find("input", attrs={"name": "csrf_token"})["value"] == web.csrf_token
    assert form.find("input", attrs={"name": "file", "type": "file"}) is not None
    assert form.find("input", attrs={"name": "dry_run", "type": "checkbox"}) is not None


def test_anonymous_is_sent_to_login(client: WebClient) -> None:
    response = client.get(PAGE, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_upload_imports_then_redirects_to_the_report(
    web: WebClient, db: Session, user: User
) -> None:
    text = connections_csv(
        [person("Grace", "Hopper", "grace", company="Navy"), person("Grace", "Again", "grace")]
    )
    response = web.form_post(UPLOAD, {}, files=_upload(text), follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{PAGE}?created=1&duplicates=1&organizations=1")
    page = web.get(response.headers["location"])
    report = _soup(page.text).find(attrs={"data-testid": "import-done"})
    assert report is not None
    assert "Imported 1 contact." in report.get_text(" ", strip=True)
    assert _contact_count(db, user) == 1


def test_bad_rows_re_render_with_the_error_table_and_import_nothing(
    web: WebClient, db: Session, user: User
) -> None:
    text = connections_csv(
        [
            person("Fine", "Row", "fine"),
            person("Bad", "Email", "bad", email="not an email"),
            person("Long", "Title", "long", position="t" * 250),
        ]
    )
    response = web.form_post(UPLOAD, {}, files=_upload(text))

    assert response.status_code == 422
    rows = _problem_rows(response.text)
    assert [row[:2] for row in rows] == [
        [str(FIRST_LINE + 1), "email"],
        [str(FIRST_LINE + 2), "title"],
    ]
    assert "Email Address" in rows[0][2]
    assert "nothing was imported" in _soup(response.text).find(id="import-errors").get_text()
    assert _contact_count(db, user) == 0


def test_check_first_shows_what_would_happen_and_writes_nothing(
    web: WebClient, db: Session, user: User
) -> None:
    create_contact(db, user, ContactCreate(full_name="Known", linkedin_url="linkedin.com/in/known"))
    db.rollback()
    text = connections_csv([person("Known", "One", "known"), person("New", "One", "new")])
    response = web.form_post(UPLOAD, {"dry_run": "1"}, files=_upload(text))

    assert response.status_code == 200
    soup = _soup(response.text)
    report = soup.find(attrs={"data-testid": "dry-run-report"})
    counts = {span["data-count"]: span.get_text() for span in report.select("[data-count]")}
    assert counts == {
        "created": "1",
        "duplicates": "1",
        "organizations_created": "0",
        "organizations_matched": "0",
    }
    assert str(FIRST_LINE) in report.get_text()
    assert soup.find("input", attrs={"name": "dry_run"}).has_attr("checked")
    assert _contact_count(db, user) == 1


def test_no_file_chosen_is_an_error_on_the_page(web: WebClient) -> None:
    response = web.form_post(UPLOAD, {"dry_run": ""})
    assert response.status_code == 422
    assert _problem_rows(response.text) == [["", "file", "Choose your Connections.csv file."]]


def test_a_file_past_the_size_limit_is_an_error_on_the_page(
    web: WebClient, db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filelimits, "MAX_IMPORT_BYTES", 100)
    text = connections_csv([person(f"P{i}", "Big", f"big-{i}") for i in range(10)])
    response = web.form_post(UPLOAD, {}, files=_upload(text))
    assert response.status_code == 422
    rows = _problem_rows(response.text)
    assert len(rows) == 1 and rows[0][1] == "file"
    assert _contact_count(db, user) == 0


def test_upload_without_csrf_token_is_refused(web: WebClient, db: Session, user: User) -> None:
    text = connections_csv([person("Grace", "Hopper", "grace")])
    response = web.post(
        UPLOAD, files=_upload(text), headers={"X-CSRF-Token": ""}, follow_redirects=False
    )
    assert response.status_code == 403
    assert _contact_count(db, user) == 0


def test_downloads(web: WebClient, db: Session, user: User, other_user: User) -> None:
    create_contact(db, user, ContactCreate(full_name="+Mine"))
    create_contact(db, other_user, ContactCreate(full_name="Not Mine"))
    db.rollback()
    exported = web.get("/import-export/export.json")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert [c["full_name"] for c in orjson.loads(exported.content)["contacts"]] == ["+Mine"]
    table = web.get("/import-export/contacts.csv")
    assert table.status_code == 200 and "'+Mine" in table.text and "Not Mine" not in table.text
