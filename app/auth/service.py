"""Accounts, passwords, browser sessions and login throttling (API tokens: app.tokens)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select, text, update
from sqlmodel import Session

from app.auth.credentials import TOUCH_INTERVAL, sha256_hex
from app.auth.models import CredentialLookup, LoginFailure, User, UserSession
from app.auth.passwords import check_password_policy, hash_password, verify_password
from app.auth.schemas import PasswordChange, ProfileUpdate, UserCreate, UserRead
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized
from app.jobsearch import service as jobsearch_service
from app.tokens import service as tokens_service
from app.validation import Problems

BAD_CREDENTIALS = "Unknown username or wrong password."
THROTTLED = "Too many failed sign-in attempts. Try again later."


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


NEW_USER_FIELDS = ("username", "password", "display_name", "email", "timezone")


def parse_new_user(
    session: Session, values: Mapping[str, str], *, confirm: str | None = None
) -> UserCreate:
    """A new-account form checked all at once: fields, matching passwords, policy, free name.

    ``confirm`` is the repeated password (None when the form has no such field)."""
    problems = Problems()
    data = problems.validate(UserCreate, {k: v for k, v in values.items() if k in NEW_USER_FIELDS})
    password = values.get("password") or ""
    if password:
        problems.check(check_password_policy, password)
    if confirm is not None and password != confirm:
        problems.add("password_confirm", "The two passwords do not match.")
    username = values.get("username") or ""
    if data is not None and session.scalar(
        select(User.id).where(User.username_key == fold_username(username))
    ):
        problems.add("username", "That username is taken.")
    problems.raise_if_any()
    assert data is not None
    return data


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
    """Change display name, email, timezone or job-search status (recorded by app.jobsearch)."""
    changes = data.model_dump(exclude_unset=True)
    status = changes.pop("job_search_status", None)
    note = changes.pop("job_search_note", None)
    if status is not None or note is not None:
        jobsearch_service.change_from_profile(session, user, status, note)
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


def read_user(session: Session, user: User) -> UserRead:
    """The user as the API shows it, with the current job-search status."""
    current = jobsearch_service.current_status(session, user)
    return UserRead.model_validate(
        {
            **{name: getattr(user, name) for name in UserRead.model_fields if hasattr(user, name)},
            "job_search_status": current.status,
            "job_search_note": current.note,
        }
    )


@dataclass
class Revoked:
    """What a password change or reset signed out: sessions counted, tokens by name."""

    sessions: int = 0
    token_names: list[str] = field(default_factory=list)


def change_password(
    session: Session, user: User, data: PasswordChange, *, keep_session_id: int | None
) -> Revoked:
    """Set a new password after proving the current one; other sessions are revoked, and
    the API tokens too unless the user chose to keep them."""
    valid, _ = verify_password(data.current_password, user.password_hash)
    if not valid:
        raise Invalid.one("current_password", "The current password is not correct.")
    check_password_policy(data.new_password, field="new_password")
    user.password_hash = hash_password(data.new_password)
    user.touch()
    session.add(user)
    revoked = Revoked(_revoke_sessions(session, user.id, keep_session_id=keep_session_id))
    if data.revoke_tokens:
        revoked.token_names = tokens_service.revoke_all_tokens(session, user)
    session.commit()
    return revoked


def reset_password(session: Session, username: str, new_password: str) -> tuple[User, Revoked]:
    """Operator reset (CLI): new password, every session and every API token revoked."""
    user = get_user_by_username(session, username)
    check_password_policy(new_password)
    user.password_hash = hash_password(new_password)
    user.touch()
    session.add(user)
    revoked = Revoked(
        _revoke_sessions(session, user.id, keep_session_id=None),
        tokens_service.revoke_all_tokens(session, user),
    )
    session.commit()
    return user, revoked


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
        tokens_service.revoke_all_tokens(session, user)
    session.commit()
    return user


# ---- login and throttling --------------------------------------------------------------
#
# Every attempt is recorded before the password is checked, under two keys: the pair
# (username, address) and the address alone; a success deletes the pair's rows and its own
# address row. Within the window each key gets some failures for free; past them, the next
# attempt must wait 1, 2, 4 ... seconds (up to the maximum) after the key's latest one.
# Nothing is keyed on the username alone, so failures from one address never slow the
# user down anywhere else, and the answer never depends on whether the username exists.


@dataclass
class _Key:
    value: str
    free: int


def _attempt_keys(settings: Settings, username: str, client_ip: str) -> list[_Key]:
    # The pair is hashed: a password typed into the username field is not kept readable.
    pair = sha256_hex(f"{fold_username(username)}\n{client_ip}")
    return [
        _Key(f"pair:{pair}", settings.login_free_failures),
        _Key(f"ip:{client_ip}"[:128], settings.login_address_free_failures),
    ]


def _lock_keys(session: Session, keys: list[_Key]) -> None:
    # Check-then-record must be atomic, or a burst of parallel attempts would all pass the
    # check. SQLite: the write transaction (BEGIN IMMEDIATE) already serialises them.
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(k.value for k in keys):
        lock_id = int(sha256_hex(key)[:15], 16)  # fits a signed bigint
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def _delay(settings: Settings, failures: int, free: int) -> timedelta:
    """How long after a key's latest failure its next attempt must wait."""
    if failures < free:
        return timedelta(0)
    excess = min(failures - free, 30)  # 2**30 s is past any maximum: no huge numbers
    return timedelta(seconds=min(2**excess, settings.login_max_delay_seconds))


