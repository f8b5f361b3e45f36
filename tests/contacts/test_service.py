"""Contact, interaction and tag services: rules written once, tested here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.contacts import service
from app.contacts.models import Contact, ContactCareer, ContactTag, Tag
from app.contacts.normalise import normalise_linkedin, normalise_phone
from app.contacts.referrals import service as referrals_service
from app.contacts.schemas import ContactCreate, ContactUpdate
from app.errors import Conflict, Invalid, NotFound, PreconditionFailed
from app.interactions import service as interactions_service
from app.interactions.models import Interaction
from app.interviews.models import Interview

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# ---- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.linkedin.com/in/jane-doe",
        "https://www.linkedin.com/in/Jane-Doe/",
        "http://linkedin.com/in/jane-doe?trk=public_profile",
        "https://uk.linkedin.com/in/jane-doe/details/experience/",
        "linkedin.com/in/jane-doe",
        "HTTPS://WWW.LINKEDIN.COM/in/JANE-DOE#about",
    ],
)
def test_linkedin_spellings_of_one_profile_normalise_alike(raw):
    assert normalise_linkedin(raw) == ("https://www.linkedin.com/in/jane-doe", "jane-doe")


def test_linkedin_unicode_slug_is_decoded_for_the_key_and_encoded_in_the_url():
    url, key = normalise_linkedin("https://www.linkedin.com/in/J%C3%BCrgen-M")
    assert key == "jürgen-m"
    assert url == "https://www.linkedin.com/in/j%C3%BCrgen-m"
    assert normalise_linkedin("https://www.linkedin.com/in/jürgen-m") == (url, key)


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "ftp://www.linkedin.com/in/jane",
        "https://evil.example/in/jane",
        "https://linkedin.com.evil.example/in/jane",
        "https://www.linkedin.com/company/acme",
        "https://www.linkedin.com/in/",
        "https://www.linkedin.com/in/jane doe",
        "https://www.linkedin.com/in/" + "a" * 150,
        "https://[::1/in/jane",
    ],
)
def test_bad_linkedin_urls_are_refused_naming_the_field(raw):
    with pytest.raises(Invalid) as caught:
        normalise_linkedin(raw)
    assert caught.value.errors[0].field == "linkedin_url"


def test_phone_is_stored_in_e164_with_the_default_region():
    assert normalise_phone("(202) 555-0143", "US") == "+12025550143"
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("+44 20 7946 0958", "US") == "+442079460958"


@pytest.mark.parametrize("raw", ["123", "not a phone", "+1 555", "555-0143-99999999"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(Invalid) as caught:
        normalise_phone(raw, "US")
    assert caught.value.errors[0].field == "phone"


# ---- create / update --------------------------------------------------------------------


def test_create_contact_with_everything(db, user, make_career, make_org, make_contact):
    career = make_career(user)
    org = make_org(user, "Acme Health")
    introducer = make_contact(user, "Ada Intro")
    contact = service.create_contact(
        db,
        user,
        ContactCreate(
            full_name="Jane Doe",
            title="Staff Researcher",
            organization_id=org.id,
            email="Jane@Example.com",
            phone="(202) 555-0143",
            linkedin_url="linkedin.com/in/Jane-Doe/",
            career_ids=[career.id],
            tags=["  Alumni ", "MENTOR", "alumni"],
            introduced_by_id=introducer.id,
            stage="contacted",
            stay_in_touch_days=30,
            notes="**met** at a conference",
        ),
        phone_region="US",
    )
    read = service.read_contact(db, user, contact.id)
    assert read.phone == "+12025550143"
    assert read.linkedin_url == "https://www.linkedin.com/in/jane-doe"
    assert contact.linkedin_key == "jane-doe"
    assert read.tags == ["alumni", "mentor"]
    assert read.career_ids == [career.id]
    assert read.email == "Jane@example.com"
    assert read.introduced_by_id == introducer.id
    # Search text holds name, title, organization, email and tags, lower-cased.
    for part in ("jane doe", "staff researcher", "acme health", "jane@example.com", "mentor"):
        assert part in contact.search_text
    # A cadence but no interaction yet: due one cadence after it was added (issue 11).
    assert read.next_touch_due == contact.created_at + timedelta(days=read.stay_in_touch_days)
    assert read.last_contacted_at is None


def test_duplicate_linkedin_profile_is_a_conflict_naming_the_existing_contact(
    db, user, other_user, make_contact
):
    first = make_contact(user, "Jane", linkedin_url="https://www.linkedin.com/in/jane-doe")
    with pytest.raises(Conflict) as caught:
        make_contact(user, "Jane again", linkedin_url="http://uk.linkedin.com/in/JANE-DOE/")
    assert caught.value.existing_id == first.id
    assert str(first.id) in caught.value.detail
    # Another user's contacts are their own business.
    make_contact(other_user, "Jane", linkedin_url="https://www.linkedin.com/in/jane-doe")
    # Saving the same contact again with its own profile is fine.
    service.update_contact(
        db, user, first.id, ContactUpdate(linkedin_url="https://linkedin.com/in/jane-doe")
    )
    second = make_contact(user, "Other")
    with pytest.raises(Conflict):
        service.update_contact(
            db, user, second.id, ContactUpdate(linkedin_url="linkedin.com/in/jane-doe")
        )


@pytest.mark.parametrize("field", ["organization_id", "career_ids", "introduced_by_id"])
def test_references_to_another_users_rows_are_invalid_and_write_nothing(
    db, user, other_user, make_career, make_org, make_contact, field
):
    values = {
        "organization_id": make_org(other_user).id,
        "career_ids": [make_career(other_user).id],
        "introduced_by_id": make_contact(other_user, "Theirs").id,
    }
    before = db.scalar(select(func.count()).select_from(Contact))
    with pytest.raises(Invalid) as caught:
        service.create_contact(db, user, ContactCreate(full_name="X", **{field: values[field]}))
    db.rollback()
    assert caught.value.errors[0].field == field
    assert "No " in caught.value.detail
    assert db.scalar(select(func.count()).select_from(Contact)) == before


def test_introducer_cycles_are_refused(db, user, make_contact):
    a = make_contact(user, "A")
    b = make_contact(user, "B", introduced_by_id=a.id)
    c = make_contact(user, "C", introduced_by_id=b.id)
    for introducer in (a.id, b.id, c.id):
        target = {a.id: a, b.id: a, c.id: a}[introducer]
        with pytest.raises(Invalid) as caught:
            service.update_contact(db, user, target.id, ContactUpdate(introduced_by_id=introducer))
        db.rollback()
        assert caught.value.errors[0].field == "introduced_by_id"
    with pytest.raises(Invalid):
        service.update_contact(db, user, c.id, ContactUpdate(introduced_by_id=c.id))
    db.rollback()
    # Moving C to be introduced by A directly is no cycle.
    service.update_contact(db, user, c.id, ContactUpdate(introduced_by_id=a.id))
    assert service.get_contact(db, user, c.id).introduced_by_id == a.id


def test_referral_chain_up_to_the_first_and_whom_they_introduced(db, user, make_contact):
    a = make_contact(user, "A first")
    b = make_contact(user, "B", introduced_by_id=a.id)
    c = make_contact(user, "C", introduced_by_id=b.id)
    d = make_contact(user, "D", introduced_by_id=b.id)
    of_c = referrals_service.referrals(db, user, c.id)
    assert [r.id for r in of_c.introduced_by_chain] == [b.id, a.id]
    assert of_c.introduced == []
    of_b = referrals_service.referrals(db, user, b.id)
    assert [r.full_name for r in of_b.introduced] == ["C", "D"]
    assert [r.id for r in of_b.introduced_by_chain] == [a.id]
    assert d.id
    with pytest.raises(NotFound):
        referrals_service.referrals(db, user, 999_999)


def test_patch_semantics_and_version(db, user, make_contact):
    contact = make_contact(user, "Jane", email="jane@example.com", title="Engineer")
    assert contact.version == 1
    updated = service.update_contact(
        db, user, contact.id, ContactUpdate(title=None, email=None), expected_version=1
    )
    assert updated.version == 2
    assert updated.title == ""
    assert updated.email is None
    assert updated.full_name == "Jane"
    with pytest.raises(PreconditionFailed):
        service.update_contact(db, user, contact.id, ContactUpdate(title="x"), expected_version=1)


def test_update_without_tags_keeps_them_and_empty_list_clears(db, user, make_contact):
    contact = make_contact(user, "Jane", tags=["alumni"])
    service.update_contact(db, user, contact.id, ContactUpdate(title="Boss"))
    assert service.read_contact(db, user, contact.id).tags == ["alumni"]
    service.update_contact(db, user, contact.id, ContactUpdate(tags=[]))
    assert service.read_contact(db, user, contact.id).tags == []
    # The unused tag is forgotten, so autocomplete never offers dead labels.
    assert db.scalar(select(func.count()).select_from(Tag)) == 0


# ---- stay in touch ----------------------------------------------------------------------


def _added_days_ago(db, contact, days: int) -> None:
    """Backdate a contact's creation, and its stay-in-touch dates with it."""
    contact.created_at -= timedelta(days=days)
    interactions_service.refresh_touch_dates(db, contact)
    db.commit()


