"""Interactions: the timeline of touches with a contact, and the stay-in-touch dates it drives."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from app.auth.models import User, column_keys, row_instance
from app.concurrency import check_version
from app.contacts.models import Contact
from app.db import utcnow
from app.errors import Invalid
from app.interactions.models import Interaction
from app.interactions.schemas import InteractionCreate, InteractionUpdate
from app.ownership import get_owned, owned_reference
from app.paging import order_by_clauses, paginate
from app.schemas import Page
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
    # On SQLite the first statement takes the write lock, and every other write waits for its
    # holder: everything that needs no database (the check, the row, its timestamps) is done
    # before it, and under it run only four prebuilt Core statements (the ORM's unit of work,
    # and building and hashing statements per call, were most of the Python time under it).
    _check_past(data.occurred_at)
    now = utcnow()
    row = {
        "owner_id": user.id,
        "contact_id": data.contact_id,
        "kind": data.kind,
        "occurred_at": data.occurred_at,
        "summary": data.summary,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    session.flush()  # a caller's pending changes go first, as the ORM's autoflush would
    connection = session.connection()
    contact = connection.execute(_CONTACT_DATES, {"contact_id": data.contact_id}).first()
    if contact is None or contact.owner_id != user.id:
        raise Invalid.one("contact_id", f"No contact with id {data.contact_id}.")
    row["id"] = connection.execute(_INSERT_INTERACTION, row).scalar_one()
    last = connection.execute(_LATEST_TOUCH, {"contact_id": data.contact_id}).scalar()
    due = next_touch_due(last, contact.created_at, contact.stay_in_touch_days)
    if (last, due) != (contact.last_contacted_at, contact.next_touch_due):
        # What Contact.touch() does: the dates are part of the contact's representation.
        dates = {
            "last_contacted_at": last,
            "next_touch_due": due,
            "version": contact.version + 1,
            "updated_at": now,
        }
        connection.execute(_SET_TOUCH_DATES, {"contact_id": data.contact_id, **dates})
        _keep_in_step(session, data.contact_id, dates)
    session.commit()
    # Persistent in the session and clean, as an ORM insert would have left it (no
    # statement), built from the row written: SQLModel's constructor set each column through
    # three layers of __setattr__ (~110 us a write, then a model_dump and ~20 us to detach).
    return row_instance(
        session, Interaction, _INTERACTION_KEYS, [row[k] for k in _INTERACTION_KEYS]
    )


# The write path's statements, built once: one built per call is coerced and hashed for the
# compiled cache on every execution. With the ORM's flush this was half the write's CPU
# (in-process, per write: 1.6 -> 0.8 ms of CPU, 2.4 -> 1.0 ms holding the write lock).
_INTERACTIONS: Table = Interaction.__table__  # type: ignore[attr-defined]
_CONTACTS: Table = Contact.__table__  # type: ignore[attr-defined]
_CONTACT_DATES = select(
    _CONTACTS.c.owner_id,
    _CONTACTS.c.created_at,
    _CONTACTS.c.stay_in_touch_days,
    _CONTACTS.c.last_contacted_at,
    _CONTACTS.c.next_touch_due,
    _CONTACTS.c.version,
).where(_CONTACTS.c.id == bindparam("contact_id"))
_INSERT_INTERACTION = insert(_INTERACTIONS).returning(_INTERACTIONS.c.id)
_INTERACTION_KEYS = column_keys(Interaction)
_LATEST_TOUCH = select(func.max(_INTERACTIONS.c.occurred_at)).where(
    _INTERACTIONS.c.contact_id == bindparam("contact_id")
)
_SET_TOUCH_DATES = (
    update(_CONTACTS)
    .where(_CONTACTS.c.id == bindparam("contact_id"))
    .values(
        {
            name: bindparam(name)
            for name in ("last_contacted_at", "next_touch_due", "version", "updated_at")
        }
    )
)


def _keep_in_step(session: Session, contact_id: int, values: dict[str, object]) -> None:
    # A caller that loaded the contact into this session (the timeline page, a follow-up
    # done) reads it again after the write: its loaded copy must show what was written.
    loaded = session.identity_map.get(identity_key(Contact, contact_id))
    if loaded is not None:
        for name, value in values.items():
            set_committed_value(loaded, name, value)


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
