"""structlog set-up: console lines in development, JSON lines in production."""

from __future__ import annotations

import datetime
import logging
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

import orjson
import structlog

# The access log's writer (HttpBaseline calls it once per request): method, path, status,
# milliseconds, request id. Set by configure_logging; until then, structlog's default.
AccessWriter = Callable[[str, str, int, float, str], None]


def _structlog_access(method: str, path: str, status: int, ms: float, request_id: str) -> None:
    # request_id is already bound in the context (HttpBaseline), where merge_contextvars finds it.
    _http_log.info("request", method=method, path=path, status=status, ms=ms)


def _no_access(method: str, path: str, status: int, ms: float, request_id: str) -> None:
    return None


_http_log = structlog.get_logger("rapport.http")
write_access: AccessWriter = _structlog_access


def _json_access_writer(stream: BinaryIO) -> AccessWriter:
    """The access line structlog's JSON chain renders, byte for byte, written without it.

    The chain (merge_contextvars copying the whole context, the level, the timestamper, the
    renderer, the logger's lock) was 15-35 us of every request. The fields and their order are
    the chain's: the call's keywords, the event, the bound request id, level, timestamp
    (tests/test_stack_access_log.py compares both renderings)."""
    dumps, now, utc, write, flush = (
        orjson.dumps,
        datetime.datetime.now,
        datetime.UTC,
        stream.write,
        stream.flush,
    )

    def access(method: str, path: str, status: int, ms: float, request_id: str) -> None:
        line = {
            "method": method,
            "path": path,
            "status": status,
            "ms": ms,
            "event": "request",
            "request_id": request_id,
            "level": "info",
            "timestamp": now(utc).isoformat().replace("+00:00", "Z"),
        }
        write(dumps(line) + b"\n")
        flush()

    return access


def configure_logging(log_format: str = "console", level: str = "INFO") -> None:
    """Route stdlib and structlog output through one renderer."""
    global write_access, _http_log
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    logger_factory: Any
    # None when stderr was replaced by a text-only stream (io.StringIO): then text lines.
    raw_stderr = getattr(sys.stderr, "buffer", None)
    if log_format == "json" and raw_stderr is not None:
        # Every request writes an access line: orjson renders it to bytes and the bytes go
        # straight to stderr's buffer, a third cheaper than json.dumps and a text stream.
        shared.append(structlog.processors.JSONRenderer(serializer=orjson.dumps))
        logger_factory = structlog.BytesLoggerFactory(file=raw_stderr)
    else:
        shared.append(
            structlog.processors.JSONRenderer()
            if log_format == "json"
            else structlog.dev.ConsoleRenderer(colors=False)
        )
        logger_factory = structlog.PrintLoggerFactory(file=sys.stderr)
    threshold = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=shared,
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=logger_factory,
        cache_logger_on_first_use=True,
    )
    if threshold > logging.INFO:
        write_access = _no_access
    elif log_format == "json" and raw_stderr is not None:
        write_access = _json_access_writer(raw_stderr)
    else:
        # Console lines (development) and text-only streams: structlog's own chain, freshly
        # bound to this configuration.
        _http_log = structlog.get_logger("rapport.http")
        write_access = _structlog_access
