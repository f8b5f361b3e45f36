"""SQL helpers the services share: sorting from a whitelist, paging, text matching."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.errors import BadRequest, FieldError, PreconditionFailed

T = TypeVar("T")


def order_by_clauses(
    sort: str | None, allowed: Mapping[str, Any], default: Sequence[str]
) -> list[ColumnElement[Any]]:
    """``sort=-updated_at,name`` to ORDER BY clauses; an unknown field is a 400."""
    fields = [f.strip() for f in (sort or "").split(",") if f.strip()] or list(default)
    clauses: list[ColumnElement[Any]] = []
    for item in fields:
        descending = item.startswith("-")
        name = item.lstrip("-+")
        column = allowed.get(name)
        if column is None:
            options = ", ".join(sorted(allowed))
            raise BadRequest(
                detail=f"Cannot sort by {name!r}; use one of: {options}.",
                errors=[FieldError("sort", f"unknown sort field {name!r}")],
            )
        clauses.append(column.desc() if descending else column.asc())
    return clauses


def paginate(
    session: Session, statement: Select[Any], *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of rows and the total count, both in SQL."""
    total = (
        session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    rows = list(session.scalars(statement.limit(limit).offset(offset)))
    return rows, total


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern that matches ``text`` literally anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"


def check_version(current: int, expected: int | None) -> None:
    """Refuse a write made against a stale version (If-Match or a form's version field)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            detail="This record was changed since you loaded it. Reload to see the latest version.",
            current_version=current,
        )


def get_owned(session: Session, model: type[T], owner_id: int | None, row_id: int) -> T:
    """The row with this id if it belongs to the owner; NotFound otherwise (never 403)."""
    from app.errors import NotFound

    row = session.get(model, row_id)
    if row is None or getattr(row, "owner_id", None) != owner_id:
        label = getattr(model, "__label__", model.__name__.lower())
        raise NotFound(detail=f"No {label} with id {row_id}.")
    return row
