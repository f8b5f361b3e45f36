"""Lists in SQL: sorting from a whitelist and one page of rows with its total."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.errors import BadRequest, FieldError
from app.schemakit import Page


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


def paginate(session: Session, statement: Select[Any], *, limit: int, offset: int) -> Page[Any]:
    """One page of rows and the total count, both in SQL."""
    total = (
        session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    )
    rows = list(session.scalars(statement.limit(limit).offset(offset)))
    return Page[Any].model_construct(items=rows, total=total, limit=limit, offset=offset)
