"""Personal access token schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from app.auth.schemas import Password
from app.schemas import InputModel, ReadModel

Scope = Literal["read", "write"]
MAX_TOKEN_DAYS = 3650
NEVER = "never"
Days = Annotated[int, Field(ge=1, le=MAX_TOKEN_DAYS)]
LIFETIME_HELP = (
    f'Use a whole number of days from 1 to {MAX_TOKEN_DAYS}, or "never" for a token that '
    "does not expire."
)


class TokenCreate(InputModel):
    """A new personal access token for the signed-in user."""

    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(
        default_factory=lambda: ["read", "write"], min_length=1, max_length=2
    )
    # "never" is spelled out so that a missing or null value cannot mean it by accident.
    expires_in_days: Days | Literal["never"] = Field(
        default=90,
        description=f'Days until the token expires (1-{MAX_TOKEN_DAYS}), or "never". An '
        'administrator may set a maximum (RAPPORT_MAX_TOKEN_DAYS); then "never" and longer '
        "lifetimes are refused.",
    )

    @field_validator("expires_in_days", mode="wrap")
    @classmethod
    def _one_message(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        # One message naming the field, instead of one per member of the union. A boolean is
        # not a number of days, though pydantic's lax integers read true as 1.
        if isinstance(value, bool):
            raise ValueError(LIFETIME_HELP)
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(LIFETIME_HELP) from None


class TokenRequest(TokenCreate):
    """Exchange a username and password for a token (scripts and clients)."""

    username: str = Field(min_length=1, max_length=64)
    password: Password


class TokenRead(ReadModel):
    """A token without its secret (expires_at null: created with "never")."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value


class TokenCreated(TokenRead):
    """A token with its secret: shown this once only."""

    token: str
