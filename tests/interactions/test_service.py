"""Interaction service: touches recompute their contact's stay-in-touch dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.contacts import service
from app.contacts.schemas import ContactUpdate
from app.errors import Invalid
from app.interactions import service as interactions_service
from app.interactions.models import Interaction
from app.interactions.schemas import InteractionCreate, InteractionUpdate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_next_touch_due_rules():
    created = datetime(2026, 1, 1, tzinfo=UTC)
    last = datetime(2026, 2, 1, tzinfo=UTC)
    assert interactions_service.next_touch_due(None, created, None) is None
    assert interactions_service.next_touch_due(last, created, None) is None
    # A new contact is due one cadence after it was added, not at once (issue 11).
    assert interactions_service.next_touch_due(None, created, 30) == created + timedelta(days=30)
    assert interactions_service.next_touch_due(last, created, 30) == last + timedelta(days=30)


def test_interactions_drive_last_contacted_and_next_touch(db, user, make_contact, make_interaction):
    contact = make_contact(user, "Jane", stay_in_touch_days=14)
    first = make_interaction(user, contact, datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    latest = make_interaction(user, contact, datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    db.refresh(contact)
    assert contact.last_contacted_at == latest.occurred_at
    assert contact.next_touch_due == latest.occurred_at + timedelta(days=14)
    # Editing the latest to an earlier time, then deleting: the dates follow.
    interactions_service.update_interaction(
        db, user, latest.id, InteractionUpdate(occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    )
    db.refresh(contact)
    assert contact.last_contacted_at == first.occurred_at
    interactions_service.delete_interaction(db, user, first.id)
    interactions_service.delete_interaction(db, user, latest.id)
    db.refresh(contact)
    assert contact.last_contacted_at is None
    assert contact.next_touch_due == contact.created_at + timedelta(days=14)
    # Changing the cadence recomputes too; clearing it means never due.
    service.update_contact(db, user, contact.id, ContactUpdate(stay_in_touch_days=None))
    assert service.get_contact(db, user, contact.id).next_touch_due is None


def test_moving_an_interaction_recomputes_both_contacts(db, user, make_contact, make_interaction):
    a = make_contact(user, "A")
    b = make_contact(user, "B")
    interaction = make_interaction(user, a)
    interactions_service.update_interaction(
        db, user, interaction.id, InteractionUpdate(contact_id=b.id)
    )
    assert service.get_contact(db, user, a.id).last_contacted_at is None
    assert service.get_contact(db, user, b.id).last_contacted_at == interaction.occurred_at


def test_interaction_for_another_users_contact_is_invalid(db, user, other_user, make_contact):
    theirs = make_contact(other_user, "Theirs")
    from app.interactions.schemas import InteractionCreate

    with pytest.raises(Invalid) as caught:
        interactions_service.create_interaction(
            db, user, InteractionCreate(contact_id=theirs.id, kind="call", occurred_at=NOW)
        )
    assert caught.value.errors[0].field == "contact_id"
    assert db.scalar(select(func.count()).select_from(Interaction)) == 0


def test_every_kind_has_one_label_in_the_one_vocabulary():
    from app.interactions.models import INTERACTION_KINDS, KIND_LABELS

    assert tuple(KIND_LABELS) == INTERACTION_KINDS


def test_a_new_contact_with_a_cadence_is_not_due_at_once(db, user, make_contact):
    """Issue 11: the clock starts when the contact is added, not at the epoch."""
    contact = make_contact(user, "New", stay_in_touch_days=30)
    db.refresh(contact)
    assert contact.next_touch_due == contact.created_at + timedelta(days=30)
    assert contact.next_touch_due > datetime.now(UTC)


def test_an_interaction_in_the_future_is_refused(db, user, make_contact):
    contact = make_contact(user, "Ahead", stay_in_touch_days=30)
    ahead = datetime.now(UTC) + timedelta(days=3)
    with pytest.raises(Invalid) as caught:
        interactions_service.create_interaction(
            db, user, InteractionCreate(contact_id=contact.id, kind="call", occurred_at=ahead)
        )
    assert caught.value.errors[0].field == "occurred_at"
    db.rollback()
    done = interactions_service.create_interaction(
        db,
        user,
        InteractionCreate(
            contact_id=contact.id, kind="call", occurred_at=datetime(2026, 1, 2, tzinfo=UTC)
        ),
    )
    with pytest.raises(Invalid):
        interactions_service.update_interaction(
            db, user, done.id, InteractionUpdate(occurred_at=ahead)
        )
