"""Contacts (the professionals), their careers and tags, and the interaction timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.modelkit import Tracked, fk_field, owner_field, utc_field

CONTACT_STAGES = ("prospect", "contacted", "met", "in_network")
INTERACTION_KINDS = ("email", "call", "meeting", "letter", "message")


class Contact(Tracked, table=True):
    """A professional in the user's network."""

    __tablename__ = "contacts"
    __label__ = "contact"
    __table_args__ = (
        Index("ix_contacts_owner_name", "owner_id", "full_name"),
        Index("ix_contacts_owner_next_touch", "owner_id", "next_touch_due"),
        Index("ix_contacts_owner_linkedin", "owner_id", "linkedin_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    full_name: str = Field(max_length=200, nullable=False)
    title: str = Field(default="", max_length=200, nullable=False)
    organization_id: int | None = fk_field("organizations.id", ondelete="SET NULL")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)  # E.164
    linkedin_url: str | None = Field(default=None, max_length=2000)
    # Normalised profile slug, so the same person is recognised from two URL spellings.
    linkedin_key: str | None = Field(default=None, max_length=200)
    location: str = Field(default="", max_length=200, nullable=False)
    how_we_met: str = Field(default="", max_length=2000, nullable=False)
    introduced_by_id: int | None = fk_field("contacts.id", ondelete="SET NULL")
    stage: str = Field(default="prospect", max_length=20, nullable=False)
    stay_in_touch_days: int | None = Field(default=None)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Denormalised from the interactions so "due for a touch" is one indexed range scan.
    last_contacted_at: datetime | None = utc_field()
    next_touch_due: datetime | None = utc_field()
    # Lower-cased name, title, organization, email and tags: what `q` matches.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ContactCareer(SQLModel, table=True):
    """A contact works in (or knows about) a career."""

    __tablename__ = "contact_careers"

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    )
    career_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("careers.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Tag(SQLModel, table=True):
    """A free label of one user's, shared by their contacts."""

    __tablename__ = "tags"
    __label__ = "tag"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_tags_owner_name"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = owner_field()
    name: str = Field(max_length=64, nullable=False)


class ContactTag(SQLModel, table=True):
    """A tag on a contact."""

    __tablename__ = "contact_tags"

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


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
