"""Interaction schemas (the API contract, also used to parse the timeline's forms) and the
interaction kinds with their labels: the one home of that vocabulary."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.interactions.models import InteractionKind
from app.schemas import BoundedDateTime, DbId, InputModel, TrackedRead, not_null

_NULL_REFUSED = "cannot be null; leave the field out to keep it"


class InteractionCreate(InputModel):
    """One touch with a contact; ``occurred_at`` carries its UTC offset."""

    contact_id: DbId
    kind: InteractionKind
    occurred_at: BoundedDateTime
    summary: str = Field(default="", max_length=10_000)


class InteractionUpdate(InputModel):
    """PATCH an interaction (moving it to another contact is allowed)."""

    contact_id: DbId | None = None
    kind: InteractionKind | None = None
    occurred_at: BoundedDateTime | None = None
    summary: str | None = Field(default=None, max_length=10_000)

    _not_null = not_null("contact_id", "kind", "occurred_at", "summary", message=_NULL_REFUSED)


class InteractionRead(TrackedRead):
    """An interaction as clients see it."""

    contact_id: int
    kind: str
    occurred_at: datetime
    summary: str
