"""Lists in SQL: sorting from a whitelist and one page of rows with its total."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.errors import BadRequest, FieldError
from app.schemas import Page

# The key a list route's ``openapi_extra`` carries its sort fields under; app.contract turns it
# into the ``sort`` parameter's pattern, so the schema and order_by_clauses share one list.
SORT_FIELDS_KEY = "x-sort-fields"


def sortable(allowed: Iterable[str]) -> dict[str, Any]:
    """A list route's ``openapi_extra``: the fields its ``sort`` parameter takes."""
    return {SORT_FIELDS_KEY: sorted(allowed)}


def sort_pattern(fields: Iterable[str]) -> str:
    """The regular expression of every ``sort`` value order_by_clauses accepts for ``fields``."""
    names = "|".join(re.escape(name) for name in sorted(fields, key=lambda n: (-len(n), n)))
    item = f"-?(?:{names})"
    return f"^(?:{item}(?:,{item})*)?$"


def order_by_clauses(
    sort: str | None, allowed: Mapping[str, Any], default: Sequence[str]
) -> list[ColumnElement[Any]]:
    """``sort=-updated_at,name`` to ORDER BY clauses; anything else is a 400.

    Exactly the values sort_pattern() describes: comma-separated names, each optionally
    prefixed by ``-``, no spaces, no empty items; an empty or missing value is the default.
    """
    fields = sort.split(",") if sort else list(default)
    clauses: list[ColumnElement[Any]] = []
    for item in fields:
        descending = item.startswith("-")
        name = item[1:] if descending else item
        column = allowed.get(name)
        if column is None:
            options = ", ".join(sorted(allowed))
            raise BadRequest(
                detail=f"Cannot sort by {name!r}; use one of: {options} ('-' first for descending).",
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
