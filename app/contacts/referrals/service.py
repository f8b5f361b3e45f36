"""Referral chains: who introduced whom, and the rule that introductions never loop."""

from __future__ import annotations

from sqlalchemy import literal_column, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.contacts.schemas import ContactRef, ReferralsRead
from app.errors import Invalid
from app.ownership import get_owned, owned_reference

MAX_CHAIN = 500  # a guard for the recursive walk; real chains are a handful long


def ancestor_ids(session: Session, user: User, start_id: int) -> list[int]:
    """``start_id`` and whoever introduced it, up to the first, nearest first (one query)."""
    base = (
        select(Contact.id, Contact.introduced_by_id, literal_column("0").label("depth"))
        .where(Contact.id == start_id, Contact.owner_id == user.id)
        .cte("chain", recursive=True)
    )
    step = base.alias("step")
    chain = base.union_all(
        select(Contact.id, Contact.introduced_by_id, step.c.depth + 1)
        .join(step, Contact.id == step.c.introduced_by_id)
        .where(Contact.owner_id == user.id, step.c.depth < MAX_CHAIN)
    )
    return list(session.scalars(select(chain.c.id).order_by(chain.c.depth)))


def _refs(session: Session, user: User, ids: list[int]) -> list[ContactRef]:
    if not ids:
        return []
    names = dict(
        session.execute(
            select(Contact.id, Contact.full_name).where(
                Contact.owner_id == user.id, Contact.id.in_(ids)
            )
        )
        .tuples()
        .all()
    )
    return [ContactRef(id=i, full_name=names[i]) for i in ids if i in names]


def referrals(session: Session, user: User, contact_id: int) -> ReferralsRead:
    """Who introduced the contact (nearest first, up to the first) and whom it introduced."""
    get_owned(session, Contact, user.id, contact_id)
    chain = ancestor_ids(session, user, contact_id)[1:]
    introduced = session.execute(
        select(Contact.id, Contact.full_name)
        .where(Contact.owner_id == user.id, Contact.introduced_by_id == contact_id)
        .order_by(Contact.full_name, Contact.id)
    )
    return ReferralsRead(
        introduced_by_chain=_refs(session, user, chain),
        introduced=[ContactRef(id=row.id, full_name=row.full_name) for row in introduced],
    )


def check_introducer(
    session: Session, user: User, contact_id: int | None, introducer_id: int
) -> None:
    """Refuse (Invalid) an introducer who is not the user's, is the contact, or makes a loop."""
    owned_reference(session, Contact, user.id, introducer_id, "introduced_by_id")
    if contact_id is None:
        return
    if introducer_id == contact_id:
        raise Invalid.one("introduced_by_id", "A contact cannot be introduced by themselves.")
    if contact_id in ancestor_ids(session, user, introducer_id):
        raise Invalid.one(
            "introduced_by_id",
            "That would make a loop: this contact introduced them, directly or through others.",
        )
