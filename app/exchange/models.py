"""Import drafts: an uploaded file of contacts kept between its preview and its commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

from app.models import utc_field


class ImportDraft(SQLModel, table=True):
    """One user's pending import: the file's bytes, their hash and the chosen reading.

    One per user (a new upload replaces it), so the preview page needs no id in its
    address; drafts older than an hour are refused and purged.
    """

    __tablename__ = "import_drafts"
    __label__ = "import draft"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    file_name: str = Field(default="", max_length=255, nullable=False)
    sha256: str = Field(max_length=64, nullable=False)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The format asked for ("auto", "csv", ...) and a column mapping (JSON) chosen on the page.
    format: str = Field(default="auto", max_length=20, nullable=False)
    mapping: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    created_at: datetime = utc_field(default_now=True, index=True)
