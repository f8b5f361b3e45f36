"""Career service: the rules, tested once, below the API and the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError

from app.careers import service
from app.careers.models import Career
from app.careers.schemas import CareerCreate, CareerFilters, CareerUpdate
from app.contacts.models import Contact, ContactCareer
from app.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from app.interviews.models import Interview

NO_FILTERS = CareerFilters()


def titles(page):
    return [c.title for c in page.items]


def test_create_and_get(db, user):
    data = CareerCreate(
        title="  Hospital pharmacy ",
        industry="Health",
        status="researching",
        interest=4,
        research_notes="# Basics",
        resources=[{"url": "https://example.org/a", "title": "Guide", "kind": "book"}],
    )
    career = service.create_career(db, user, data)
    found = service.get_career(db, user, career.id)
    assert found.title == "Hospital pharmacy"
    assert found.version == 1
    assert found.resources == [
        {"url": "https://example.org/a", "title": "Guide", "kind": "book", "note": ""}
    ]


def test_another_users_career_is_not_found(db, user, other_user, make_career):
    career = make_career(user)
    with pytest.raises(NotFound):
        service.get_career(db, other_user, career.id)
    with pytest.raises(NotFound):
        service.update_career(db, other_user, career.id, CareerUpdate(title="Mine now"))
    with pytest.raises(NotFound):
        service.delete_career(db, other_user, career.id, cascade=True)
    db.expire_all()
    assert service.get_career(db, user, career.id).title == "UX research"


def test_list_is_owner_scoped(db, user, other_user, make_career):
    make_career(user, "Mine")
    make_career(other_user, "Theirs")
    page = service.list_careers(db, user, NO_FILTERS)
    assert titles(page) == ["Mine"]
    assert page.total == 1


def test_list_filters(db, user, make_career):
    make_career(user, "Data science", industry="Tech", status="researching", interest=5)
    make_career(user, "Nursing", industry="Health", status="interested", interest=2)
    make_career(user, "Biotech sales", industry="health", status="researching", interest=3)

    def listed(**filters):
        return sorted(titles(service.list_careers(db, user, CareerFilters(**filters))))

    assert listed(status="researching") == ["Biotech sales", "Data science"]
    assert listed(industry="HEALTH") == ["Biotech sales", "Nursing"]
    assert listed(interest_min=3) == ["Biotech sales", "Data science"]
    assert listed(q="tech") == ["Biotech sales", "Data science"]  # title or industry
    assert listed(q="SCIENCE") == ["Data science"]
    assert listed(status="researching", industry="tech", interest_min=5) == ["Data science"]


def test_search_treats_wildcards_literally(db, user, make_career):
    make_career(user, "100% remote")
    make_career(user, "1000 things")
    make_career(user, "snake_case")
    make_career(user, "snakeXcase")
    assert titles(service.list_careers(db, user, CareerFilters(q="0%"))) == ["100% remote"]
    assert titles(service.list_careers(db, user, CareerFilters(q="e_c"))) == ["snake_case"]


def test_sort_whitelist_and_pipeline_order(db, user, make_career):
    make_career(user, "b", status="ruled_out", interest=1)
    make_career(user, "A", status="pursuing", interest=5)
    make_career(user, "c", status="interested", interest=3)

    def sorted_by(sort):
        return titles(service.list_careers(db, user, NO_FILTERS, sort=sort))

    assert sorted_by("title") == ["A", "b", "c"]  # case-insensitive
    assert sorted_by("-interest") == ["A", "c", "b"]
    assert sorted_by("status") == ["c", "A", "b"]  # interested → pursuing → ruled out
    assert sorted_by("-created_at,title")[0] == "c"
    with pytest.raises(BadRequest) as caught:
        service.list_careers(db, user, NO_FILTERS, sort="owner_id")
    assert caught.value.errors[0].field == "sort"


def test_pagination_in_sql(db, user, make_career):
    for n in range(7):
        make_career(user, f"Career {n}")
    page = service.list_careers(db, user, NO_FILTERS, sort="title", limit=3, offset=3)
    assert titles(page) == ["Career 3", "Career 4", "Career 5"]
    assert (page.total, page.limit, page.offset) == (7, 3, 3)


def test_list_without_notes_never_loads_them_per_row(db, user, make_career):
    make_career(user, research_notes="long notes")
    db.expunge_all()
    page = service.list_careers(db, user, NO_FILTERS, with_notes=False)
    with pytest.raises(InvalidRequestError):
        _ = page.items[0].research_notes


def test_update_changes_only_what_is_sent(db, user, make_career):
    career = make_career(user, industry="Tech", interest=2)
    updated = service.update_career(
        db, user, career.id, CareerUpdate(interest=5), expected_version=1
    )
    assert (updated.interest, updated.industry, updated.version) == (5, "Tech", 2)


def test_stale_update_is_refused_and_changes_nothing(db, user, make_career):
    career = make_career(user)
    service.update_career(db, user, career.id, CareerUpdate(title="First"))
    with pytest.raises(PreconditionFailed) as caught:
        service.update_career(db, user, career.id, CareerUpdate(title="Late"), expected_version=1)
    assert caught.value.current_version == 2
    db.expire_all()
    assert service.get_career(db, user, career.id).title == "First"


def test_delete_without_dependents(db, user, make_career):
    career = make_career(user)
    service.delete_career(db, user, career.id, expected_version=1)
    with pytest.raises(NotFound):
        service.get_career(db, user, career.id)


def test_delete_stale_version_is_refused(db, user, make_career):
    career = make_career(user)
    with pytest.raises(PreconditionFailed):
        service.delete_career(db, user, career.id, expected_version=7)
    assert service.get_career(db, user, career.id)


def test_delete_with_dependents_needs_cascade(db, user, make_career, link_contact, add_interview):
    career = make_career(user)
    contact = link_contact(career)
    interview = add_interview(career, contact)
    assert service.career_dependents(db, user, career.id) == {"contacts": 1, "interviews": 1}

    with pytest.raises(Conflict) as caught:
        service.delete_career(db, user, career.id)
    assert caught.value.dependents == {"contacts": 1, "interviews": 1}
    db.expire_all()
    assert service.get_career(db, user, career.id)
    assert db.scalar(select(ContactCareer).where(ContactCareer.career_id == career.id))

    service.delete_career(db, user, career.id, cascade=True)
    db.expire_all()
    assert db.get(Career, career.id) is None
    # The person and the interview stay; only the links to the career go.
    kept_contact = db.get(Contact, contact.id)
    kept_interview = db.get(Interview, interview.id)
    assert kept_contact is not None and kept_contact.version == 2
    assert kept_interview is not None and kept_interview.career_id is None
    assert kept_interview.version == 2
    assert db.scalar(select(ContactCareer).where(ContactCareer.contact_id == contact.id)) is None


def test_industries(db, user, other_user, make_career):
    make_career(user, "a", industry="Tech")
    make_career(user, "b", industry="Tech")
    make_career(user, "c", industry="Health")
    make_career(user, "d")
    make_career(other_user, "e", industry="Law")
    assert service.industries(db, user) == ["Health", "Tech"]
