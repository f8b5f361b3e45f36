"""Which database failures are the database's state (503/507 with Retry-After) and which are
bugs (a 500): app.db.database_fault, the one place that tells them apart."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc as sa_exc

from app.db import database_fault
from app.errors import InsufficientStorage, Unavailable


def _sqlite_error(message: str, code: int) -> sa_exc.OperationalError:
    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode = code  # type: ignore[attr-defined]
    return sa_exc.OperationalError("INSERT ...", {}, orig)


class _PgError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("server said no")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "expected", "retry_after"),
    [
        (_sqlite_error("database is locked", 5), Unavailable, 1),
        (_sqlite_error("database table is locked", 6), Unavailable, 1),
        (_sqlite_error("database or disk is full", 13), InsufficientStorage, 60),
        (_sqlite_error("disk I/O error", 10 | (3 << 8)), Unavailable, 5),
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("08006")), Unavailable, 5),
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("57P01")), Unavailable, 5),
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("53300")), Unavailable, 5),
        (sa_exc.OperationalError("SELECT 1", {}, _PgError("53100")), InsufficientStorage, 60),
        (sa_exc.OperationalError("connect", {}, _PgError(None)), Unavailable, 5),
        (sa_exc.TimeoutError("QueuePool limit reached"), Unavailable, 2),
    ],
)
def test_the_database_being_busy_full_or_away_is_a_retryable_answer(
    error: Exception, expected: type, retry_after: int
) -> None:
    fault = database_fault(error)
    assert isinstance(fault, expected)
    assert fault.retry_after == retry_after  # type: ignore[attr-defined]
    assert "try again" in fault.detail.lower()  # the message says what to do


@pytest.mark.parametrize(
    "error",
    [
        _sqlite_error("no such table: contacts", 1),
        sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        sa_exc.ProgrammingError("SELECT", {}, _PgError("42601")),  # a syntax error: a bug
        ValueError("not a database error"),
    ],
)
def test_bugs_stay_500s(error: Exception) -> None:
    assert database_fault(error) is None
