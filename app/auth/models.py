"""Accounts, browser sessions and login throttling (API tokens: app.tokens.models)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    bindparam,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Field, Session, SQLModel

from app.db import statement_read
from app.models import Tracked, utc_field

M = TypeVar("M", bound=SQLModel)


class User(Tracked, table=True):
    """An account. Username is unique case-insensitively (stored folded in username_key)."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, nullable=False)
    username_key: str = Field(max_length=64, nullable=False, unique=True)
    password_hash: str = Field(max_length=255, nullable=False)
    display_name: str = Field(default="", max_length=120, nullable=False)
    email: str | None = Field(default=None, max_length=254)
    timezone: str = Field(default="UTC", max_length=64, nullable=False)
    is_admin: bool = Field(default=False, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    last_login_at: datetime | None = utc_field()


class UserSession(SQLModel, table=True):
    """A browser login; only the SHA-256 of the cookie value is stored."""

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    id_hash: str = Field(max_length=64, nullable=False, unique=True)
    csrf_token: str = Field(max_length=64, nullable=False)
    created_at: datetime = utc_field(default_now=True)
    last_seen_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field(nullable=False)
    user_agent: str = Field(default="", max_length=300, nullable=False)
    ip_address: str = Field(default="", max_length=64, nullable=False)
    revoked_at: datetime | None = utc_field()
    # What a POST leaves for the page it redirects to (a saved notice, a new token shown
    # once), as JSON; taken (and cleared) by that page, so it never travels in a URL.
    flash: str | None = Field(default=None, max_length=4000)


class LoginFailure(SQLModel, table=True):
    """One failed login, keyed by folded username or by client address."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(128), nullable=False))
    at: datetime = utc_field(default_now=True)


def column_keys(model: type[SQLModel]) -> tuple[str, ...]:
    """The attribute names of a table model's columns, in the table's column order."""
    mapper = inspect(model)
    return tuple(mapper.get_property_by_column(column).key for column in mapper.local_table.c)


def row_instance(
    session: Session,
    model: type[M],
    keys: Sequence[str],
    values: Sequence[Any],
    *,
    attach: bool = True,
) -> M:
    """The session's object for one row, built from the row's values as the ORM would load it.

    The identity lookups (every request) read their row with one Core statement: loading the
    two objects through the ORM cost as much again as the statement itself. ``values`` come
    from that statement's columns, converted by their types like any other read. The object
    is then what a load returns: persistent in ``session``, every column loaded and unchanged
    (a change is an UPDATE), or the object the session already holds for that row.
    ``attach=False`` leaves it detached with its identity: adding it to a session later (the
    writes that record its use) makes it persistent there, as the ORM would, and a request
    that never writes it skips the cost of attaching it.
    """
    shape = _row_shape(model, tuple(keys))
    if shape is None:
        instance = inspect(model).class_manager.new_instance()
        instance.__dict__.update(zip(keys, values, strict=True))
        make_transient_to_detached(instance)
        key = inspect(instance).key
    else:
        new_instance, identity_class, key_positions = shape
        instance = new_instance()
        instance.__dict__.update(zip(keys, values, strict=True))
        key = (identity_class, tuple([values[i] for i in key_positions]), None)
        instance_state(instance).key = key
    if not attach:
        return instance
    present = session.identity_map.get(key)
    if present is not None:
        return present  # type: ignore[no-any-return]
    session.add(instance)
    return instance


@functools.cache
def _row_shape(
    model: type[SQLModel], keys: tuple[str, ...]
) -> tuple[Any, type, tuple[int, ...]] | None:
    """What ``make_transient_to_detached`` works out for a new object of ``model`` whose every
    column is in ``keys``, worked out once: its constructor, its identity class and where its
    primary key stands in a row. None when that function does more than set the key.

    On a new object with every column loaded and no relationship, that function computes the
    identity key through each key column's attribute, then clears history that is empty and
    expires no attribute (none is unloaded): of its ~10 us an object, only the key counts
    (tests/auth/test_stack_row_instance.py compares both objects' states).
    """
    mapper = inspect(model)
    columns = {prop.key for prop in mapper.column_attrs}
    if mapper.relationships or set(keys) != columns or mapper.class_manager.dispatch.expire:
        return None
    positions = tuple(keys.index(mapper.get_property_by_column(c).key) for c in mapper.primary_key)
    return mapper.class_manager.new_instance, mapper._identity_class, positions


class RecentRows:
    """Credential rows this worker read lately, by hash, each good for ``seconds``.

    Looking the credential up was a seventh of a contacts list request (one statement, and
    on PostgreSQL a thread-pool turn and a round trip of its own); an API client sends many
    requests with one token. Only reads may use a kept row (``CredentialLookup.row``'s
    ``recent_ok``): a write always reads the credential afresh, so a revoked token or a
    disabled account never writes. What a kept row can miss, and for how long:
    - a change made by this worker: none. Any ORM update or delete of the credential's or
      the user's rows empties the memory when it is flushed, and bulk changes call
      ``forget_all`` (app.tokens.service.revoke_all_tokens);
    - a change made by another worker (a revocation, a disabled account, a changed time
      zone): reads here may still pass on the old row for up to ``seconds``.
    Unknown hashes are never kept, so a token made in another worker works at once. The
    checks on the row (revoked, expired, account active) run on every use, against the time
    of the request.
    """

    MAX_ROWS = 1024  # bounded: a flood of distinct tokens empties it rather than grows it

    def __init__(self, seconds: float, models: Sequence[type[SQLModel]]) -> None:
        self.seconds = seconds
        self.rows: dict[str, tuple[float, Row[Any]]] = {}
        for model in models:
            for change in ("after_update", "after_delete"):
                event.listen(model, change, self._changed)

    def get(self, hashed: str) -> Row[Any] | None:
        """The row kept for ``hashed`` if it is still good."""
        kept = self.rows.get(hashed)
        if kept is None or kept[0] <= clock():
            return None
        return kept[1]

    def keep(self, hashed: str, row: Row[Any]) -> None:
        """Keep a row just read."""
        if len(self.rows) >= self.MAX_ROWS:
            self.rows.clear()
        self.rows[hashed] = (clock() + self.seconds, row)

    def forget_all(self) -> None:
        """Drop every kept row (a change this worker made that events do not see)."""
        self.rows.clear()

    def _changed(self, mapper: Any, connection: Any, target: Any) -> None:
        self.rows.clear()  # rare (a token's use is written once a minute): no finer bookkeeping


# The memory's clock (tests move it).
clock: Callable[[], float] = time.monotonic


class CredentialLookup(Generic[M]):
    """How a request finds its credential (a browser session, an API token) and its user:
    one indexed statement, by the credential's unique hash then the user's primary key,
    built once with only the hash bound; the two objects are built from its row
    (row_instance) instead of being loaded through the ORM.

    ``attach_credential``: whether the credential's object joins the request's session like
    the user's. API tokens do not (``False``): a request only reads its token, and the one
    write of it (its last use, once a minute) adds it to the session itself. Browser sessions
    do: the account page lists the user's sessions through the ORM and then writes its own
    (the flash), which must then be the object the list loaded, not a second one for the row.

    ``remember_seconds``: how long a row found may answer again without the statement, for
    a caller that asks (``recent_ok``: API reads). See ``RecentRows``.
    """

    def __init__(
        self,
        model: type[M],
        hash_column: Any,
        *,
        attach_credential: bool = True,
        remember_seconds: float = 0.0,
    ) -> None:
        self.model = model
        self.attach_credential = attach_credential
        self.keys = column_keys(model)
        self.user_keys = column_keys(User)
        self.statement = (
            select(*model.__table__.c, *User.__table__.c)  # type: ignore[attr-defined]
            .join_from(model, User, User.id == model.user_id)  # type: ignore[attr-defined]
            .where(hash_column == bindparam("hash", type_=String))
        )
        self.recent = RecentRows(remember_seconds, (model, User)) if remember_seconds else None
        self._revoked_at = self.column("revoked_at")
        self._is_active = self.user_column("is_active")

    def column(self, name: str) -> int:
        """Where the credential's column ``name`` stands in a row."""
        return self.keys.index(name)

    def user_column(self, name: str) -> int:
        """Where the user's column ``name`` stands in a row."""
        return len(self.keys) + self.user_keys.index(name)

    def row(
        self,
        session: Session,
        hashed: str,
        *,
        outside_transaction: bool = False,
        recent_ok: bool = False,
        recent_only: bool = False,
    ) -> Row[Any] | None:
        """The credential's and its user's columns, or None for an unknown hash.

        ``outside_transaction`` reads on a connection of its own, as a statement outside any
        transaction (app.db.statement_read), leaving ``session`` without one.
        ``recent_ok``: a row this worker read within ``remember_seconds`` will do.
        ``recent_only``: only such a row, with no statement (None when none is kept), so a
        caller may ask on the event loop before it spends a thread-pool turn on the lookup."""
        if self.recent is not None and (recent_ok or recent_only):
            kept = self.recent.get(hashed)
            if kept is not None or recent_only:
                return kept
        elif recent_only:
            return None
        if not outside_transaction:
            found = session.connection().execute(self.statement, {"hash": hashed}).first()
        else:
            with statement_read(session.get_bind()) as connection:
                found = connection.execute(self.statement, {"hash": hashed}).first()
        if self.recent is not None and found is not None:
            self.recent.keep(hashed, found)
        return found

    def live_row(
        self,
        session: Session,
        hashed: str,
        *,
        outside_transaction: bool = False,
        recent_ok: bool = False,
        recent_only: bool = False,
    ) -> Row[Any] | None:
        """``row``, or None when the credential is revoked or its user disabled (every kind
        of credential checks these; each then checks its own expiry)."""
        row = self.row(
            session,
            hashed,
            outside_transaction=outside_transaction,
            recent_ok=recent_ok,
            recent_only=recent_only,
        )
        if row is None or row[self._revoked_at] is not None or not row[self._is_active]:
            return None
        return row

    def objects(self, session: Session, row: Row[Any], *, read: bool = False) -> tuple[User, M]:
        """The user and the credential of a row, as a load would give them.

        ``read``: for a read (the callers that pass ``recent_ok``), both objects stay
        detached with their identity. A read shows them and never writes them; attaching
        them to the session was a tenth of a page's CPU (two ``session.add`` cascades). What
        a read may still do with them works detached: every column is loaded, and adding one
        to the session later (a "last seen" touch) makes it persistent as a load would."""
        credential = self.credential(session, row, read=read)
        return self.user(session, row, read=read), credential

    def user(self, session: Session, row: Row[Any], *, read: bool = False) -> User:
        """The user of a row, as ``objects`` gives it."""
        return row_instance(session, User, self.user_keys, row[len(self.keys) :], attach=not read)

    def credential(self, session: Session, row: Row[Any], *, read: bool = False) -> M:
        """The credential of a row, as ``objects`` gives it."""
        return row_instance(
            session,
            self.model,
            self.keys,
            row[: len(self.keys)],
            attach=self.attach_credential and not read,
        )
