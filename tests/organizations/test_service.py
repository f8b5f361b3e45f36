"""Organization service: the rules, tested once, below the API and the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.contacts.models import Contact
from app.errors import BadRequest, Conflict, NotFound, PreconditionFailed
from app.organizations import service
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate, OrganizationFilters, OrganizationUpdate

NO_FILTERS = OrganizationFilters()


def names(page):
    return [o.name for o in page.items]


def test_create_and_get(db, user):
    data = OrganizationCreate(
        name=" City Hospital ",
        website="https://hospital.example",
        industry="Health",
        location="Leeds",
        research_notes="Opened a new wing.",
    )
    organization = service.create_organization(db, user, data)
    found = service.get_organization(db, user, organization.id)
    assert (found.name, found.website, found.version) == (
        "City Hospital",
        "https://hospital.example",
        1,
    )


def test_another_users_organization_is_not_found(db, user, other_user, make_organization):
    organization = make_organization(user)
    with pytest.raises(NotFound):
        service.get_organization(db, other_user, organization.id)
    with pytest.raises(NotFound):
        service.update_organization(db, other_user, organization.id, OrganizationUpdate(name="x"))
    with pytest.raises(NotFound):
        service.delete_organization(db, other_user, organization.id, cascade=True)
    assert names(service.list_organizations(db, other_user, NO_FILTERS)) == []


def test_filters_search_and_sort(db, user, make_organization):
    make_organization(user, "Beta Labs", industry="Tech", location="Berlin")
    make_organization(user, "alpha clinic", industry="Health", location="Leeds")
    make_organization(user, "Gamma", industry="health", location="berlin")

    def listed(sort=None, **filters):
        return names(
            service.list_organizations(db, user, OrganizationFilters(**filters), sort=sort)
        )

    assert listed() == ["alpha clinic", "Beta Labs", "Gamma"]  # by name, any case
    assert listed(industry="HEALTH") == ["alpha clinic", "Gamma"]
    assert listed(location="Berlin") == ["Beta Labs", "Gamma"]
    assert listed(q="lab") == ["Beta Labs"]
    assert listed(q="leeds") == ["alpha clinic"]  # location matches too
    assert listed(q="TECH") == ["Beta Labs"]
    assert listed(sort="-name") == ["Gamma", "Beta Labs", "alpha clinic"]
    assert listed(sort="location,name") == ["Beta Labs", "Gamma", "alpha clinic"]
    with pytest.raises(BadRequest):
        listed(sort="website")


def test_paging(db, user, make_organization):
    for n in range(5):
        make_organization(user, f"Org {n}")
    page = service.list_organizations(db, user, NO_FILTERS, limit=2, offset=4)
    assert (names(page), page.total) == (["Org 4"], 5)


def test_update_and_clear_website(db, user, make_organization):
    organization = make_organization(user, website="https://old.example")
    updated = service.update_organization(
        db, user, organization.id, OrganizationUpdate(website=None), expected_version=1
    )
    assert (updated.website, updated.name, updated.version) == (None, "Acme Health", 2)
    with pytest.raises(PreconditionFailed):
        service.update_organization(
            db, user, organization.id, OrganizationUpdate(name="Late"), expected_version=1
        )


def test_delete_with_contacts_needs_cascade_and_keeps_the_people(
    db, user, make_organization, add_contact
):
    organization = make_organization(user)
    organization_id = organization.id
    contact_id = add_contact(organization).id
    assert service.organization_dependents(db, user, organization_id) == {"contacts": 1}
    with pytest.raises(Conflict) as caught:
        service.delete_organization(db, user, organization_id)
    assert caught.value.dependents == {"contacts": 1}
    db.expire_all()
    assert db.get(Organization, organization_id) is not None

    service.delete_organization(db, user, organization_id, cascade=True)
    db.expire_all()
    assert db.get(Organization, organization_id) is None
    contact = db.get(Contact, contact_id)
    assert contact is not None
    assert (contact.organization_id, contact.version) == (None, 2)
    dangling = select(Contact).where(Contact.organization_id == organization_id)
    assert db.scalar(dangling) is None
    # The deleted employer's name no longer finds its former staff.
    assert "acme" not in contact.search_text


def test_delete_without_contacts(db, user, make_organization):
    organization = make_organization(user)
    service.delete_organization(db, user, organization.id, expected_version=1)
    with pytest.raises(NotFound):
        service.get_organization(db, user, organization.id)


def test_distinct_values(db, user, other_user, make_organization):
    make_organization(user, "a", industry="Tech", location="Leeds")
    make_organization(user, "b", industry="Tech")
    make_organization(other_user, "c", industry="Law", location="Paris")
    assert service.distinct_values(db, user, "industry") == ["Tech"]
    assert service.distinct_values(db, user, "location") == ["Leeds"]


def test_rename_keeps_contacts_findable_by_the_new_name(db, user, make_organization, add_contact):
    organization = make_organization(user, "Old Name Ltd")
    contact_id = add_contact(organization, "Grace Hopper").id
    service.update_organization(db, user, organization.id, OrganizationUpdate(name="New Name plc"))
    db.expire_all()
    search_text = db.get(Contact, contact_id).search_text
    assert "new name plc" in search_text and "old name" not in search_text


def test_a_rename_and_its_contacts_reindex_are_one_transaction(
    db, user, make_organization, add_contact
):
    organization = make_organization(user, "Old Name Ltd")
    add_contact(organization, "Grace Hopper")
    commits: list[object] = []

    def record(session: object) -> None:
        commits.append(session)

    event.listen(db, "after_commit", record)
    try:
        service.update_organization(
            db, user, organization.id, OrganizationUpdate(name="New Name plc")
        )
    finally:
        event.remove(db, "after_commit", record)
    assert len(commits) == 1  # never a renamed organization with stale contact search text
