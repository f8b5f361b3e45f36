"""Interactions: one touch with a contact; the latest drives the contact's stay-in-touch dates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field

from app.models import Tracked, owner_field, utc_field

InteractionKind = Literal["email", "call", "meeting", "letter", "message"]
INTERACTION_KINDS: tuple[str, ...] = get_args(InteractionKind)
# How each kind reads on a page, in the order forms offer them.
KIND_LABELS: dict[str, str] = {
    "email": "Email",
    "call": "Call",
    "meeting": "Meeting",
    "letter": "Letter",
    "message": "Message",
}


class Interaction(Tracked, table=True):
    """One touch with a contact; the latest drives stay-in-touch."""

    __tablename__ = "interactions"
    __label__ = "interaction"
    __table_args__ = (Index("ix_interactions_contact_when", "contact_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=20, nullable=False)
    occurred_at: datetime = utc_field(nullable=False)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
