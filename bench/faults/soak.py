"""A soak of mixed traffic against `rapport serve`: resident memory, errors and p99 over time.

    python -m bench.faults.soak [--minutes 20] [--warmup 2] [--clients 8] [--workers 2]
                                [--probe DIR]

Passes when the workers' resident memory at the end is less than 10 % above what it was at
the end of the warm-up (the first ``--warmup`` minutes, a third of a shorter run: page
caches, pools, threads and malloc's arenas fill then; growth after it is what a leak looks
like), no answer is an error, and the last minute's p99 is within 1.5x of the first
minute's. Growth from the first sample is reported too.

``--probe DIR`` loads ``bench/faults/probe/sitecustomize.py`` into the server's processes:
per-process memory figures every 30 s (and tracemalloc snapshots with
``RAPPORT_PROBE_TRACE=<frames>``) under DIR, for ``python -m bench.faults.memdiff DIR``.
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


# Contacts each client keeps at most (its creates past this delete its oldest first).
STEADY_CONTACTS = 50


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
                    if len(mine) >= STEADY_CONTACTS:
                        # Hold the data at a steady size: a growing file reads as growing
                        # memory (page caches) and slower lists, hiding or faking a leak.
                        oldest = mine.pop(0)
                        gone = client.delete(
                            f"/api/v1/contacts/{oldest}", params={"cascade": "true"}
                        )
                        soak.record(started, gone.status_code, "delete")
                        started = time.perf_counter()
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
    instance: Instance,
    server: Server,
    *,
    seconds: float,
    clients: int,
    warmup: float = 120.0,
) -> tuple[Soak, dict[str, float]]:
    """Mixed traffic for ``seconds``; memory sampled every 5 s. Returns the figures.

    Memory growth is measured from the end of the warm-up (``warmup`` seconds, at most a
    third of the run) to the end."""
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
    warm_s = min(warmup, seconds / 3)
    warm = next((mb for t, mb in soak.rss if t >= warm_s), soak.rss[0][1])
    start = soak.rss[0][1]
    figures = {
        "requests": float(len(soak.answers)),
        "rps": len(soak.answers) / seconds,
        "errors": float(len(soak.errors)),
        "window_s": minute,
        "p99_first_ms": _p99(first),
        "p99_last_ms": _p99(last),
        "warmup_s": warm_s,
        "rss_start_mb": start,
        "rss_warm_mb": warm,
        "rss_end_mb": soak.rss[-1][1],
        "rss_growth_pct": (soak.rss[-1][1] - warm) / warm * 100 if warm else 0.0,
        "rss_growth_from_start_pct": (soak.rss[-1][1] - start) / start * 100 if start else 0.0,
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
    parser.add_argument("--warmup", type=float, default=2, help="minutes before memory counts")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--probe", type=Path, help="write the servers' memory probes here")
    parser.add_argument("--no-report", action="store_true", help="leave bench/FAULTS.md alone")
    args = parser.parse_args()
    extra_env: dict[str, str] = {}
    if args.probe:
        extra_env = {
            "PYTHONPATH": str(Path(__file__).parent / "probe"),
            "RAPPORT_PROBE_DIR": str(args.probe.resolve()),
        }
    with tempfile.TemporaryDirectory() as tmp:
        instance = Instance(Path(tmp) / "data", extra_env=extra_env).prepare()
        server = instance.serve(workers=args.workers, log_path=Path(tmp) / "serve.log")
        try:
            with instance.client(server, timeout=120) as client:
                import_file(client, linkedin_csv(500, "Soak")).raise_for_status()
            soak, figures = run_soak(
                instance,
                server,
                seconds=args.minutes * 60,
                clients=args.clients,
                warmup=args.warmup * 60,
            )
            db_mb = instance.db_path.stat().st_size / 2**20
        finally:
            server.stop()
    ok = verdict(figures)
    print(figures, f"db {db_mb:.1f} MiB", "pass" if ok else "FAIL", soak.errors[:10])
    if args.no_report:
        return
    window = f"{figures['window_s']:.0f} s"
    shortened = "" if args.minutes >= 20 else "; the 20-minute soak is its default"
    body = (
        f"**{args.minutes:g}-minute run** (`python -m bench.faults.soak`"
        f"{shortened}), {args.clients} clients of mixed API traffic (lists, search, "
        f"creates, interactions, If-Match updates, deletes) against `rapport serve --workers "
        f"{args.workers}` on SQLite with 500 imported contacts, each client keeping at most {STEADY_CONTACTS} of its own (the file ends at "
        f"{db_mb:.0f} MiB).\n\n"
        f"- verdict: **{'pass' if ok else 'FAIL'}**\n"
        f"- requests: {figures['requests']:.0f} ({figures['rps']:.0f}/s); errors: "
        f"{figures['errors']:.0f}\n"
        f"- workers' resident memory (sum): {figures['rss_start_mb']:.0f} MB at start, "
        f"{figures['rss_warm_mb']:.0f} MB at the end of the {figures['warmup_s']:.0f} s "
        f"warm-up, {figures['rss_end_mb']:.0f} MB at the end: "
        f"**{figures['rss_growth_pct']:+.1f} % after warm-up** (the criterion), "
        f"{figures['rss_growth_from_start_pct']:+.1f} % from the first sample\n"
        f"- p99: {figures['p99_first_ms']:.0f} ms in the first {window}, "
        f"{figures['p99_last_ms']:.0f} ms in the last {window}\n"
    )
    write_section("soak", "Soak", body)


if __name__ == "__main__":
    main()
