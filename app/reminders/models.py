"""Reminder digests sent by email: one per user per local day, recorded once delivered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models import owner_field, utc_field


class DigestDelivery(SQLModel, table=True):
    """A digest the SMTP server accepted; its (user, day) is never sent again."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("owner_id", "day", name="uq_digest_deliveries_owner_day"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    day: date = Field(nullable=False)
    follow_up_count: int = Field(default=0, nullable=False)
    sent_at: datetime = utc_field(default_now=True)