def _seconds_to_wait(session: Session, settings: Settings, keys: list[_Key]) -> int:
    now = utcnow()
    rows = session.execute(
        select(LoginFailure.key, func.count(), func.max(LoginFailure.at))
        .where(
            LoginFailure.key.in_([k.value for k in keys]),
            LoginFailure.at >= now - timedelta(minutes=settings.login_window_minutes),
        )
        .group_by(LoginFailure.key)
    ).all()
    free = {k.value: k.free for k in keys}
    wait = timedelta(0)
    for key, count, latest in rows:
        wait = max(wait, latest + _delay(settings, count, free[key]) - now)
    return 0 if wait <= timedelta(0) else int(wait.total_seconds()) + 1


def _record_attempt(session: Session, keys: list[_Key]) -> list[int]:
    now = utcnow()
    rows = [LoginFailure(key=k.value, at=now) for k in keys]
    session.add_all(rows)
    # Rows past the window count for nothing; a day's grace keeps this delete rare and small.
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
    session.flush()
    return [row.id for row in rows]  # type: ignore[misc]


def authenticate(
    session: Session, settings: Settings, username: str, password: str, client_ip: str
) -> User:
    """The user for these credentials; the same error for unknown user and wrong password.

    A throttled attempt answers RateLimited before any password hashing.
    """
    keys = _attempt_keys(settings, username, client_ip)
    _lock_keys(session, keys)
    wait = _seconds_to_wait(session, settings, keys)
    if wait:
        session.rollback()
        raise RateLimited(detail=THROTTLED, retry_after=wait)
    attempt_ids = _record_attempt(session, keys)
    user = session.scalar(select(User).where(User.username_key == fold_username(username)))
    # Commit before hashing: argon2 takes tens of milliseconds, and SQLite's write lock
    # must not be held that long.
    session.commit()
    valid, new_hash = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        raise Unauthorized(detail=BAD_CREDENTIALS, title="Sign-in failed")
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    session.add(user)
    # Forgive the pair; the address keeps the failures of others (only this attempt goes).
    session.execute(
        delete(LoginFailure).where(
            (LoginFailure.key == keys[0].value) | LoginFailure.id.in_(attempt_ids)
        )
    )
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


# A page read may go on the browser session's row its worker read this long ago
# (models.RecentRows): a logout or a disabled account elsewhere reaches every worker's pages
# within it; writes always read the session afresh (and check its CSRF token).
RECENT_SESSION_SECONDS = 1.0

# Every page view asks this (models.CredentialLookup).
_LOOKUP = CredentialLookup(
    UserSession, UserSession.id_hash, remember_seconds=RECENT_SESSION_SECONDS
)
_EXPIRES_AT, _LAST_SEEN_AT = (_LOOKUP.column(name) for name in ("expires_at", "last_seen_at"))


def find_session(
    session: Session,
    settings: Settings,
    cookie_value: str,
    *,
    outside_transaction: bool = False,
    recent_ok: bool = False,
    recent_only: bool = False,
) -> tuple[User, UserSession] | None:
    """The live session and its user for a cookie, or None when expired or revoked.

    ``outside_transaction``, ``recent_ok`` and ``recent_only``: see ``CredentialLookup.row``
    (reads pass ``recent_ok``: app.web.deps._browser_session); with ``recent_only`` None
    also means "not kept here": the caller then looks the session up in full."""
    row = _LOOKUP.live_row(
        session,
        sha256_hex(cookie_value),
        outside_transaction=outside_transaction,
        recent_ok=recent_ok,
        recent_only=recent_only,
    )
    if row is None:
        return None
    now = utcnow()
    idle_limit = row[_LAST_SEEN_AT] + timedelta(minutes=settings.session_idle_minutes)
    if row[_EXPIRES_AT] <= now or idle_limit <= now:
        return None
    return _LOOKUP.objects(session, row, read=recent_ok or recent_only)


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


def leave_flash(session: Session, user_session: UserSession, notes: dict[str, str]) -> None:
    """Keep notes for the next page this session shows (after a POST's redirect)."""
    user_session.flash = json.dumps(notes)[:4000]
    session.add(user_session)
    session.commit()


def take_flash(session: Session, user_session: UserSession | None) -> dict[str, str]:
    """The notes a POST left for this session, cleared so a reload does not show them again.

    Read afresh: the POST may have left them in another worker less than a second ago, and
    the page's session may be this worker's recent copy (RECENT_SESSION_SECONDS)."""
    if user_session is None:
        return {}
    flash = session.scalar(select(UserSession.flash).where(UserSession.id == user_session.id))
    if not flash:
        return {}
    try:
        notes = json.loads(flash)
    except ValueError:
        notes = {}
    # End the read first so the write starts its own transaction (no lock upgrade).
    session.commit()
    # A statement, not the object's attribute: a recent copy already says None, so the ORM
    # would see no change to write.
    session.execute(update(UserSession).where(UserSession.id == user_session.id).values(flash=None))
    session.commit()
    return {str(k): str(v) for k, v in notes.items()} if isinstance(notes, dict) else {}


def end_session(session: Session, cookie_value: str) -> None:
    """Revoke the session behind a cookie (logout)."""
    session.execute(
        update(UserSession)
        .where(UserSession.id_hash == sha256_hex(cookie_value), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()
    _LOOKUP.recent.forget_all()  # type: ignore[union-attr]  # a bulk update: no ORM event


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


def _revoke_sessions(session: Session, user_id: int | None, *, keep_session_id: int | None) -> int:
    query = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    revoked = session.execute(query.values(revoked_at=utcnow())).rowcount or 0
    _LOOKUP.recent.forget_all()  # type: ignore[union-attr]  # a bulk update: no ORM event
    return revoked
