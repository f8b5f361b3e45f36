"""Idempotency keys: a retried POST replays the first response instead of acting twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import utcnow
from app.errors import Conflict, Invalid
from app.idempotency.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
IN_PROGRESS = "A request with this Idempotency-Key is still in progress."


@dataclass
class Replay:
    """A finished earlier request to answer with."""

    status_code: int
    body: str
    headers: str


def claim(
    session: Session, user_id: int, key: str, fingerprint: str, *, with_write: bool = False
) -> Replay | IdempotencyRecord:
    """Claim a key: a new pending record, or the earlier response to replay.

    ``with_write`` leaves the new record flushed, not committed: it commits with the write
    that follows in the same session (a create's service commits it), so a keyed create
    takes two transactions instead of three, and a write that fails leaves no claim behind.
    A request that may work for seconds before its first statement (a contact import
    parses its whole file first) claims apart instead: on SQLite the claim's statements
    take the write lock, which must not be held while it parses. Either way a concurrent
    request with the same key waits for the claim's transaction (SQLite's write lock,
    PostgreSQL's unique index), then is told the key is in progress or gets the answer."""
    session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEEP_FOR)
    )
    existing = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    if existing is None:
        record = IdempotencyRecord(user_id=user_id, key=key, fingerprint=fingerprint)
        session.add(record)
        try:
            if with_write:
                session.flush()
            else:
                session.commit()
        except IntegrityError:
            # Another request claimed the same key between our read and our insert.
            session.rollback()
            raise Conflict(detail=IN_PROGRESS) from None
        return record
    session.commit()
    if existing.fingerprint != fingerprint:
        raise Invalid.one(
            "Idempotency-Key",
            "This Idempotency-Key was already used with a different request body.",
        )
    if existing.status_code is None:
        raise Conflict(detail=IN_PROGRESS)
    return Replay(
        existing.status_code, existing.response_body or "", existing.response_headers or ""
    )


def complete(
    session: Session, record: IdempotencyRecord, status_code: int, body: str, headers: str
) -> None:
    """Store the response of a claimed key."""
    if inspect(record).transient:
        # The request's own flow rolled back the transaction that held a claim made with
        # the write, then wrote again: without a record a retry would act twice.
        record.id = None
        record.status_code, record.response_body, record.response_headers = (
            status_code,
            body,
            headers,
        )
        session.add(record)
    else:
        # One UPDATE, not a load and a flush: on SQLite it runs holding the write lock.
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record.id)
            .values(status_code=status_code, response_body=body, response_headers=headers)
            .execution_options(synchronize_session=False)
        )
    session.commit()


def release(session: Session, record: IdempotencyRecord) -> None:
    """Forget a claim whose request failed, so a retry may run again."""
    session.rollback()
    if inspect(record).transient:
        return  # claimed with the write and rolled back with it: nothing was kept
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
    session.commit()
