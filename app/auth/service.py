"""Accounts, passwords, browser sessions and login throttling (API tokens: tokens_service)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from app.auth.models import ApiToken, LoginFailure, User, UserSession
from app.auth.passwords import check_password_policy, hash_password, verify_password
from app.auth.schemas import PasswordChange, ProfileUpdate, UserCreate
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized

TOKEN_PREFIX = "rpt_"
BAD_CREDENTIALS = "Unknown username or wrong password."
# last_seen / last_used are written at most this often, so reads stay reads.
TOUCH_INTERVAL = timedelta(minutes=1)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def fold_username(username: str) -> str:
    """The case-insensitive key of a username."""
    return username.strip().casefold()


# ---- users -------------------------------------------------------------------------


def count_users(session: Session) -> int:
    """How many accounts exist (zero means first-run setup is open)."""
    return session.scalar(select(func.count()).select_from(User)) or 0


def create_user(session: Session, data: UserCreate, *, is_admin: bool = False) -> User:
    """Create an account after checking the password policy and username uniqueness."""
    check_password_policy(data.password)
    key = fold_username(data.username)
    if session.scalar(select(User.id).where(User.username_key == key)) is not None:
        raise Conflict(detail="That username is taken.", title="Username taken")
    user = User(
        username=data.username,
        username_key=key,
        password_hash=hash_password(data.password),
        display_name=data.display_name or data.username,
        email=str(data.email) if data.email else None,
        timezone=data.timezone,
        is_admin=is_admin,
    )
    session.add(user)
    session.commit()
    return user


def create_first_user(session: Session, data: UserCreate) -> User:
    """The setup step: the first account, an admin; refused once any account exists."""
    if count_users(session) > 0:
        raise Forbidden(detail="Setup is already complete; sign in instead.")
    return create_user(session, data, is_admin=True)


def get_user(session: Session, user_id: int) -> User:
    """A user by id."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(detail="No such user.")
    return user


def get_user_by_username(session: Session, username: str) -> User:
    """A user by (case-insensitive) username."""
    user = session.scalar(select(User).where(User.username_key == fold_username(username)))
    if user is None:
        raise NotFound(detail=f"No user named {username!r}.")
    return user


def list_users(session: Session) -> list[User]:
    """Every account, for the admin page."""
    return list(session.scalars(select(User).order_by(User.username_key)))


def update_profile(session: Session, user: User, data: ProfileUpdate) -> User:
    """Change display name, email, timezone or job-search status."""
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] is not None:
        changes["email"] = str(changes["email"])
    for name, value in changes.items():
        if value is None and name != "email":
            continue
        setattr(user, name, value)
    user.touch()
    session.add(user)
    session.commit()
    return user


def change_password(
    session: Session, user: User, data: PasswordChange, *, keep_session_id: int | None
) -> None:
    """Set a new password after proving the current one; other sessions are revoked."""
    valid, _ = verify_password(data.current_password, user.password_hash)
    if not valid:
        raise Invalid.one("current_password", "The current password is not correct.")
    check_password_policy(data.new_password, field="new_password")
    user.password_hash = hash_password(data.new_password)
    user.touch()
    session.add(user)
    _revoke_sessions(session, user.id, keep_session_id=keep_session_id)
    session.commit()


def reset_password(session: Session, username: str, new_password: str) -> User:
    """Operator reset (CLI): new password, every session revoked."""
    user = get_user_by_username(session, username)
    check_password_policy(new_password)
    user.password_hash = hash_password(new_password)
    user.touch()
    session.add(user)
    _revoke_sessions(session, user.id, keep_session_id=None)
    session.commit()
    return user


def set_user_active(session: Session, admin: User, user_id: int, *, active: bool) -> User:
    """Enable or disable an account; disabling revokes its sessions and tokens."""
    if not admin.is_admin:
        raise Forbidden(detail="Only an administrator can do this.")
    user = get_user(session, user_id)
    if user.id == admin.id and not active:
        raise Conflict(detail="You cannot disable your own account.")
    user.is_active = active
    user.touch()
    session.add(user)
    if not active:
        _revoke_sessions(session, user.id, keep_session_id=None)
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    session.commit()
    return user