def test_due_filter(db, user, make_contact, make_interaction):
    never = make_contact(user, "Never contacted", stay_in_touch_days=30)
    _added_days_ago(db, never, 40)
    recent = make_contact(user, "Recent", stay_in_touch_days=30)
    overdue = make_contact(user, "Overdue", stay_in_touch_days=30)
    make_contact(user, "No cadence")
    now = datetime.now(UTC) + timedelta(minutes=1)
    make_interaction(user, recent, now - timedelta(days=3))
    make_interaction(user, overdue, now - timedelta(days=45))
    due = service.contact_read_page(db, user, service.ContactFilters(due=True), now=now)
    assert {c["id"] for c in due.items} == {never.id, overdue.id}
    not_due = service.contact_read_page(db, user, service.ContactFilters(due=False), now=now)
    assert {c["full_name"] for c in not_due.items} == {"Recent", "No cadence"}


# ---- listing -----------------------------------------------------------------------------


def test_list_filters_and_search(db, user, other_user, make_contact, make_career, make_org):
    career = make_career(user)
    org = make_org(user, "Globex")
    jane = make_contact(
        user, "Jane Doe", organization_id=org.id, career_ids=[career.id], tags=["alumni"]
    )
    other_career = make_career(user, "Nursing")
    bob = make_contact(
        user,
        "Bob Roe",
        introduced_by_id=jane.id,
        stage="met",
        title="Nurse",
        career_ids=[other_career.id],
    )
    make_contact(other_user, "Jane Doe")

    def names(**kw):
        page = service.contact_read_page(db, user, service.ContactFilters(**kw))
        return [c["full_name"] for c in page.items]

    assert names() == ["Bob Roe", "Jane Doe"]
    assert names(career_id=career.id) == ["Jane Doe"]
    assert names(organization_id=org.id) == ["Jane Doe"]
    assert names(tag="ALUMNI") == ["Jane Doe"]
    assert names(stage="met") == ["Bob Roe"]
    assert names(introduced_by_id=jane.id) == ["Bob Roe"]
    assert names(q="glob") == ["Jane Doe"]  # organization name
    assert names(q="alum") == ["Jane Doe"]  # tag
    assert names(q="NURSE") == ["Bob Roe"]  # title
    assert names(q="100%") == []  # LIKE wildcards are literal
    assert bob.id


