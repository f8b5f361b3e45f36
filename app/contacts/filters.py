"""Contact list filters and sorts as SQL, shared by the ORM listing and the hot read path.

Every filter value is a named bind: ``filter_params`` computes the values of a request,
``filter_conditions`` builds the WHERE clauses for those names, so one compiled statement
serves every request of the same shape (app.rawsql) and the ORM path passes the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select
from sqlalchemy.sql import operators

from app.auth.models import User
from app.contacts import search_service
from app.contacts.models import Contact, ContactCareer, ContactTag, Tag
from app.db import UTCDateTime
from app.paging import order_by_clauses
from app.schemakit import normalise_tag

CONTACT_SORTS = {
    # Each has an (owner_id, key, id) index (app.contacts.models), so a page is a range scan.
    "full_name": func.lower(Contact.full_name),  # people sort names without regard to case
    "created_at": Contact.created_at,
    "updated_at": Contact.updated_at,
    "last_contacted_at": Contact.last_contacted_at,
    "next_touch_due": Contact.next_touch_due,
    "stage": Contact.stage,
}
_NULLABLE_SORTS = frozenset({"last_contacted_at", "next_touch_due"})


@dataclass
class ContactFilters:
    """The list filters the API and the pages share."""

    career_id: int | None = None
    organization_id: int | None = None
    tag: str | None = None
    stage: str | None = None
    introduced_by_id: int | None = None
    due: bool | None = None
    q: str | None = None


def sort_order(sort: str | None, *, unindexed: bool = False) -> list[Any]:
    """ORDER BY for ``sort``, in the order of one of the contacts indexes.

    Empty values sort last either way. The id tie-break follows the last key's direction,
    so ``-updated_at`` is one backward index scan rather than a scan plus a sort.
    """
    order: list[Any] = []
    descending = False
    for clause in order_by_clauses(sort, CONTACT_SORTS, ["full_name"]):
        descending = clause.modifier is operators.desc_op  # type: ignore[attr-defined]
        nullable = getattr(clause.element, "key", None) in _NULLABLE_SORTS  # type: ignore[attr-defined]
        if unindexed and not order:
            # The same values (`|| ''` keeps text and NULL as they are), but no index's order.
            key = clause.element.concat(literal_column("''"))  # type: ignore[attr-defined]
            clause = key.desc() if descending else key.asc()
        order.append(clause.nulls_last() if nullable else clause)
    order.append(Contact.id.desc() if descending else Contact.id.asc())  # type: ignore[union-attr]
    return order


def filter_params(
    dialect: str, user: User, filters: ContactFilters, now: datetime
) -> dict[str, Any]:
    """The values of the filters that are set, by bind name; the names are the shape."""
    params: dict[str, Any] = {"owner_id": user.id}
    if filters.career_id is not None:
        params["career_id"] = filters.career_id
    if filters.organization_id is not None:
        params["organization_id"] = filters.organization_id
    if filters.tag:
        params["tag_owner_id"] = user.id
        params["tag"] = normalise_tag(filters.tag)
    if filters.stage is not None:
        params["stage"] = filters.stage
    if filters.introduced_by_id is not None:
        params["introduced_by_id"] = filters.introduced_by_id
    if filters.due is True:
        params["due_by"] = now
    elif filters.due is False:
        params["not_due_after"] = now
    if filters.q:
        params.update(search_service.text_params(dialect, filters.q))
    return params


def filter_conditions(params: Mapping[str, Any]) -> list[Any]:
    """WHERE conditions for the filters in ``params``, every value a named bind.

    The same compiled SQL then serves every request of this shape (app.rawsql), and the
    ORM path passes ``params`` when it executes.
    """
    conditions: list[Any] = [Contact.owner_id == bindparam("owner_id")]
    if "career_id" in params:
        linked = select(ContactCareer.contact_id).where(
            ContactCareer.career_id == bindparam("career_id")
        )
        conditions.append(Contact.id.in_(linked))
    if "organization_id" in params:
        conditions.append(Contact.organization_id == bindparam("organization_id"))
    if "tag" in params:
        tagged = (
            select(ContactTag.contact_id)
            .join(Tag, Tag.id == ContactTag.tag_id)
            .where(
                Tag.owner_id == bindparam("tag_owner_id"),
                Tag.name == bindparam("tag"),
            )
        )
        conditions.append(Contact.id.in_(tagged))
    if "stage" in params:
        conditions.append(Contact.stage == bindparam("stage"))
    if "introduced_by_id" in params:
        conditions.append(Contact.introduced_by_id == bindparam("introduced_by_id"))
    if "due_by" in params:
        conditions.append(Contact.next_touch_due <= bindparam("due_by", type_=UTCDateTime))
    if "not_due_after" in params:
        after = bindparam("not_due_after", type_=UTCDateTime)
        conditions.append(or_(Contact.next_touch_due.is_(None), Contact.next_touch_due > after))
    if "q_like" in params:
        # search_text holds the organization's name; its renames and deletes reindex it.
        conditions.extend(search_service.text_conditions(params))
    return conditions
