"""Contacts as vCard 3.0: read back with vobject, filtered like the list, over the API and page."""

from __future__ import annotations

import vobject
from sqlmodel import Session

from app.auth.models import User
from app.contacts.schemas import ContactCreate
from app.contacts.service import ContactFilters, create_contact
from app.exchange.export.service import export_contacts_vcard
from app.organizations.models import Organization
from tests.conftest import ApiClient, WebClient

EXPORT = "/api/v1/export/contacts.vcf"


def _cards(payload: bytes) -> list[vobject.base.Component]:
    return list(vobject.readComponents(payload.decode("utf-8")))


def _seed(db: Session, user: User, other_user: User) -> None:
    organization = Organization(owner_id=user.id, name="Navy, Labs; R&D")
    db.add(organization)
    db.commit()
    create_contact(
        db,
        user,
        ContactCreate(
            full_name="Grace Brewster Hopper",
            title="Rear Admiral",
            organization_id=organization.id,
            email="grace@navy.example",
            phone="+1 202 555 0143",
            linkedin_url="https://www.linkedin.com/in/grace-hopper",
            tags=["mentor", "cobol"],
            notes="Line one; with, punctuation\nand a second line " + "long " * 40,
            how_we_met="Conference",
            stage="met",
        ),
    )
    create_contact(db, user, ContactCreate(full_name="Cher", stage="prospect"))
    create_contact(db, other_user, ContactCreate(full_name="Mallory Secret", tags=["mentor"]))
    db.rollback()


def test_cards_read_back_with_vobject(db: Session, user: User, other_user: User) -> None:
    _seed(db, user, other_user)
    payload = b"".join(export_contacts_vcard(db, user))
    assert b"Mallory" not in payload
    assert all(len(line) <= 75 for line in payload.split(b"\r\n"))  # folded
    grace, cher = _cards(payload)
    assert grace.version.value == "3.0"
    assert grace.fn.value == "Grace Brewster Hopper"
    assert grace.n.value.family == "Hopper" and grace.n.value.given == "Grace Brewster"
    assert grace.org.value == ["Navy, Labs; R&D"]
    assert grace.title.value == "Rear Admiral"
    assert grace.email.value == "grace@navy.example"
    assert grace.tel.value == "+12025550143"
    assert grace.url.value == "https://www.linkedin.com/in/grace-hopper"
    assert sorted(grace.categories.value) == ["cobol", "mentor"]
    assert grace.note.value.startswith("Line one; with, punctuation\nand a second line")
    assert "How we met: Conference" in grace.note.value
    assert grace.uid.value.startswith("urn:uuid:")
    assert len(grace.rev.value) == 16 and grace.rev.value.endswith("Z")
    assert cher.fn.value == "Cher" and cher.n.value.family == "Cher"
    assert not hasattr(cher, "email") and not hasattr(cher, "org")
    # The same contact keeps its UID from one export to the next.
    again = _cards(b"".join(export_contacts_vcard(db, user)))
    assert [c.uid.value for c in again] == [grace.uid.value, cher.uid.value]


def test_filters_are_the_contacts_lists(db: Session, user: User, other_user: User) -> None:
    _seed(db, user, other_user)

    def names(filters: ContactFilters) -> list[str]:
        return [c.fn.value for c in _cards(b"".join(export_contacts_vcard(db, user, filters)))]

    assert names(ContactFilters(tag="mentor")) == ["Grace Brewster Hopper"]
    assert names(ContactFilters(stage="prospect")) == ["Cher"]
    assert names(ContactFilters(q="hopper")) == ["Grace Brewster Hopper"]
    assert names(ContactFilters(q="nobody-matches")) == []


def test_api_download(api: ApiClient, db: Session, user: User, other_user: User) -> None:
    _seed(db, user, other_user)
    response = api.get(EXPORT)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/vcard")
    assert response.headers["content-disposition"].endswith('.vcf"')
    assert [c.fn.value for c in _cards(response.content)] == ["Grace Brewster Hopper", "Cher"]
    filtered = api.get(EXPORT, params={"tag": "mentor"})
    assert [c.fn.value for c in _cards(filtered.content)] == ["Grace Brewster Hopper"]
    assert api.get(EXPORT, params={"colour": "red"}).status_code == 400
    assert api.get(EXPORT, params={"stage": "royalty"}).status_code == 422
    assert api.get(EXPORT, params={"tag": "mentor"}).text.count("BEGIN:VCARD") == 1


def test_openapi_declares_vcard_download(api: ApiClient) -> None:
    operation = api.get("/openapi.json").json()["paths"][EXPORT]["get"]
    assert "text/vcard" in operation["responses"]["200"]["content"]
    assert {"400", "401", "422"} <= set(operation["responses"])
    assert {"tag", "stage", "q", "career_id"} <= {p["name"] for p in operation["parameters"]}


def test_page_links_and_downloads(
    web: WebClient, db: Session, user: User, other_user: User
) -> None:
    _seed(db, user, other_user)
    page = web.get("/import-export")
    assert 'href="/import-export/contacts.vcf"' in page.text
    download = web.get("/import-export/contacts.vcf?stage=prospect")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert [c.fn.value for c in _cards(download.content)] == ["Cher"]