def test_search_follows_an_organization_rename(db, user, make_contact, make_org):
    org = make_org(user, "Initech")
    make_contact(user, "Peter", organization_id=org.id)
    # Through the organizations service, which reindexes its contacts' search text.
    from app.organizations import service as organizations_service
    from app.organizations.schemas import OrganizationUpdate

    organizations_service.update_organization(
        db, user, org.id, OrganizationUpdate(name="Intertrode")
    )
    page = service.contact_read_page(db, user, service.ContactFilters(q="intertrode"))
    assert [c["full_name"] for c in page.items] == ["Peter"]


def test_sort_and_paging_in_sql(db, user, make_contact):
    for name in ("Carol", "alice", "Bob", "Dave"):
        make_contact(user, name)
    page = service.contact_read_page(
        db, user, service.ContactFilters(), limit=2, offset=1, sort="-full_name"
    )
    assert page.total == 4
    assert [c["full_name"] for c in page.items] == ["Carol", "Bob"]
    from app.errors import BadRequest

    with pytest.raises(BadRequest):
        service.contact_read_page(db, user, service.ContactFilters(), sort="notes")


@pytest.mark.parametrize("sort", ["stage", "-stage", "-updated_at", "next_touch_due"])
def test_equal_sort_keys_page_by_id_in_the_sort_direction(db, user, make_contact, sort):
    # Ties follow the last key's direction, so a descending sort is one backward index scan
    # and paging never repeats or skips a row.
    ids = [make_contact(user, f"Same {i}", stage="met").id for i in range(4)]
    db.execute(update(Contact).values(updated_at=NOW))
    db.commit()
    pages = [
        service.contact_read_page(db, user, service.ContactFilters(), limit=2, offset=o, sort=sort)
        for o in (0, 2)
    ]
    found = [c["id"] for page in pages for c in page.items]
    assert found == (sorted(ids, reverse=True) if sort.startswith("-") else sorted(ids))


