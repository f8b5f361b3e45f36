"""A contact's tag names are kept on the contact (``Contact.tag_names``) by the database's
triggers, on both databases: through every way a link row is written or removed, a tag
renamed or deleted, a contact deleted, and read back A-Z by the API and the list page. The
kept text is the same compact JSON on both databases."""

from __future__ import annotations

import orjson
from sqlalchemy import delete, insert, text, update
from sqlmodel import Session

from app.contacts import service
from app.contacts.models import Contact, ContactTag, Tag
from app.contacts.schemas import ContactUpdate
from app.tags import service as tags_service
from tests.contacts.tag_names import kept_and_linked


def _kept(db: Session, contact: Contact) -> list[str]:
    """The contact's kept names, as stored: A-Z by code point, in encode_json's compact text
    (the databases splice it into the JSON they write)."""
    stored = db.connection().scalar(
        text("SELECT tag_names FROM contacts WHERE id = :id"), {"id": contact.id}
    )
    names = orjson.loads(stored)
    assert orjson.dumps(names).decode() == stored
    assert names == sorted(names)
    return names


def _assert_all_kept(db: Session) -> None:
    kept, linked = kept_and_linked(db.connection())
    assert kept == linked


def test_created_and_updated_tags_are_kept_on_the_contact(db, user, make_contact):
    ada = make_contact(user, "Ada", tags=["zeta", "Alpha", "émigré"])
    bob = make_contact(user, "Bob")
    db.commit()
    assert _kept(db, ada) == ["alpha", "zeta", "émigré"] and _kept(db, bob) == []
    service.update_contact(db, user, ada.id, ContactUpdate(tags=["zeta", "new"]))
    db.commit()
    assert _kept(db, ada) == ["new", "zeta"]
    service.update_contact(db, user, ada.id, ContactUpdate(tags=[]))
    db.commit()
    assert _kept(db, ada) == []
    _assert_all_kept(db)


def test_the_api_and_the_list_read_the_kept_names_a_to_z(db, user, make_contact, api):
    ada = make_contact(user, "Ada", tags=["zeta", "alpha", "mid"])
    db.commit()
    assert api.get(f"/api/v1/contacts/{ada.id}").json()["tags"] == ["alpha", "mid", "zeta"]
    listed = api.get("/api/v1/contacts").json()["items"]
    assert [item["tags"] for item in listed] == [["alpha", "mid", "zeta"]]
    filtered = api.get("/api/v1/contacts", params={"tag": "mid"}).json()["items"]
    assert [item["id"] for item in filtered] == [ada.id]


def test_a_renamed_tag_is_renamed_on_every_contact_that_carries_it(db, user, make_contact):
    ada = make_contact(user, "Ada", tags=["old", "keep"])
    bob = make_contact(user, "Bob", tags=["old"])
    cy = make_contact(user, "Cy", tags=["keep"])
    db.commit()
    db.execute(update(Tag).where(Tag.owner_id == user.id, Tag.name == "old").values(name="aaa"))
    db.commit()
    assert (_kept(db, ada), _kept(db, bob), _kept(db, cy)) == (["aaa", "keep"], ["aaa"], ["keep"])
    _assert_all_kept(db)


def test_deleted_links_tags_and_contacts_leave_the_rest_right(db, user, make_contact):
    ada = make_contact(user, "Ada", tags=["a", "b", "c"])
    bob = make_contact(user, "Bob", tags=["b"])
    db.commit()
    # A tag deleted outright cascades to its links.
    db.execute(delete(Tag).where(Tag.owner_id == user.id, Tag.name == "b"))
    db.commit()
    assert (_kept(db, ada), _kept(db, bob)) == (["a", "c"], [])
    # A link row removed by itself, as a bulk statement.
    db.execute(delete(ContactTag).where(ContactTag.contact_id == ada.id))
    db.commit()
    assert _kept(db, ada) == []
    service.update_contact(db, user, bob.id, ContactUpdate(tags=["x"]))
    service.delete_contact(db, user, ada.id)
    db.commit()
    assert _kept(db, bob) == ["x"]
    _assert_all_kept(db)


def test_a_link_row_moved_to_another_contact_moves_its_name(db, user, make_contact):
    ada = make_contact(user, "Ada", tags=["t"])
    bob = make_contact(user, "Bob")
    db.commit()
    db.execute(update(ContactTag).where(ContactTag.contact_id == ada.id).values(contact_id=bob.id))
    db.commit()
    assert (_kept(db, ada), _kept(db, bob)) == ([], ["t"])


def test_many_links_in_one_statement_as_imports_write_them(db, user, make_contact):
    people = [make_contact(user, f"P{i}") for i in range(30)]
    db.commit()
    tags_service.tag_new_contacts(
        db, user, {p.id: ["shared", f"own {i}", "SHARED"] for i, p in enumerate(people)}
    )
    db.commit()
    assert [_kept(db, p) for p in people] == [sorted(["shared", f"own {i}"]) for i in range(30)]
    # One INSERT of link rows naming existing tags, the way an account import writes them.
    tag_id = db.connection().scalar(text("SELECT id FROM tags WHERE name = 'shared'"))
    extra = make_contact(user, "Extra")
    db.commit()
    db.execute(insert(ContactTag), [{"contact_id": extra.id, "tag_id": tag_id}])
    db.commit()
    assert _kept(db, extra) == ["shared"]
    _assert_all_kept(db)


def test_a_rolled_back_change_leaves_the_names_as_they_were(db, user, make_contact):
    ada = make_contact(user, "Ada", tags=["a"])
    db.commit()
    tags_service.set_contact_tags(db, user, ada.id, ["b", "c"])  # the caller commits
    assert _kept(db, ada) == ["b", "c"]  # in the writing transaction, at once
    db.rollback()
    assert _kept(db, ada) == ["a"]


def test_hostile_names_round_trip_exactly(db, user, make_contact):
    names = ['quote "q"', "back\\slash", "<b>&amp;</b>", "emoji 🦜", "line\u2028sep"]
    ada = make_contact(user, "Ada", tags=names)
    db.commit()
    expected = sorted(tags_service.tag_names_by_contact(db, [ada.id])[ada.id])
    assert _kept(db, ada) == expected and len(expected) == len(names)
    page = service.contact_list_view(db, user, service.ContactFilters(), sort="full_name")
    db.rollback()
    assert len(page.page.items) == 1
