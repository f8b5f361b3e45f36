"""How `rapport serve` runs its processes: glibc's malloc bounded for a long-running server,
and uvicorn's httptools parser with a bounded request head. uvicorn buffers a request's
headers without limit when it parses with httptools (its h11 parser stops at 16 KB), so
10,000 headers or a 1 MB cookie would reach the application and a 100 MB header line would
sit in memory. Here a head past ``MAX_HEADERS`` headers or ``MAX_HEAD_BYTES`` bytes is
answered 431 and the connection closed."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import importlib.util
import os
import threading
from typing import Any, NoReturn

MAX_HEADERS = 100
# Request line plus headers; browsers send a few kB, cookies of other localhost apps included.
MAX_HEAD_BYTES = 64 * 1024
_REFUSAL = b"Request header fields too large."


# glibc malloc settings for the serving processes (issue 17, bench/FAULTS.md). A thread
# allocates from an arena of its own and what it frees there serves that arena only: with
# the handler threads, free memory held by the arenas grew all through a soak (6 -> 10 MB
# per worker in 3 minutes); with these settings it stayed at 1-2 MB. glibc also raises its mmap
# threshold to the largest block it has unmapped: after one sign-in (argon2id allocates
# 19 MiB) every later hash came from an arena and stayed there, 19 MiB per arena, +77 MB
# after 8 sign-ins. A fixed threshold (glibc's starting value) keeps large blocks mapped
# and returned on free. An operator's own MALLOC_* variables win.
MALLOC_ENV = {"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": str(128 * 1024)}
# mallopt() parameter numbers (glibc's malloc.h) for the same settings.
_MALLOPT = {"MALLOC_ARENA_MAX": -8, "MALLOC_MMAP_THRESHOLD_": -3}


def bound_malloc() -> None:
    """Apply MALLOC_ENV to this process (mallopt) and to the workers it starts (environment).

    uvicorn starts its workers as new interpreters, which read the environment at start-up;
    a single worker runs in this process, which is already running, hence mallopt as well.
    A variable already set is left alone (glibc applied it at start-up); without glibc's
    mallopt (musl, macOS) only the environment is set, which their allocators ignore."""
    chosen = {name: value for name, value in MALLOC_ENV.items() if name not in os.environ}
    os.environ.update(chosen)
    mallopt = _glibc_function("mallopt")
    if mallopt is None:
        return
    for name, value in chosen.items():
        mallopt(_MALLOPT[name], int(value))


# A served worker hands the memory malloc holds free back to the kernel once its requests
# are done. glibc returns only the free space at the top of its heap; the pages SQLite's
# caches and a request's objects freed below live blocks stay resident: 20 MB after the
# bench's load (a worker at 136 MB went to 116 MB on malloc_trim). One trim takes 0.2 ms
# with nothing to return and 3 ms with 20 MB, holding malloc's lock meanwhile: so never while
# a request is in flight, and at most once every TRIM_SECONDS.
TRIM_SECONDS = 1.0
# Requests in flight in this worker (HttpBaseline counts them on the event loop's thread; the
# trim thread only reads the number), and the signal that the last one ended.
_in_flight = 0
_quiet = threading.Event()


def request_began() -> None:
    """HttpBaseline: a request of this worker started."""
    global _in_flight
    _in_flight += 1


def request_ended() -> None:
    """HttpBaseline: a request of this worker ended; the last one wakes the trim thread."""
    global _in_flight
    _in_flight -= 1
    # Event.set takes the event's lock and notifies: only when the trim thread waits for it
    # (the flag stays set while the thread pauses, so at most one set a second under load).
    if _in_flight == 0 and not _quiet.is_set():
        _quiet.set()


def release_free_memory() -> bool:
    """Return malloc's free pages to the kernel (glibc's malloc_trim); False without glibc.

    ctypes drops the GIL for the call, so other threads run meanwhile."""
    trim = _glibc_function("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True


def release_free_memory_forever(seconds: float = TRIM_SECONDS) -> NoReturn:
    """``release_free_memory`` once no request is in flight, at most every ``seconds``: a
    served worker's daemon thread."""
    # Waiting on Events (a futex), not in time.sleep: py-spy counts a thread in
    # clock_nanosleep as busy, which put an idle thread at a quarter of every profile.
    pause = threading.Event()
    while True:
        _quiet.wait()
        pause.wait(seconds)
        # Cleared after the pause: a request ending during it finds the flag set and skips
        # the set; one ending from here on sets it again, and is seen below or next round.
        _quiet.clear()
        if _in_flight == 0:  # else the load went on; its last request wakes us again
            release_free_memory()


@functools.cache
def _glibc_function(name: str) -> Any:
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):  # musl, macOS: no such function
        return None


def http_protocol() -> str:
    """uvicorn's ``http`` setting: the bounded httptools protocol, or h11 without httptools."""
    if importlib.util.find_spec("httptools") is None:
        return "h11"
    return "app.httpserver:BoundedHttpToolsProtocol"


class _HeadTooLarge(Exception):
    """Raised inside a parser callback to stop parsing an oversized head."""


def _protocol_class() -> Any:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class BoundedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc]
        """HttpToolsProtocol that refuses an oversized request head with a 431."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = True  # between a message's first byte and its last header
            self._head_bytes = 0
            self._head_refused = False

        def data_received(self, data: bytes) -> None:
            was_in_head = self._in_head
            super().data_received(data)
            # Only a read that began and ended inside a head counts (never body bytes, nor a
            # whole small request in one read), so an unfinished head holds at most the limit
            # plus two reads.
            if not (was_in_head and self._in_head) or self.transport.is_closing():
                return
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._head_refused = True
                self.send_400_response("")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0

        def on_header(self, name: bytes, value: bytes) -> None:
            if len(self.headers) >= MAX_HEADERS:
                self._head_refused = True
                raise _HeadTooLarge
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if size > MAX_HEAD_BYTES:  # a big head that arrived in a single read
                self._head_refused = True
                raise _HeadTooLarge
            self._in_head = False
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            # uvicorn answers every parser error here; an oversized head gets its own status.
            if not self._head_refused:
                super().send_400_response(msg)
                return
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: text/plain; charset=utf-8\r\n"
                b"content-length: " + str(len(_REFUSAL)).encode() + b"\r\n"
                b"connection: close\r\n\r\n" + _REFUSAL
            )
            self.transport.close()

    return BoundedHttpToolsProtocol


def __getattr__(name: str) -> Any:
    # Built on first use, so importing this module needs neither uvicorn nor httptools.
    if name == "BoundedHttpToolsProtocol":
        cls = _protocol_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
