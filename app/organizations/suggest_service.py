"""Organization type-ahead: a few names matching what was typed, and a typed name back to a row.

Forms and filters offer a text field with suggestions instead of a <select> of every
organization (thousands for a heavy user), so they need these small, indexed look-ups.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, case, func, literal, select
from sqlmodel import Session

from app import rawsql
from app.auth.models import User
from app.organizations.models import Organization

SUGGESTION_LIMIT = 20


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def suggest_names(
    session: Session, user: User, text: str, *, limit: int = SUGGESTION_LIMIT
) -> list[str]:
    """Up to ``limit`` of the user's organization names containing ``text``, prefixes first."""
    text = text.replace("\x00", "").strip()
    owned = Organization.owner_id == user.id
    name = func.lower(Organization.name)
    if not text:
        statement = select(Organization.name).where(owned).order_by(Organization.name)
    else:
        # lower() on both sides, so each database folds case its own way (SQLite: ASCII only).
        prefix = func.lower(literal(_escaped(text) + "%"))
        pattern = func.lower(literal("%" + _escaped(text) + "%"))
        statement = (
            select(Organization.name)
            .where(owned, name.like(pattern, escape="\\"))
            .order_by(case((name.like(prefix, escape="\\"), 0), else_=1), name)
        )
    # Twice the limit leaves room for duplicate names, dropped below.
    names = session.scalars(statement.order_by(Organization.id).limit(limit * 2))
    return list(dict.fromkeys(names))[:limit]


def find_by_name(session: Session, user: User, text: str) -> tuple[int, str] | None:
    """The user's organization named ``text`` (any case; the oldest if several are)."""
    text = text.replace("\x00", "").strip()
    if not text:
        return None
    statement = (
        select(Organization.id, Organization.name)
        .where(
            Organization.owner_id == user.id,
            func.lower(Organization.name) == func.lower(literal(text)),
        )
        .order_by(Organization.id)
        .limit(1)
    )
    row = session.execute(statement).first()
    return (row.id, row.name) if row else None


def name_of(session: Session, user: User, organization_id: int) -> str | None:
    """The name of one of the user's organizations; None for a missing or foreign id."""
    statement = select(Organization.name).where(
        Organization.owner_id == user.id, Organization.id == organization_id
    )
    return session.scalar(statement)


def names_of(session: Session, user: User, ids: Iterable[int | None]) -> dict[int, str]:
    """id -> name for those of ``ids`` that are the user's organizations, in one query."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    # A list page asks on every view: compiled once, run on the driver (app.rawsql).
    prepared = rawsql.prepare(
        ("organizations.names_of",),
        session.get_bind().dialect,
        lambda: select(Organization.id, Organization.name).where(
            Organization.owner_id == bindparam("owner"),
            Organization.id.in_(bindparam("ids", expanding=True)),
        ),
    )
    return dict(rawsql.fetch(session, prepared, {"owner": user.id, "ids": wanted}))
