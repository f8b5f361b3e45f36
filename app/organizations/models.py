"""Organizations: employers and institutions the user's contacts work at."""

from __future__ import annotations

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from app.models import Tracked, owner_field


class Organization(Tracked, table=True):
    """An employer or institution, with the user's research on it."""

    __tablename__ = "organizations"
    __label__ = "organization"
    __table_args__ = (Index("ix_organizations_owner_name", "owner_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    name: str = Field(max_length=200, nullable=False)
    website: str | None = Field(default=None, max_length=2000)
    industry: str = Field(default="", max_length=200, nullable=False)
    location: str = Field(default="", max_length=200, nullable=False)
    research_notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
