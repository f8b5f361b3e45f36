"""Resume shares: which version went to which contact, when, and what they thought."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field

from app.models import Tracked, fk_field, owner_field, utc_field


class ResumeShare(Tracked, table=True):
    """A resume version handed to a contact, and what they said about it.

    The label and file name are copied when the share is recorded, so deleting the version
    (its bytes go, ``resume_id`` becomes null) keeps the record of who received what."""

    __tablename__ = "resume_shares"
    __label__ = "resume share"
    __table_args__ = (Index("ix_resume_shares_owner_contact", "owner_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    resume_id: int | None = fk_field("resumes.id", ondelete="SET NULL")
    contact_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    shared_at: datetime = utc_field(default_now=True)
    feedback: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resume_label: str = Field(max_length=200, nullable=False)
    resume_file_name: str = Field(max_length=255, nullable=False)
