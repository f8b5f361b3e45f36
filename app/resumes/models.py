"""Resumes: uploaded versions, their metadata apart from their bytes."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

from app.models import Tracked, owner_field


class Resume(Tracked, table=True):
    """One uploaded resume version: what it is and what the stored file looks like."""

    __tablename__ = "resumes"
    __label__ = "resume"
    __table_args__ = (Index("ix_resumes_owner_created", "owner_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    label: str = Field(max_length=200, nullable=False)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    file_name: str = Field(max_length=255, nullable=False)
    content_type: str = Field(max_length=100, nullable=False)
    size_bytes: int = Field(nullable=False)
    sha256: str = Field(max_length=64, nullable=False)


class ResumeFile(SQLModel, table=True):
    """A version's bytes, in a table of their own so listing resumes never reads them."""

    __tablename__ = "resume_files"

    resume_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resumes.id", ondelete="CASCADE"), primary_key=True)
    )
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
