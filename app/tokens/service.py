"""API tokens: created shown once, stored as SHA-256, with scopes, expiry and last use."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from sqlalchemy import Row, select, update
from sqlmodel import Session

from app.auth.credentials import TOUCH_INTERVAL, sha256_hex
from app.auth.models import CredentialLookup, User
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.tokens.models import ApiToken, scope_list
from app.tokens.schemas import NEVER, TokenCreate

TOKEN_PREFIX = "rpt_"
MAX_SECRET_LENGTH = 200


def check_lifetime(data: TokenCreate, max_days: int | None) -> None:
    """Refuse "never" or a lifetime past the administrator's maximum, naming the field."""
    if max_days is None:
        return
    if data.expires_in_days == NEVER or int(data.expires_in_days) > max_days:
        raise Invalid.one(
            "expires_in_days",
            f"Tokens on this instance expire within {max_days} days at most "
            f"(set by the administrator); choose 1 to {max_days}.",
        )


def create_token(
    session: Session, user: User, data: TokenCreate, *, max_days: int | None = None
) -> tuple[str, ApiToken]:
    """A new token; the secret is returned here once and stored only as SHA-256."""
    check_lifetime(data, max_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    expires: datetime | None = None
    if data.expires_in_days != NEVER:
        expires = now + timedelta(days=int(data.expires_in_days))
    token = ApiToken(
        user_id=user.id,
        name=data.name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=sha256_hex(secret),
        scopes=" ".join(sorted(set(data.scopes))),
        created_at=now,
        expires_at=expires,
    )
    session.add(token)
    session.commit()
    return secret, token


# A revoked token, or its disabled account, is refused by every worker within this: an API
# read may go on a row its worker read this long ago (app.auth.models.RecentRows); a write
# never does.
RECENT_TOKEN_SECONDS = 1.0

# Every API request asks this (app.auth.models.CredentialLookup). The token stays out of the
# request's session until touch_token adds it (once a minute at most).
_LOOKUP = CredentialLookup(
    ApiToken,
    ApiToken.secret_hash,
    attach_credential=False,
    remember_seconds=RECENT_TOKEN_SECONDS,
)
_EXPIRES_AT, _CREATED_AT, _SCOPES, _LAST_USED_AT = (
    _LOOKUP.column(name) for name in ("expires_at", "created_at", "scopes", "last_used_at")
)


class LiveToken:
    """A request's live token, read from its lookup's row; its ``ApiToken`` is built only
    when asked for (``token()``: its use written, once a minute at most). Building it on every
    API request cost ~5 us, 6 % of a trivial authenticated route's instructions."""

    __slots__ = ("_built", "_read", "_row", "_session")

    def __init__(self, session: Session, row: Row[Any], *, read: bool) -> None:
        self._session, self._row, self._read = session, row, read
        self._built: ApiToken | None = None

    @property
    def scope_list(self) -> list[str]:
        """The token's scopes, as ``ApiToken.scope_list``."""
        return scope_list(self._row[_SCOPES])

    @property
    def last_used_at(self) -> datetime | None:
        """When the token's use was last written."""
        return self._row[_LAST_USED_AT]  # type: ignore[no-any-return]

    def token(self) -> ApiToken:
        """The token's object, as a lookup of the row gives it (built once)."""
        if self._built is None:
            self._built = _LOOKUP.credential(self._session, self._row, read=self._read)
        return self._built


class LookupOptions(TypedDict, total=False):
    """``find_live_token``'s keyword options, passed on as they are by ``find_token``."""

    max_days: int | None
    outside_transaction: bool
    recent_ok: bool
    recent_only: bool


def find_token(
    session: Session, secret: str, **options: Unpack[LookupOptions]
) -> tuple[User, ApiToken] | None:
    """``find_live_token`` with the token's object built."""
    found = find_live_token(session, secret, **options)
    return None if found is None else (found[0], found[1].token())


def find_live_token(
    session: Session,
    secret: str,
    *,
    max_days: int | None = None,
    outside_transaction: bool = False,
    recent_ok: bool = False,
    recent_only: bool = False,
) -> tuple[User, LiveToken] | None:
    """The user and token for a bearer secret, or None when unknown, expired or revoked.

    With a maximum lifetime set, a token older than it is expired whatever it was created
    with, so lowering the maximum also retires the older "never" tokens.
    ``outside_transaction``, ``recent_ok`` and ``recent_only``: see ``CredentialLookup.row``;
    a read passes ``recent_ok`` (app.web.deps.api_actor), so a revoked token may still read
    for up to RECENT_TOKEN_SECONDS in a worker that did not revoke it. With ``recent_only``
    None also means "not kept here": the caller then looks the token up in full.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        return None
    row = _LOOKUP.live_row(
        session,
        sha256_hex(secret),
        outside_transaction=outside_transaction,
        recent_ok=recent_ok,
        recent_only=recent_only,
    )
    if row is None:
        return None
    now = utcnow()
    expires_at = row[_EXPIRES_AT]
    if expires_at is not None and expires_at <= now:
        return None
    if max_days is not None and row[_CREATED_AT] + timedelta(days=max_days) <= now:
        return None
    read = recent_ok or recent_only
    return _LOOKUP.user(session, row, read=read), LiveToken(session, row, read=read)


def token_touch_due(token: ApiToken | LiveToken) -> bool:
    """Whether last_used_at is old enough to be written again (once a minute at most)."""
    return token.last_used_at is None or utcnow() - token.last_used_at > TOUCH_INTERVAL


def touch_token(session: Session, token: ApiToken) -> None:
    """Record that the token was used now (a write of its own)."""
    # End the read first so the write starts its own transaction (no lock upgrade).
    session.commit()
    token.last_used_at = utcnow()
    session.add(token)
    session.commit()


def resolve_token(
    session: Session, secret: str, *, max_days: int | None = None
) -> tuple[User, ApiToken] | None:
    """find_token, recording the use when it is due."""
    found = find_token(session, secret, max_days=max_days)
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


def revoke_all_tokens(session: Session, user: User) -> list[str]:
    """Revoke every live token of a user inside the caller's transaction; their names."""
    names = list(
        session.scalars(
            select(ApiToken.name)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
    )
    if names:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        _LOOKUP.recent.forget_all()  # type: ignore[union-attr]  # a bulk update: no ORM event
    return names
