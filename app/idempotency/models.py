"""Stored outcomes of POSTs sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models import utc_field


class IdempotencyRecord(SQLModel, table=True):
    """One key of one user: the request's fingerprint and, once done, its response."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_records_user_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(max_length=255, nullable=False)
    fingerprint: str = Field(max_length=64, nullable=False)
    status_code: int | None = Field(default=None)
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response_headers: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = utc_field(default_now=True, index=True)
