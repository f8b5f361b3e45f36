"""Slow and hostile clients against `rapport serve`, each beside a well-behaved client that
must keep getting quick answers.

    python -m bench.faults.hostile

A slow body upload, 10,000 headers, a 1 MB cookie and a 100 MB chunked body without
Content-Length: each must end in a 4xx within bounded time, without the worker's memory
growing by the size of the attack.
"""

from __future__ import annotations

import select
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.faults.report import write_section
from bench.faults.server import Instance
from bench.servers import Server, rss_mb


@dataclass
class Attack:
    """What one hostile client got, and how the others fared meanwhile."""

    name: str
    status: int | None  # None: the server closed without an answer
    seconds: float
    sent_bytes: int
    rss_growth_mb: float
    others_p99_ms: float = 0.0
    others_failed: int = 0
    others: list[float] = field(default_factory=list, repr=False)

    @property
    def refused_4xx(self) -> bool:
        """Answered with a client error (or a 408 for the slow upload)."""
        return self.status is not None and 400 <= self.status < 500


def _status_of(head: bytes) -> int | None:
    parts = head.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def _read_answer(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, OSError):
        pass
    return data


def _answered(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def _head(method: str, path: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def slow_upload(server: Server, token: str, *, seconds: float) -> tuple[int | None, int]:
    """A body declared as 100 kB and sent 10 bytes every half second."""
    sock = _connect(server)
    sent = 0
    head = _head(
        "POST",
        "/api/v1/contacts",
        [
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Content-Length", "100000"),
        ],
    )
    try:
        sock.sendall(head)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not _answered(sock):
            sock.sendall(b" " * 10)
            sent += 10
            time.sleep(0.5)
    except OSError:
        pass
    status = _status_of(_read_answer(sock, 5))
    sock.close()
    return status, sent


def many_headers(server: Server, token: str, *, count: int = 10_000) -> tuple[int | None, int]:
    """One GET carrying ``count`` headers."""
    head = _head(
        "GET",
        "/api/v1/contacts",
        [("Authorization", f"Bearer {token}"), *((f"X-Filler-{n}", "v") for n in range(count))],
    )
    return _send_all_then_read(server, head)


def big_cookie(server: Server, token: str, *, size: int = 1024 * 1024) -> tuple[int | None, int]:
    """One GET with a ``size``-byte Cookie header."""
    head = _head(
        "GET", "/contacts", [("Authorization", f"Bearer {token}"), ("Cookie", "a=" + "x" * size)]
    )
    return _send_all_then_read(server, head)


def _send_all_then_read(server: Server, data: bytes) -> tuple[int | None, int]:
    sock = _connect(server)
    sent = 0
    try:
        view = memoryview(data)
        while sent < len(data) and not _answered(sock):
            sent += sock.send(view[sent : sent + 65536])
    except OSError:
        pass
    status = _status_of(_read_answer(sock, 10))
    sock.close()
    return status, sent


def chunked_flood(
    server: Server, token: str, *, total: int = 100 * 1024 * 1024
) -> tuple[int | None, int]:
    """A POST streaming ``total`` bytes chunked, with no Content-Length, until refused."""
    sock = _connect(server)
    head = _head(
        "POST",
        "/api/v1/contacts",
        [
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
    )
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    sent = 0
    try:
        sock.sendall(head)
        while sent < total and not _answered(sock):
            sock.sendall(chunk)
            sent += 0x10000
        if sent >= total:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    status = _status_of(_read_answer(sock, 10))
    sock.close()
    return status, sent


def _others(
    server: Server, token: str, stop: threading.Event, out: list[float], failed: list[int]
) -> None:
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                ok = client.get("/api/v1/contacts", params={"limit": 5}).status_code == 200
            except httpx.HTTPError:
                ok = False
            out.append((time.perf_counter() - started) * 1000)
            if not ok:
                failed.append(1)
            time.sleep(0.05)


def attack(
    server: Server, token: str, name: str, run: Callable[[Server, str], tuple[int | None, int]]
) -> Attack:
    """Run one hostile client while a polite one keeps asking for a page of contacts."""
    before = sum(rss_mb(pid) for pid in server.worker_pids())
    stop = threading.Event()
    latencies: list[float] = []
    failed: list[int] = []
    polite = threading.Thread(target=_others, args=(server, token, stop, latencies, failed))
    polite.start()
    started = time.monotonic()
    status, sent = run(server, token)
    seconds = time.monotonic() - started
    stop.set()
    polite.join()
    after = sum(rss_mb(pid) for pid in server.worker_pids())
    ordered = sorted(latencies) or [0.0]
    return Attack(
        name,
        status,
        seconds,
        sent,
        after - before,
        others_p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        others_failed=len(failed),
        others=latencies,
    )


def _polite(result: Attack) -> str:
    # An attack refused within milliseconds leaves the polite client no time to ask.
    if not result.others:
        return "- (over before a request)"
    return f"{statistics.median(result.others):.0f} / {result.others_p99_ms:.0f}"


ATTACKS: dict[str, Callable[[Server, str], tuple[int | None, int]]] = {
    "slow body upload (10 B / 0.5 s)": lambda s, t: slow_upload(s, t, seconds=40),
    "10,000 headers": many_headers,
    "1 MB cookie": big_cookie,
    "100 MB chunked body, no Content-Length": chunked_flood,
}


def main() -> None:
    """Every attack against a 2-worker server; results into bench/FAULTS.md."""
    with tempfile.TemporaryDirectory() as tmp:
        instance = Instance(
            Path(tmp) / "data", extra_env={"RAPPORT_BODY_TIMEOUT_SECONDS": "10"}
        ).prepare()
        server = instance.serve(workers=2, log_path=Path(tmp) / "serve.log")
        try:
            results = [attack(server, instance.token, name, run) for name, run in ATTACKS.items()]
        finally:
            server.stop()
    rows = "\n".join(
        f"| {a.name} | {a.status or 'closed'} | {a.seconds:.1f} | {a.sent_bytes / 1e6:.2f} "
        f"| {a.rss_growth_mb:+.1f} | {_polite(a)} | {a.others_failed} |"
        for a in results
    )
    for a in results:
        print(a)
    body = (
        "Against `rapport serve --workers 2` with `RAPPORT_BODY_TIMEOUT_SECONDS=10`; a polite "
        "client reads a page of contacts every 50 ms during each attack.\n\n"
        "| hostile client | answer | seconds | MB sent | worker RSS change MB "
        "| polite p50 / p99 ms | polite failures |\n|---|---|---|---|---|---|---|\n" + rows + "\n"
    )
    write_section("hostile", "Slow and hostile clients", body)


if __name__ == "__main__":
    main()