def test_contacts_for_keeps_its_contract(db, user, make_contact, make_career, make_org):
    career = make_career(user)
    org = make_org(user)
    make_contact(user, "Zed", career_ids=[career.id], organization_id=org.id)
    make_contact(user, "Amy", career_ids=[career.id])
    assert [c.full_name for c in service.contacts_for(db, user, career_id=career.id)] == [
        "Amy",
        "Zed",
    ]
    assert [c.full_name for c in service.contacts_for(db, user, organization_id=org.id)] == ["Zed"]


# ---- delete --------------------------------------------------------------------------------


def test_delete_with_dependents_needs_cascade_and_leaves_nothing_dangling(
    db, user, make_contact, make_interaction, make_career
):
    career = make_career(user)
    jane = make_contact(user, "Jane", tags=["alumni"], career_ids=[career.id])
    bob = make_contact(user, "Bob", introduced_by_id=jane.id, tags=["alumni"])
    make_interaction(user, jane)
    db.add(Interview(owner_id=user.id, contact_id=jane.id))
    db.commit()
    with pytest.raises(Conflict) as caught:
        service.delete_contact(db, user, jane.id)
    assert caught.value.dependents == {"interactions": 1, "introductions": 1, "interviews": 1}
    assert service.get_contact(db, user, jane.id)

    bob_version = bob.version
    service.delete_contact(db, user, jane.id, cascade=True)
    db.expire_all()
    with pytest.raises(NotFound):
        service.get_contact(db, user, jane.id)
    bob = service.get_contact(db, user, bob.id)
    assert bob.introduced_by_id is None
    assert bob.version == bob_version + 1
    assert db.scalar(select(func.count()).select_from(Interaction)) == 0
    assert db.scalar(select(func.count()).select_from(Interview)) == 0
    assert db.scalar(select(func.count()).select_from(ContactCareer)) == 0
    assert db.scalar(select(func.count()).select_from(ContactTag)) == 1
    assert service.read_contact(db, user, bob.id).tags == ["alumni"]


def test_delete_without_dependents_and_stale_version(db, user, make_contact):
    contact = make_contact(user, "Jane")
    with pytest.raises(PreconditionFailed):
        service.delete_contact(db, user, contact.id, expected_version=7)
    service.delete_contact(db, user, contact.id, expected_version=1)
    assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_another_users_contact_is_not_found_everywhere(
    db, user, other_user, make_contact, make_interaction
):
    theirs = make_contact(other_user, "Theirs")
    interaction = make_interaction(other_user, theirs)
    for call in (
        lambda: service.get_contact(db, user, theirs.id),
        lambda: service.read_contact(db, user, theirs.id),
        lambda: service.update_contact(db, user, theirs.id, ContactUpdate(title="x")),
        lambda: service.delete_contact(db, user, theirs.id, cascade=True),
        lambda: referrals_service.referrals(db, user, theirs.id),
        lambda: service.contact_detail(db, user, theirs.id),
        lambda: interactions_service.get_interaction(db, user, interaction.id),
        lambda: interactions_service.delete_interaction(db, user, interaction.id),
        lambda: interactions_service.timeline(db, user, theirs.id),
    ):
        with pytest.raises(NotFound):
            call()
        db.rollback()
    assert service.get_contact(db, other_user, theirs.id).title == ""


# ---- tags and dashboard ------------------------------------------------------------------


def test_every_stage_has_one_label_in_the_one_vocabulary():
    from app.contacts.models import STAGE_LABELS, STAGES

    assert tuple(STAGE_LABELS) == STAGES  # labels in the method's order, none missing
