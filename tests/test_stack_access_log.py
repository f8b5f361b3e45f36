"""The access line: written without structlog's chain, exactly as the chain renders it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from app import logs


@pytest.fixture
def restore_logging() -> Iterator[None]:
    yield
    logs.configure_logging("console", "WARNING")  # the suite's configuration


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line]


def test_json_access_line_is_the_chains_line(
    capfd: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    logs.configure_logging("json", "INFO")
    capfd.readouterr()
    structlog.contextvars.bind_contextvars(request_id="req-7")
    try:
        structlog.get_logger("rapport.http").info(
            "request", method="GET", path='/a"b/\u00e9', status=404, ms=1.0
        )
        logs.write_access("GET", '/a"b/\u00e9', 404, 1.0, "req-7")
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    chain, own = _lines(capfd.readouterr().err)
    assert list(own) == list(chain)  # the same fields in the same order
    own.pop("timestamp"), chain.pop("timestamp")  # instants a few microseconds apart
    assert own == chain
    assert list(own) == ["method", "path", "status", "ms", "event", "request_id", "level"]


def test_json_access_timestamp_is_utc_with_a_z(
    capfd: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    logs.configure_logging("json", "INFO")
    capfd.readouterr()
    logs.write_access("POST", "/x", 201, 12.5, "r")
    (line,) = _lines(capfd.readouterr().err)
    stamp = str(line["timestamp"])
    assert (
        stamp.endswith("Z")
        and "+" not in stamp
        and len(stamp) == len("2026-01-01T00:00:00.000000Z")
    )


def test_access_line_follows_the_level_and_the_format(
    capfd: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    logs.configure_logging("json", "WARNING")
    capfd.readouterr()
    logs.write_access("GET", "/x", 200, 1.0, "r")
    assert capfd.readouterr().err == ""
    logs.configure_logging("console", "INFO")
    structlog.contextvars.bind_contextvars(request_id="req-9")
    try:
        logs.write_access("GET", "/console", 200, 1.0, "req-9")
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    err = capfd.readouterr().err
    assert "request" in err and "/console" in err and "req-9" in err
