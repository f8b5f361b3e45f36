"""Bench-only memory probe, loaded into every `rapport serve` process of a probed soak.

The soak puts this directory on PYTHONPATH (``--probe DIR``) so Python imports it at
start-up, including in uvicorn's spawned workers; nothing in `app/` knows of it, and a
normal `rapport serve` never loads it. Every ``RAPPORT_PROBE_EVERY`` seconds a thread appends
one JSON line per process to ``RAPPORT_PROBE_DIR/<pid>.jsonl``: resident memory, Python's
allocated blocks, what tracemalloc traces from the first sample on (when ``RAPPORT_PROBE_TRACE`` frames > 0), SQLite's
own heap (``sqlite3_memory_used``), glibc's malloc figures (``mallinfo2``) and the SQLAlchemy
pools; tracemalloc snapshots go to ``<pid>-<n>.snap`` for ``bench.faults.memdiff``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libs() -> tuple[ctypes.CDLL | None, ctypes.CDLL | None]:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        libc = None
    try:
        import sqlite3  # noqa: F401  (loads the library the app uses)

        lib = ctypes.CDLL("libsqlite3.so.0")
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        lib.sqlite3_memory_highwater.restype = ctypes.c_int64
    except OSError:
        lib = None
    return libc, lib


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _pools() -> list[dict[str, object]]:
    from sqlalchemy.engine import Engine

    found = []
    for obj in gc.get_objects():
        if isinstance(obj, Engine):
            pool = obj.pool
            found.append(
                {
                    "url": obj.url.drivername,
                    "status": pool.status(),
                    "checkedout": getattr(pool, "checkedout", lambda: -1)(),
                    "open": getattr(pool, "checkedin", lambda: -1)()
                    + getattr(pool, "checkedout", lambda: 0)(),
                }
            )
    return found


def _run(out: Path, every: float, frames: int) -> None:
    libc, sqlite = _libs()
    pid = os.getpid()
    started = time.monotonic()
    n = 0
    while True:
        time.sleep(every)
        n += 1
        row: dict[str, object] = {
            "t": round(time.monotonic() - started, 1),
            "rss_kib": _rss_kib(),
            "blocks": sys.getallocatedblocks(),
            "threads": threading.active_count(),
        }
        if sqlite is not None:
            row["sqlite_mem"] = sqlite.sqlite3_memory_used()
            row["sqlite_high"] = sqlite.sqlite3_memory_highwater(0)
        if libc is not None:
            info = libc.mallinfo2()
            row.update(
                {
                    "malloc_arena": info.arena,
                    "malloc_mmap": info.hblkhd,
                    "malloc_used": info.uordblks,
                    "malloc_free": info.fordblks,
                }
            )
        if frames and not tracemalloc.is_tracing():
            # From the first sample on, not at start-up: tracing every import made workers
            # miss the server's 60 s start-up wait, and a leak is what is still allocated
            # from a point after the warm-up, which this traces exactly.
            tracemalloc.start(frames)
        elif frames:
            row["traced"] = tracemalloc.get_traced_memory()[0]
            tracemalloc.take_snapshot().dump(str(out / f"{pid}-{n:03d}.snap"))
        try:
            row["pools"] = _pools()
        except Exception as exc:  # a probe must never take a worker down
            row["pools"] = repr(exc)
        with (out / f"{pid}.jsonl").open("a") as fh:
            fh.write(json.dumps(row) + "\n")


def _start() -> None:
    target = os.environ.get("RAPPORT_PROBE_DIR")
    if not target:
        return
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    frames = int(os.environ.get("RAPPORT_PROBE_TRACE", "0"))
    every = float(os.environ.get("RAPPORT_PROBE_EVERY", "30"))
    threading.Thread(target=_run, args=(out, every, frames), daemon=True, name="probe").start()


_start()
