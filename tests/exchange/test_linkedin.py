"""LinkedIn import through the service: real file layout, duplicates, organizations, errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts import service as contacts
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.contacts.service import create_contact
from app.errors import Invalid, PayloadTooLarge
from app.exchange import filelimits
from app.exchange.linkedin import connections
from app.exchange.linkedin.service import import_linkedin_csv
from app.exchange.newcontacts import service as newcontacts_service
from app.organizations.models import Organization
from tests.exchange.conftest import FIRST_LINE, connections_csv, person


def _contacts(db: Session, user: User) -> list[Contact]:
    statement = select(Contact).where(Contact.owner_id == user.id).order_by(Contact.id)
    return list(db.scalars(statement))


def _organizations(db: Session, user: User) -> dict[int, str]:
    statement = select(Organization.id, Organization.name).where(Organization.owner_id == user.id)
    return {row.id: row.name for row in db.execute(statement)}


def _count(db: Session, model: type, user: User) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.owner_id == user.id)) or 0


def _fields(exc: pytest.ExceptionInfo[Invalid]) -> list[str]:
    return [e.field for e in exc.value.errors]


def test_real_linkedin_file_becomes_contacts(db: Session, user: User) -> None:
    payload = connections_csv(
        [
            person(
                "Jane",
                "Doe",
                "Jane-Doe-1a2b",
                email="jane@example.org",
                company="Acme Health",
                position="UX Researcher",
                connected="12 Mar 2024",
            ),
            person("Omar", "Haddad", "omar-haddad", position="Data Engineer", connected=""),
        ]
    )
    report = import_linkedin_csv(db, user, payload)

    assert (report.rows, report.created, report.duplicates) == (2, 2, 0)
    assert (report.organizations_created, report.organizations_matched) == (1, 0)
    assert report.dry_run is False
    jane, omar = _contacts(db, user)
    assert jane.full_name == "Jane Doe"
    assert jane.linkedin_url == "https://www.linkedin.com/in/jane-doe-1a2b"
    assert jane.linkedin_key == "jane-doe-1a2b"
    assert jane.email == "jane@example.org"
    assert jane.title == "UX Researcher"
    # "Connected On" is kept as a date, not as text in how we met.
    assert (jane.how_we_met, jane.connected_on) == ("LinkedIn connection", date(2024, 3, 12))
    assert jane.stage == "prospect"
    assert jane.version == 1 and jane.created_at is not None
    assert _organizations(db, user) == {jane.organization_id: "Acme Health"}
    assert omar.organization_id is None and omar.email is None
    assert (omar.how_we_met, omar.connected_on) == ("LinkedIn connection", None)


def test_header_variants_bom_case_and_no_email_column(db: Session, user: User) -> None:
    header = ["first name", "LAST NAME", "Url", "Company", "Position", "Connected on"]
    text = connections_csv(
        [
            [
                "Ada",
                "Lovelace",
                "https://linkedin.com/in/ada-l/",
                "Analytical",
                "Engineer",
                "1 Jan 2020",
            ]
        ],
        header=header,
        preamble=False,
    )
    report = import_linkedin_csv(db, user, b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())

    assert report.created == 1
    (ada,) = _contacts(db, user)
    assert (ada.full_name, ada.email) == ("Ada Lovelace", None)
    assert ada.linkedin_url == "https://www.linkedin.com/in/ada-l"
    assert (ada.how_we_met, ada.connected_on) == ("LinkedIn connection", date(2020, 1, 1))


def test_duplicates_in_database_and_in_file_are_skipped_and_counted(
    db: Session, user: User, other_user: User
) -> None:
    # Known under another spelling of the same profile address.
    create_contact(
        db, user, ContactCreate(full_name="Jane D.", linkedin_url="linkedin.com/in/JANE-DOE")
    )
    # Another user's contact is not a duplicate for this user.
    create_contact(
        db, other_user, ContactCreate(full_name="Omar", linkedin_url="linkedin.com/in/omar")
    )
    payload = connections_csv(
        [
            person("Jane", "Doe", "jane-doe"),
            person("Omar", "Haddad", "omar"),
            person("Omar", "Haddad again", "Omar"),
            ["No", "Url", "", "", "", "", ""],
        ]
    )
    report = import_linkedin_csv(db, user, payload)

    assert (report.rows, report.created, report.duplicates) == (4, 2, 2)
    assert report.duplicate_lines == [FIRST_LINE, FIRST_LINE + 2]
    names = [c.full_name for c in _contacts(db, user)]
    assert names == ["Jane D.", "Omar Haddad", "No Url"]
    # Importing the same file again creates nothing.
    again = import_linkedin_csv(db, user, payload)
    # The row without a URL is matched by its name at the same (no) organization.
    assert (again.created, again.duplicates) == (0, 4)


def test_organizations_match_case_insensitively_and_are_created_once(
    db: Session, user: User, other_user: User
) -> None:
    mine = Organization(owner_id=user.id, name="Acme Health")
    theirs = Organization(owner_id=other_user.id, name="Globex")
    db.add_all([mine, theirs])
    db.commit()
    payload = connections_csv(
        [
            person("A", "One", "a-one", company="ACME  health"),
            person("B", "Two", "b-two", company="Globex"),
            person("C", "Three", "c-three", company="globex"),
        ]
    )
    report = import_linkedin_csv(db, user, payload)

    assert (report.organizations_created, report.organizations_matched) == (1, 1)
    organizations = _organizations(db, user)
    assert sorted(organizations.values()) == ["Acme Health", "Globex"]
    a, b, c = _contacts(db, user)
    assert a.organization_id == mine.id
    assert b.organization_id == c.organization_id != theirs.id
    assert organizations[b.organization_id] == "Globex"  # type: ignore[index]
    # The organization's stored name is what `q` matches.
    assert "acme health" in a.search_text


def test_an_invalid_row_imports_nothing_and_names_row_and_field(db: Session, user: User) -> None:
    before = (_count(db, Contact, user), _count(db, Organization, user))
    payload = connections_csv(
        [
            person("Good", "Row", "good-row", company="New Org"),
            person("Bad", "Email", "bad-email", email="not-an-email"),
            person("", "", "no-name"),
            person("Long", "Title", "long-title", position="x" * 201),
            ["Bad", "Url", "https://example.com/in/bad", "", "", "", ""],
            person("Long", "Company", "long-co", company="c" * 201),
        ]
    )
    with pytest.raises(Invalid) as exc:
        import_linkedin_csv(db, user, payload)

    assert _fields(exc) == [
        f"row {FIRST_LINE + 1}: email",
        f"row {FIRST_LINE + 2}: full_name",
        f"row {FIRST_LINE + 3}: title",
        f"row {FIRST_LINE + 4}: linkedin_url",
        f"row {FIRST_LINE + 5}: organization",
    ]
    assert "nothing was imported" in exc.value.detail
    assert "Email Address" in exc.value.errors[0].message
    db.rollback()
    assert (_count(db, Contact, user), _count(db, Organization, user)) == before


def test_line_numbers_count_quoted_line_breaks(db: Session, user: User) -> None:
    payload = connections_csv(
        [
            person("Multi", "Line", "multi", position="Line one\nline two"),
            person("Bad", "Email", "bad", email="nope"),
        ]
    )
    with pytest.raises(Invalid) as exc:
        import_linkedin_csv(db, user, payload)
    assert _fields(exc) == [f"row {FIRST_LINE + 2}: email"]


def test_dry_run_reports_and_writes_nothing(db: Session, user: User) -> None:
    create_contact(db, user, ContactCreate(full_name="Known", linkedin_url="linkedin.com/in/known"))
    payload = connections_csv(
        [person("Known", "Person", "known"), person("New", "Person", "new", company="Initech")]
    )
    report = import_linkedin_csv(db, user, payload, dry_run=True)
    db.commit()

    assert report.dry_run is True
    assert (report.created, report.duplicates, report.organizations_created) == (1, 1, 1)
    assert [c.full_name for c in _contacts(db, user)] == ["Known"]
    assert _organizations(db, user) == {}


def test_dry_run_of_a_bad_file_raises_the_same_errors(db: Session, user: User) -> None:
    payload = connections_csv([person("Bad", "Email", "bad", email="nope")])
    with pytest.raises(Invalid) as exc:
        import_linkedin_csv(db, user, payload, dry_run=True)
    assert _fields(exc) == [f"row {FIRST_LINE}: email"]


def test_imported_contacts_are_searchable_and_counted(db: Session, user: User) -> None:
    create_contact(db, user, ContactCreate(full_name="Already Here"))
    payload = connections_csv(
        [
            person("Grace", "Hopper", "grace-hopper", company="Navy Labs", position="Admiral"),
            person("Alan", "Turing", "alan-turing", email="alan@bletchley.example"),
        ]
    )
    import_linkedin_csv(db, user, payload)

    assert contacts.count_contacts(db, user) == 3
    for q, expected in (
        ("hopper", "Grace Hopper"),
        ("navy lab", "Grace Hopper"),
        ("bletchley", "Alan Turing"),
    ):
        page = contacts.contact_read_page(db, user, contacts.ContactFilters(q=q), limit=20)
        assert [row["full_name"] for row in page.items] == [expected], q


def test_file_problems_name_the_file(db: Session, user: User) -> None:
    with pytest.raises(Invalid) as no_header:
        import_linkedin_csv(db, user, "Name,Address\nJane,Somewhere\n")
    assert _fields(no_header) == ["file"]
    assert "First Name,Last Name,URL" in no_header.value.errors[0].message

    with pytest.raises(Invalid) as empty:
        import_linkedin_csv(db, user, b"  \n")
    assert _fields(empty) == ["file"]

    with pytest.raises(Invalid) as latin1:
        import_linkedin_csv(
            db, user, connections_csv([person("Zoë", "X", "zoe")]).encode("latin-1")
        )
    assert _fields(latin1) == [f"row {FIRST_LINE}: file"]

    with pytest.raises(Invalid) as bad_quote:
        import_linkedin_csv(db, user, connections_csv([]) + 'A,B,"https://x\n')
    assert _fields(bad_quote) == [f"row {FIRST_LINE}: file"]


def test_size_and_row_limits(db: Session, user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [person("P", str(i), f"p-{i}") for i in range(6)]
    monkeypatch.setattr(connections, "MAX_IMPORT_ROWS", 5)
    with pytest.raises(Invalid) as too_many:
        import_linkedin_csv(db, user, connections_csv(rows))
    assert "more than 5 rows" in too_many.value.errors[0].message

    monkeypatch.setattr(filelimits, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(PayloadTooLarge):
        import_linkedin_csv(db, user, connections_csv(rows).encode())
    with pytest.raises(PayloadTooLarge):
        import_linkedin_csv(db, user, connections_csv(rows))
    db.rollback()
    assert _count(db, Contact, user) == 0


def test_many_problems_are_capped_with_a_count(
    db: Session, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newcontacts_service, "MAX_REPORTED_ERRORS", 3)
    rows = [person("P", str(i), f"p-{i}", email="bad") for i in range(5)]
    with pytest.raises(Invalid) as exc:
        import_linkedin_csv(db, user, connections_csv(rows))
    assert len(exc.value.errors) == 4
    assert exc.value.errors[-1].field == "file"
    assert "2 more problems" in exc.value.errors[-1].message
    assert "5 problems" in exc.value.detail


def test_many_rows_in_one_import(db: Session, user: User) -> None:
    rows = [
        person("Person", f"Number {i}", f"person-{i}", company=f"Org {i % 7}") for i in range(1500)
    ]
    report = import_linkedin_csv(db, user, connections_csv(rows))
    assert (report.created, report.organizations_created) == (1500, 7)
    assert contacts.count_contacts(db, user) == 1500
