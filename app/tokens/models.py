"""Personal access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.models import utc_field


class ApiToken(SQLModel, table=True):
    """A personal access token; the secret is shown once and stored as SHA-256."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=100, nullable=False)
    prefix: str = Field(max_length=16, nullable=False)
    secret_hash: str = Field(max_length=64, nullable=False, unique=True)
    scopes: str = Field(default="read", max_length=64, nullable=False)
    created_at: datetime = utc_field(default_now=True)
    # None means the owner chose "never" explicitly (TokenCreate); RAPPORT_MAX_TOKEN_DAYS
    # still bounds such a token at use (app.tokens.service.find_token).
    expires_at: datetime | None = utc_field()
    last_used_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()

    @property
    def scope_list(self) -> list[str]:
        """Scopes as a list (stored space-separated)."""
        return scope_list(self.scopes)


def scope_list(scopes: str) -> list[str]:
    """A token's stored ``scopes`` column as a list."""
    return [s for s in scopes.split() if s]
