"""The user's job-search status, kept as a history of changes (the latest is current)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models import owner_field, utc_field


class JobSearchChange(SQLModel, table=True):
    """One change of status; network updates refer to it so nobody hears of it twice."""

    __tablename__ = "job_search_changes"
    __label__ = "job-search change"
    __table_args__ = (Index("ix_job_search_changes_owner_latest", "owner_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    status: str = Field(max_length=20, nullable=False)
    note: str = Field(default="", max_length=2000, nullable=False)
    since: date | None = Field(default=None)
    changed_at: datetime = utc_field(default_now=True)
