"""Careers: the fields or professions the user is exploring."""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field

from app.models import Tracked, owner_field

# The API's enums (schemas use these Literals), the stored values and their labels: one home.
CareerStatus = Literal["interested", "researching", "interviewing", "pursuing", "ruled_out"]
CAREER_STATUSES: tuple[str, ...] = get_args(CareerStatus)
STATUS_LABELS = {
    "interested": "Interested",
    "researching": "Researching",
    "interviewing": "Interviewing",
    "pursuing": "Pursuing",
    "ruled_out": "Ruled out",
}
ResourceKind = Literal["website", "article", "book", "course"]
RESOURCE_KINDS: tuple[str, ...] = get_args(ResourceKind)
KIND_LABELS = {"website": "Website", "article": "Article", "book": "Book", "course": "Course"}


class Career(Tracked, table=True):
    """A field being explored, with what the user learned before meeting anyone."""

    __tablename__ = "careers"
    __label__ = "career"
    __table_args__ = (Index("ix_careers_owner_title", "owner_id", "title"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    title: str = Field(max_length=200, nullable=False)
    industry: str = Field(default="", max_length=200, nullable=False)
    status: str = Field(default="interested", max_length=20, nullable=False)
    interest: int = Field(default=3, nullable=False)
    research_notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # [{url, title, kind, note}]: small, always read with the career, so kept inline.
    resources: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
