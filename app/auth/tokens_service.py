"""API tokens: created shown once, stored as SHA-256, with scopes, expiry and last use."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import ApiToken, User
from app.auth.schemas import TokenCreate
from app.auth.service import TOKEN_PREFIX, TOUCH_INTERVAL, sha256_hex
from app.db import utcnow
from app.errors import NotFound


def create_token(session: Session, user: User, data: TokenCreate) -> tuple[str, ApiToken]:
    """A new token; the secret is returned here once and stored only as SHA-256."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires: datetime | None = None
    if data.expires_in_days:
        expires = utcnow() + timedelta(days=data.expires_in_days)
    token = ApiToken(
        user_id=user.id,
        name=data.name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=sha256_hex(secret),
        scopes=" ".join(sorted(set(data.scopes))),
        expires_at=expires,
    )
    session.add(token)
    session.commit()
    return secret, token


def find_token(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The user and token for a bearer secret, or None when unknown, expired or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.secret_hash == sha256_hex(secret))
    ).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or not user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return user, token


def token_touch_due(token: ApiToken) -> bool:
    """Whether last_used_at is old enough to be written again (once a minute at most)."""
    return token.last_used_at is None or utcnow() - token.last_used_at > TOUCH_INTERVAL


def touch_token(session: Session, token: ApiToken) -> None:
    """Record that the token was used now (a write of its own)."""
    # End the read first so the write starts its own transaction (no lock upgrade).
    session.commit()
    token.last_used_at = utcnow()
    session.add(token)
    session.commit()


def resolve_token(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """find_token, recording the use when it is due."""
    found = find_token(session, secret)
    if found is not None and token_touch_due(found[1]):
        touch_token(session, found[1])
    return found


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens that are not revoked, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's tokens."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None or token.revoked_at is not None:
        raise NotFound(detail="No such token.")
    token.revoked_at = utcnow()
    session.add(token)
    session.commit()
