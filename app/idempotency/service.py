"""Idempotency keys: a retried POST replays the first response instead of acting twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import utcnow
from app.errors import Conflict, Invalid
from app.idempotency.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)


@dataclass
class Replay:
    """A finished earlier request to answer with."""

    status_code: int
    body: str
    headers: str


def claim(session: Session, user_id: int, key: str, fingerprint: str) -> Replay | int:
    """Claim a key: the id of a new pending record, or the earlier response to replay."""
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
            session.commit()
        except IntegrityError:
            # Another request claimed the same key between our read and our insert.
            session.rollback()
            raise Conflict(
                detail="A request with this Idempotency-Key is still in progress."
            ) from None
        assert record.id is not None
        return record.id
    session.commit()
    if existing.fingerprint != fingerprint:
        raise Invalid.one(
            "Idempotency-Key",
            "This Idempotency-Key was already used with a different request body.",
        )
    if existing.status_code is None:
        raise Conflict(detail="A request with this Idempotency-Key is still in progress.")
    return Replay(
        existing.status_code, existing.response_body or "", existing.response_headers or ""
    )


def complete(session: Session, record_id: int, status_code: int, body: str, headers: str) -> None:
    """Store the response of a claimed key."""
    # One UPDATE, not a load and a flush: on SQLite it runs holding the write lock.
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(status_code=status_code, response_body=body, response_headers=headers)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def release(session: Session, record_id: int) -> None:
    """Forget a claim whose request failed, so a retry may run again."""
    session.rollback()
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    session.commit()
