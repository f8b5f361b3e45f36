"""The dashboard (home page), parsed as HTML: counts, overdue contacts, upcoming interviews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from sqlmodel import Session

from app.auth.models import User
from app.careers.models import Career
from app.contacts import service as contacts_service
from app.contacts.models import Contact
from app.contacts.schemas import ContactCreate
from app.interactions import service as interactions_service
from app.interactions.schemas import InteractionCreate
from app.interviews import service as interviews_service
from app.interviews.schemas import InterviewCreate
from app.organizations.models import Organization
from app.questions.models import QuestionBank


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _step(page: BeautifulSoup, link_text: str) -> str:
    return page.find("a", string=link_text).find_parent("li").find("small").get_text()


def _section(page: BeautifulSoup, title: str) -> list[tuple[str, str, str]]:
    section = page.find("section", attrs={"aria-label": title})
    assert section is not None, title
    return [
        (li.a["href"], li.a.get_text(), li.small.get_text() if li.small else "")
        for li in section.find_all("li")
    ]


def _contact(db: Session, user: User, name: str, **fields) -> Contact:
    return contacts_service.create_contact(db, user, ContactCreate(full_name=name, **fields))


def _interview(db: Session, user: User, contact: Contact, **fields) -> int:
    data = InterviewCreate.model_validate({"contact_id": contact.id, **fields})
    return interviews_service.create_interview(db, user, data).id  # type: ignore[return-value]


def test_anonymous_visitors_are_sent_to_log_in(client, user):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_counts_are_the_users_own(web, db, user, other_user):
    db.add_all([Career(owner_id=user.id, title=f"Career {i}") for i in range(2)])
    db.add(Organization(owner_id=user.id, name="Globex"))
    db.add(QuestionBank(owner_id=user.id, name="Mine"))
    db.add_all([Organization(owner_id=other_user.id, name=f"Theirs {i}") for i in range(3)])
    db.add(Career(owner_id=other_user.id, title="Theirs"))
    db.commit()
    for i in range(3):
        _contact(db, user, f"Person {i}")
    theirs = _contact(db, other_user, "Not mine")
    _interview(db, other_user, theirs)
    page = soup(web.get("/"))
    assert _step(page, "Choose careers that interest you") == "2 recorded"
    assert _step(page, "Find professionals in each") == "3 contacts"
    # One of a kind is said in the singular (the counts are worded before the page renders).
    assert _step(page, "Research the profession, the person and the organization") == (
        "1 organization"
    )
    assert _step(page, "Prepare your questions") == "1 bank of your own"
    assert _step(page, "Hold a ~30 minute interview and capture the answers") == "0 interviews"


def test_large_counts_stop_at_a_thousand(web, db, user):
    db.add_all([Organization(owner_id=user.id, name=f"Org {i}") for i in range(1001)])
    db.commit()
    page = soup(web.get("/"))
    assert _step(page, "Research the profession, the person and the organization") == (
        "1,000+ organizations"
    )
    db.delete(db.get(Organization, db.query(Organization.id).limit(1).scalar()))
    db.commit()
    page = soup(web.get("/"))
    assert _step(page, "Research the profession, the person and the organization") == (
        "1,000 organizations"
    )


def test_due_for_a_touch_lists_the_most_overdue_five(web, db, user, other_user):
    now = datetime.now(UTC)
    ids = {}
    for days_overdue in (3, 40, 10, 1, 25, 7):
        contact = _contact(db, user, f"Overdue {days_overdue}", stay_in_touch_days=30)
        ids[days_overdue] = contact.id
        # Last contacted (30 + days) ago with a 30-day cadence: due `days_overdue` days ago.
        when = now - timedelta(days=30 + days_overdue, hours=1)
        interactions_service.create_interaction(
            db, user, InteractionCreate(contact_id=contact.id, kind="email", occurred_at=when)
        )
    _contact(db, user, "No cadence")
    fresh = _contact(db, user, "Fresh", stay_in_touch_days=30)
    interactions_service.create_interaction(
        db, user, InteractionCreate(contact_id=fresh.id, kind="call", occurred_at=now)
    )
    theirs = _contact(db, other_user, "Their overdue", stay_in_touch_days=1)
    interactions_service.create_interaction(
        db,
        other_user,
        InteractionCreate(contact_id=theirs.id, kind="call", occurred_at=now - timedelta(days=90)),
    )
    listed = _section(soup(web.get("/")), "Due for a touch")
    assert listed == [
        (f"/contacts/{ids[d]}", f"Overdue {d}", f"last contact {30 + d} days ago")
        for d in (40, 25, 10, 7, 3)
    ]


def test_never_contacted_with_a_cadence_is_due(web, db, user):
    dana = _contact(db, user, "Due Dana", stay_in_touch_days=10)
    assert _section(soup(web.get("/")), "Due for a touch") == []  # just added: not due
    dana.created_at -= timedelta(days=11)
    interactions_service.refresh_touch_dates(db, dana)
    db.commit()
    assert _section(soup(web.get("/")), "Due for a touch") == [
        (f"/contacts/{dana.id}", "Due Dana", "never contacted")
    ]


def test_upcoming_interviews_soonest_first_in_the_users_timezone(
    web, db, user, other_user, make_user, web_client_for
):
    now = datetime.now(UTC).replace(microsecond=0)
    dana = _contact(db, user, "Dana Reyes")
    ids = []
    for hours in (50, 26, 30, 80, 27, 100):
        ids.append(
            (
                hours,
                _interview(
                    db, user, dana, status="scheduled", scheduled_at=now + timedelta(hours=hours)
                ),
            )
        )
    # Not upcoming: long past, only requested, or planned (no time yet).
    _interview(db, user, dana, status="scheduled", scheduled_at=now - timedelta(days=2))
    _interview(db, user, dana, status="requested", scheduled_at=now + timedelta(hours=1))
    _interview(db, user, dana, status="planned")
    theirs = _contact(db, other_user, "Their contact")
    _interview(db, other_user, theirs, status="scheduled", scheduled_at=now + timedelta(hours=2))
    listed = _section(soup(web.get("/")), "Upcoming interviews")
    soonest = sorted(ids)[:5]
    assert [href for href, _, _ in listed] == [f"/interviews/{i}" for _, i in soonest]
    first_when = (now + timedelta(hours=26)).strftime("%a %d %b %H:%M")
    assert listed[0][1] == f"Dana Reyes · {first_when}"
    assert all(note == "prepared 0%" for _, _, note in listed)
    # Times are shown in the reader's timezone.
    tokyo = make_user("tokyo", timezone="Asia/Tokyo")
    contact = _contact(db, tokyo, "Kenji")
    at = datetime(2031, 5, 6, 1, 30, tzinfo=UTC)
    _interview(db, tokyo, contact, status="scheduled", scheduled_at=at)
    listed = _section(soup(web_client_for(tokyo).get("/")), "Upcoming interviews")
    assert listed[0][1] == "Kenji · Tue 06 May 10:30"


def test_empty_dashboard_says_so(web):
    page = soup(web.get("/"))
    for title in ("Due for a touch", "Upcoming interviews"):
        section = page.find("section", attrs={"aria-label": title})
        assert section.find("p", class_="empty").get_text() == "Nothing here yet."
    assert _step(page, "Find professionals in each") == "0 contacts"


def test_follow_ups_due_today_or_overdue_lead_the_page_each_with_done(web, db, user, other_user):
    from app.followups import service as followups_service
    from app.followups.schemas import FollowUpCreate

    now = datetime.now(UTC)
    dana = _contact(db, user, "Dana Due")
    theirs = _contact(db, other_user, "Not Yours")
    for contact, owner, due, subject in (
        (dana, user, now - timedelta(days=2), "Overdue thanks"),
        (dana, user, now + timedelta(days=9), "Later check-in"),
        (theirs, other_user, now - timedelta(days=1), "Someone else's"),
    ):
        followups_service.create_follow_up(
            db, owner, FollowUpCreate(contact_id=contact.id, due_at=due, subject=subject)
        )
    db.rollback()
    page = soup(web.get("/"))
    section = page.find("section", class_="due-follow-ups")
    items = section.find_all("li")
    assert len(items) == 1 and "Dana Due" in items[0].get_text()
    done = items[0].find("form")
    assert done["action"].endswith("/done") and done.find("button").get_text() == "Done"
