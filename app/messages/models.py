"""Message templates: letters and emails with variables, built-in or the user's own."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field

from app.models import Tracked

MESSAGE_KINDS = (
    "outreach",
    "thank_you",
    "status_update",
    "check_in",
    "send_resume",
    "thank_introducer",
    "keep_promise",
    "custom",
)


class MessageTemplate(Tracked, table=True):
    """A subject and body with variables; built-ins have no owner and are read-only."""

    __tablename__ = "message_templates"
    __label__ = "message template"

    id: int | None = Field(default=None, primary_key=True)
    # NULL for the built-ins every user reads; a user's own copy names its owner.
    owner_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    # The built-in's stable name, so the shipped set is created once and upgraded in place.
    builtin_key: str | None = Field(default=None, max_length=40, unique=True)
    name: str = Field(max_length=200, nullable=False)
    kind: str = Field(max_length=20, nullable=False)
    subject: str = Field(default="", max_length=300, nullable=False)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    @property
    def builtin(self) -> bool:
        """True for the shipped, read-only templates."""
        return self.owner_id is None