# ---- login and throttling --------------------------------------------------------------


def _failure_keys(username: str, client_ip: str) -> list[str]:
    return [f"user:{fold_username(username)}"[:128], f"ip:{client_ip}"[:128]]


def _check_throttle(session: Session, settings: Settings, keys: list[str]) -> None:
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    for key in keys:
        rows = session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                LoginFailure.key == key, LoginFailure.at >= since
            )
        ).one()
        count, oldest = rows
        if count >= settings.login_max_failures:
            retry = (oldest + timedelta(minutes=settings.login_window_minutes)) - utcnow()
            raise RateLimited(
                detail="Too many failed sign-in attempts. Try again later.",
                retry_after=max(1, int(retry.total_seconds()) + 1),
            )


def authenticate(
    session: Session, settings: Settings, username: str, password: str, client_ip: str
) -> User:
    """The user for these credentials; the same error for unknown user and wrong password."""
    keys = _failure_keys(username, client_ip)
    _check_throttle(session, settings, keys)
    user = session.scalar(select(User).where(User.username_key == fold_username(username)))
    valid, new_hash = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        for key in keys:
            session.add(LoginFailure(key=key))
        cutoff = utcnow() - timedelta(days=1)
        session.execute(delete(LoginFailure).where(LoginFailure.at < cutoff))
        session.commit()
        raise Unauthorized(detail=BAD_CREDENTIALS, title="Sign-in failed")
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    session.add(user)
    session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    session.commit()
    return user


# ---- browser sessions -----------------------------------------------------------------


def start_session(
    session: Session,
    settings: Settings,
    user: User,
    *,
    user_agent: str,
    client_ip: str,
    replace_cookie: str | None = None,
) -> tuple[str, UserSession]:
    """A new session id (the cookie value); any session it replaces is revoked."""
    if replace_cookie:
        end_session(session, replace_cookie)
    cookie_value = secrets.token_urlsafe(32)
    now = utcnow()
    user_session = UserSession(
        user_id=user.id,
        id_hash=sha256_hex(cookie_value),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=settings.session_absolute_days),
        user_agent=user_agent[:300],
        ip_address=client_ip[:64],
    )
    session.add(user_session)
    session.commit()
    return cookie_value, user_session


def find_session(
    session: Session, settings: Settings, cookie_value: str
) -> tuple[User, UserSession] | None:
    """The live session and its user for a cookie, or None when expired or revoked."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id_hash == sha256_hex(cookie_value))
    ).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    idle_limit = user_session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if (
        user_session.revoked_at is not None
        or user_session.expires_at <= now
        or idle_limit <= now
        or not user.is_active
    ):
        return None
    return user, user_session


def session_touch_due(user_session: UserSession) -> bool:
    """Whether last_seen_at is old enough to be written again (once a minute at most)."""
    return utcnow() - user_session.last_seen_at > TOUCH_INTERVAL


def touch_session(session: Session, user_session: UserSession) -> None:
    """Record that the browser session was used now (a write of its own)."""
    # End the read first so the write starts its own transaction (no lock upgrade).
    session.commit()
    user_session.last_seen_at = utcnow()
    session.add(user_session)
    session.commit()


def resolve_session(
    session: Session, settings: Settings, cookie_value: str
) -> tuple[User, UserSession] | None:
    """find_session, recording the use when it is due."""
    found = find_session(session, settings, cookie_value)
    if found is not None and session_touch_due(found[1]):
        touch_session(session, found[1])
    return found


def end_session(session: Session, cookie_value: str) -> None:
    """Revoke the session behind a cookie (logout)."""
    session.execute(
        update(UserSession)
        .where(UserSession.id_hash == sha256_hex(cookie_value), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()


def list_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's live sessions, newest first."""
    now = utcnow()
    return list(
        session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def revoke_session(session: Session, user: User, session_id: int) -> None:
    """Sign out one of the user's sessions."""
    row = session.scalar(
        select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    if row is None or row.revoked_at is not None:
        raise NotFound(detail="No such session.")
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()


def _revoke_sessions(session: Session, user_id: int | None, *, keep_session_id: int | None) -> None:
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    session.execute(query.values(revoked_at=utcnow()))
