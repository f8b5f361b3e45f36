"""The ownership rule: a user reaches only their own rows; anything else does not exist."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session

from app.errors import Invalid, NotFound

T = TypeVar("T")


def get_owned(session: Session, model: type[T], owner_id: int | None, row_id: int) -> T:
    """The row with this id if it belongs to the owner; NotFound otherwise (never 403)."""
    row = session.get(model, row_id)
    if row is None or getattr(row, "owner_id", None) != owner_id:
        label = getattr(model, "__label__", model.__name__.lower())
        raise NotFound(detail=f"No {label} with id {row_id}.")
    return row


def owned_reference(
    session: Session, model: type[T], owner_id: int | None, row_id: int, field: str
) -> T:
    """A row named in a request body: another user's (or a missing) row is Invalid on ``field``."""
    try:
        return get_owned(session, model, owner_id, row_id)
    except NotFound as exc:
        raise Invalid.one(field, exc.detail) from None
