"""A soak of mixed traffic against `rapport serve`: resident memory, errors and p99 over time.

    python -m bench.faults.soak [--minutes 20] [--clients 8] [--workers 2]

Passes when the workers' resident memory at the end is less than 10 % above what it was
after the first minute (the warm-up: caches, pools and imports fill then), no answer is an
error, and the last minute's p99 is within 1.5x of the first minute's.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.faults.crash import import_file, linkedin_csv
from bench.faults.report import write_section
from bench.faults.server import Instance
from bench.servers import Server, rss_mb

EXPECTED = frozenset({200, 201, 204, 412})  # 412: two clients editing one contact
SEARCH_WORDS = ("engineer", "person1", "company", "soak", "notes")


@dataclass
class Soak:
    """Samples of one run."""

    started: float
    answers: list[tuple[float, float, int]] = field(default_factory=list)  # (t, ms, status)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (t, MiB, all workers)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, started: float, status: int, what: str) -> None:
        """One answer: its time, latency and status."""
        now = time.perf_counter()
        with self.lock:
            self.answers.append((now - self.started, (now - started) * 1000, status))
            if status not in EXPECTED:
                self.errors.append(f"{what}: {status}")


def _client_loop(server: Server, token: str, soak: Soak, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    mine: list[int] = []
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        while time.perf_counter() < deadline:
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < 0.35:
                    r = client.get(
                        "/api/v1/contacts",
                        params={"limit": 50, "offset": rng.randrange(0, 400, 50)},
                    )
                    what = "list"
                elif roll < 0.5:
                    r = client.get("/api/v1/search", params={"q": rng.choice(SEARCH_WORDS)})
                    what = "search"
                elif roll < 0.6:
                    r = client.get("/api/v1/contacts", params={"q": rng.choice(SEARCH_WORDS)})
                    what = "filter"
                elif roll < 0.75 or not mine:
                    r = client.post("/api/v1/contacts", json={"full_name": f"Soak {seed}"})
                    what = "create"
                    if r.status_code == 201:
                        mine.append(r.json()["id"])
                elif roll < 0.85:
                    r = client.post(
                        "/api/v1/interactions",
                        json={
                            "contact_id": rng.choice(mine),
                            "kind": "email",
                            "occurred_at": datetime.now(UTC).isoformat(),
                            "summary": "soak notes",
                        },
                    )
                    what = "interaction"
                elif roll < 0.95:
                    target = rng.choice(mine)
                    got = client.get(f"/api/v1/contacts/{target}")
                    soak.record(started, got.status_code, "read")
                    started = time.perf_counter()
                    r = client.patch(
                        f"/api/v1/contacts/{target}",
                        json={"notes": f"soak {rng.random()}"},
                        headers={"If-Match": got.headers.get("etag", "*")},
                    )
                    what = "update"
                else:
                    target = mine.pop(rng.randrange(len(mine)))
                    r = client.delete(f"/api/v1/contacts/{target}", params={"cascade": "true"})
                    what = "delete"
                soak.record(started, r.status_code, what)
            except httpx.HTTPError as exc:
                with soak.lock:
                    soak.errors.append(f"transport: {exc.__class__.__name__}")


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def run_soak(
    instance: Instance, server: Server, *, seconds: float, clients: int
) -> tuple[Soak, dict[str, float]]:
    """Mixed traffic for ``seconds``; memory sampled every 5 s. Returns the figures."""
    soak = Soak(started=time.perf_counter())
    deadline = soak.started + seconds
    threads = [
        threading.Thread(target=_client_loop, args=(server, instance.token, soak, deadline, n))
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    while time.perf_counter() < deadline:
        soak.rss.append(
            (time.perf_counter() - soak.started, sum(rss_mb(p) for p in server.worker_pids()))
        )
        time.sleep(5)
    for thread in threads:
        thread.join()
    soak.rss.append(
        (time.perf_counter() - soak.started, sum(rss_mb(p) for p in server.worker_pids()))
    )
    minute = min(60.0, seconds / 2)  # "first vs last minute"; halves of a shorter run
    first = [ms for t, ms, _ in soak.answers if t < minute]
    last = [ms for t, ms, _ in soak.answers if t >= seconds - minute]
    warm = next((mb for t, mb in soak.rss if t >= minute), soak.rss[0][1])
    figures = {
        "requests": float(len(soak.answers)),
        "rps": len(soak.answers) / seconds,
        "errors": float(len(soak.errors)),
        "window_s": minute,
        "p99_first_ms": _p99(first),
        "p99_last_ms": _p99(last),
        "rss_start_mb": soak.rss[0][1],
        "rss_warm_mb": warm,
        "rss_end_mb": soak.rss[-1][1],
        "rss_growth_pct": (soak.rss[-1][1] - warm) / warm * 100 if warm else 0.0,
    }
    return soak, figures


def verdict(figures: dict[str, float]) -> bool:
    """RSS growth < 10 % after warm-up, no errors, p99 stable (last <= 1.5x first)."""
    return (
        figures["rss_growth_pct"] < 10
        and figures["errors"] == 0
        and figures["p99_last_ms"] <= 1.5 * max(figures["p99_first_ms"], 1.0)
    )


def main() -> None:
    """The soak; results into bench/FAULTS.md, labelled with the run's real length."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Instance(Path(tmp) / "data").prepare()
        server = instance.serve(workers=args.workers, log_path=Path(tmp) / "serve.log")
        try:
            with instance.client(server, timeout=120) as client:
                import_file(client, linkedin_csv(500, "Soak")).raise_for_status()
            soak, figures = run_soak(
                instance, server, seconds=args.minutes * 60, clients=args.clients
            )
        finally:
            server.stop()
    ok = verdict(figures)
    print(figures, "pass" if ok else "FAIL", soak.errors[:10])
    window = f"{figures['window_s']:.0f} s"
    body = (
        f"**{args.minutes:g}-minute run** (the 20-minute soak is `python -m bench.faults.soak`; "
        f"this run was shortened), {args.clients} clients of mixed API traffic (lists, search, "
        f"creates, interactions, If-Match updates, deletes) against `rapport serve --workers "
        f"{args.workers}` on SQLite with 500 imported contacts.\n\n"
        f"- verdict: **{'pass' if ok else 'FAIL'}**\n"
        f"- requests: {figures['requests']:.0f} ({figures['rps']:.0f}/s); errors: "
        f"{figures['errors']:.0f}\n"
        f"- workers' resident memory (sum): {figures['rss_start_mb']:.0f} MB at start, "
        f"{figures['rss_warm_mb']:.0f} MB after the first {window}, "
        f"{figures['rss_end_mb']:.0f} MB at the end: {figures['rss_growth_pct']:+.1f} % after "
        "warm-up\n"
        f"- p99: {figures['p99_first_ms']:.0f} ms in the first {window}, "
        f"{figures['p99_last_ms']:.0f} ms in the last {window}\n"
    )
    write_section("soak", "Soak", body)


if __name__ == "__main__":
    main()
