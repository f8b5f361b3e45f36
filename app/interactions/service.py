"""Interactions: the timeline of touches with a contact, and the stay-in-touch dates it drives."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.concurrency import check_version
from app.contacts.models import Contact
from app.db import utcnow
from app.errors import Invalid
from app.interactions.models import Interaction
from app.interactions.schemas import InteractionCreate, InteractionUpdate
from app.ownership import get_owned, owned_reference
from app.paging import order_by_clauses, paginate
from app.schemakit import Page
from app.textmatch import like_pattern

INTERACTION_SORTS = {
    "occurred_at": Interaction.occurred_at,
    "created_at": Interaction.created_at,
    "updated_at": Interaction.updated_at,
    "kind": Interaction.kind,
}


def next_touch_due(
    last_contacted_at: datetime | None, created_at: datetime, cadence_days: int | None
) -> datetime | None:
    """When the next touch is due: one cadence after the last touch, or after the contact was
    added when there was none yet (a new contact is not due at once)."""
    if cadence_days is None:
        return None
    return (last_contacted_at or created_at) + timedelta(days=cadence_days)


FUTURE_MESSAGE = "When must not be in the future: record a touch once it has happened."


def _check_past(occurred_at: datetime) -> None:
    # Interactions drive "last contacted" and the next touch: a future one would report a
    # contact as reached before it happened and push the reminder past its real date.
    if occurred_at > utcnow():
        raise Invalid.one("occurred_at", FUTURE_MESSAGE)


def refresh_touch_dates(session: Session, contact: Contact, *, bump: bool = True) -> None:
    """Recompute last_contacted_at and next_touch_due from the interactions; the caller commits."""
    last = session.scalar(
        select(func.max(Interaction.occurred_at)).where(Interaction.contact_id == contact.id)
    )
    due = next_touch_due(last, contact.created_at, contact.stay_in_touch_days)
    if (last, due) != (contact.last_contacted_at, contact.next_touch_due):
        contact.last_contacted_at = last
        contact.next_touch_due = due
        if bump:
            # The dates are part of the contact's representation, so its ETag must change too.
            contact.touch()
        session.add(contact)


def create_interaction(session: Session, user: User, data: InteractionCreate) -> Interaction:
    """Record a touch with one of the user's contacts and update its stay-in-touch dates."""
    # Built before the first statement, which on SQLite takes the write lock: every writer
    # waits for the lock's holder, so the holder does nothing under it that could be done before.
    interaction = Interaction(
        owner_id=user.id,
        contact_id=data.contact_id,
        kind=data.kind,
        occurred_at=data.occurred_at,
        summary=data.summary,
    )
    contact = owned_reference(session, Contact, user.id, data.contact_id, "contact_id")
    _check_past(data.occurred_at)
    session.add(interaction)
    session.flush()
    refresh_touch_dates(session, contact)
    session.commit()
    return interaction


def get_interaction(session: Session, user: User, interaction_id: int) -> Interaction:
    """One of the user's interactions."""
    return get_owned(session, Interaction, user.id, interaction_id)


def update_interaction(
    session: Session,
    user: User,
    interaction_id: int,
    data: InteractionUpdate,
    *,
    expected_version: int | None = None,
) -> Interaction:
    """Change an interaction; both the old and the new contact get fresh dates."""
    interaction = get_owned(session, Interaction, user.id, interaction_id)
    check_version(interaction.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    if data.occurred_at is not None:
        _check_past(data.occurred_at)
    old_contact = get_owned(session, Contact, user.id, interaction.contact_id)
    new_contact = old_contact
    if "contact_id" in changes:
        new_contact = owned_reference(
            session, Contact, user.id, changes.pop("contact_id"), "contact_id"
        )
        interaction.contact_id = new_contact.id  # type: ignore[assignment]
    for name, value in changes.items():
        setattr(interaction, name, value)
    interaction.touch()
    session.add(interaction)
    session.flush()
    refresh_touch_dates(session, old_contact)
    if new_contact is not old_contact:
        refresh_touch_dates(session, new_contact)
    session.commit()
    return interaction


def delete_interaction(
    session: Session, user: User, interaction_id: int, *, expected_version: int | None = None
) -> None:
    """Delete an interaction and recompute its contact's dates."""
    interaction = get_owned(session, Interaction, user.id, interaction_id)
    check_version(interaction.version, expected_version)
    contact = get_owned(session, Contact, user.id, interaction.contact_id)
    session.delete(interaction)
    session.flush()
    refresh_touch_dates(session, contact)
    session.commit()


def list_interactions(
    session: Session,
    user: User,
    *,
    contact_id: int | None = None,
    kind: str | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str | None = None,
) -> Page[Interaction]:
    """A page of the user's interactions, newest first unless sorted otherwise."""
    order = order_by_clauses(sort, INTERACTION_SORTS, ["-occurred_at"])
    statement = select(Interaction).where(Interaction.owner_id == user.id)
    if contact_id is not None:
        statement = statement.where(Interaction.contact_id == contact_id)
    if kind is not None:
        statement = statement.where(Interaction.kind == kind)
    if occurred_after is not None:
        statement = statement.where(Interaction.occurred_at >= occurred_after)
    if occurred_before is not None:
        statement = statement.where(Interaction.occurred_at < occurred_before)
    if q:
        statement = statement.where(
            func.lower(Interaction.summary).like(like_pattern(q), escape="\\")
        )
    return paginate(
        session, statement.order_by(*order, Interaction.id.desc()), limit=limit, offset=offset
    )


def timeline(
    session: Session, user: User, contact_id: int, *, limit: int = 200
) -> list[Interaction]:
    """A contact's interactions, newest first (the contact must be the user's)."""
    get_owned(session, Contact, user.id, contact_id)
    return list(
        session.scalars(
            select(Interaction)
            .where(Interaction.owner_id == user.id, Interaction.contact_id == contact_id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )
