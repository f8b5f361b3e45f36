"""Concurrent writers against `rapport serve`: creates, If-Match updates of shared counter
rows and deletes, then a count of what the server acknowledged against what it holds.

    python -m bench.faults.writers [--writers 50] [--seconds 30] [--workers 2]

Passes when no answer is a 5xx other than 503 (which must carry Retry-After), every refused
write is a 409, 412 or 503, and the database holds exactly the acknowledged writes: each
counter row's value and version equal its acknowledged increments, every acknowledged create
is there unless its delete was acknowledged, and nothing else is.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.faults.report import write_section
from bench.faults.server import Instance

COUNTER_ROWS = 4
REFUSALS = frozenset({409, 412, 503})


@dataclass
class Tally:
    """What one run saw, merged from every writer thread."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    increments: Counter[int] = field(default_factory=Counter)
    # By unique name, not id: SQLite hands a deleted row's id to the next insert when it was
    # the highest, so "created 209, deleted 209, created 209" is two contacts, one alive.
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, kind: str, response: httpx.Response, started: float) -> None:
        """Record one answer; a 5xx other than 503-with-Retry-After is an error."""
        with self.lock:
            self.statuses[f"{kind} {response.status_code}"] += 1
            self.latencies_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1e3)
            status = response.status_code
            if status >= 500 and (status != 503 or "retry-after" not in response.headers):
                self.errors.append(f"{kind}: {status} {response.text[:200]}")
            if status in (503, 507) and not response.headers.get("content-type", "").startswith(
                "application/problem+json"
            ):
                self.errors.append(f"{kind}: {status} without problem+json")


@dataclass
class WritersResult:
    """The run's figures and its verdict."""

    writers: int
    seconds: float
    workers: int
    tally: Tally
    lost_updates: list[str]
    unexpected_rows: list[str]

    @property
    def ok(self) -> bool:
        """Zero errors, zero lost updates, zero silent drops or phantom rows."""
        return not (self.tally.errors or self.lost_updates or self.unexpected_rows)

    def acknowledged(self) -> int:
        """Writes answered 2xx."""
        return sum(n for key, n in self.tally.statuses.items() if key.split()[1].startswith("2"))

    def refused(self) -> Counter[str]:
        """Refused writes by status."""
        out: Counter[str] = Counter()
        for key, n in self.tally.statuses.items():
            kind, status = key.split()
            if kind != "read" and int(status) in REFUSALS:
                out[status] += n
        return out

    def summary(self) -> str:
        """A Markdown block for FAULTS.md."""
        lat = {k: sorted(v) for k, v in self.tally.latencies_ms.items()}

        def pct(values: list[float], p: float) -> str:
            return f"{values[min(len(values) - 1, int(len(values) * p))]:.0f}" if values else "-"

        rows = "\n".join(
            f"| {kind} | {len(values)} | {pct(values, 0.5)} | {pct(values, 0.99)} |"
            for kind, values in sorted(lat.items())
        )
        statuses = ", ".join(f"{k}: {n}" for k, n in sorted(self.tally.statuses.items()))
        return (
            f"{self.writers} writers for {self.seconds:.0f} s against `rapport serve --workers "
            f"{self.workers}` on one SQLite file.\n\n"
            f"- verdict: **{'pass' if self.ok else 'FAIL'}**; acknowledged writes "
            f"{self.acknowledged()}, refused {dict(self.refused()) or 'none'}\n"
            f"- 5xx without Retry-After / other errors: {len(self.tally.errors)}; lost updates: "
            f"{len(self.lost_updates)}; missing or phantom rows: {len(self.unexpected_rows)}\n"
            f"- answers: {statuses}\n\n"
            "| request | count | p50 ms | p99 ms |\n|---|---|---|---|\n" + rows + "\n"
        )


def _writer(client: httpx.Client, counters: list[int], tally: Tally, deadline: float) -> None:
    mine: list[tuple[int, str]] = []
    rng = random.Random()
    while time.perf_counter() < deadline:
        roll = rng.random()
        try:
            if roll < 0.45:
                _increment(client, rng.choice(counters), tally)
            elif roll < 0.75 or not mine:
                started = time.perf_counter()
                name = f"Writer {rng.getrandbits(64):x}"
                r = client.post("/api/v1/contacts", json={"full_name": name})
                tally.answer("create", r, started)
                if r.status_code == 201:
                    with tally.lock:
                        tally.created.add(name)
                    mine.append((r.json()["id"], name))
            else:
                contact_id, name = mine.pop(rng.randrange(len(mine)))
                started = time.perf_counter()
                got = client.get(f"/api/v1/contacts/{contact_id}")
                tally.answer("read", got, started)
                if got.status_code != 200:
                    continue
                started = time.perf_counter()
                r = client.delete(
                    f"/api/v1/contacts/{contact_id}", headers={"If-Match": got.headers["etag"]}
                )
                tally.answer("delete", r, started)
                if r.status_code == 204:
                    with tally.lock:
                        tally.deleted.add(name)
                elif r.status_code in REFUSALS:
                    mine.append((contact_id, name))  # still there: try again later
        except httpx.HTTPError as exc:
            with tally.lock:
                tally.errors.append(f"transport: {exc.__class__.__name__}: {exc}")


def _increment(client: httpx.Client, contact_id: int, tally: Tally) -> None:
    started = time.perf_counter()
    got = client.get(f"/api/v1/contacts/{contact_id}")
    tally.answer("read", got, started)
    if got.status_code != 200:
        return
    value = int(got.json()["notes"] or 0)
    started = time.perf_counter()
    r = client.patch(
        f"/api/v1/contacts/{contact_id}",
        json={"notes": str(value + 1)},
        headers={"If-Match": got.headers["etag"]},
    )
    tally.answer("update", r, started)
    if r.status_code == 200:
        with tally.lock:
            tally.increments[contact_id] += 1


def run_writers(
    instance: Instance, base_url: str, *, writers: int, seconds: float, workers: int
) -> WritersResult:
    """Run the mixed writers, then compare the database with the acknowledged writes."""
    headers = {"Authorization": f"Bearer {instance.token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as setup:
        counters = []
        for n in range(COUNTER_ROWS):
            r = setup.post("/api/v1/contacts", json={"full_name": f"Counter {n}", "notes": "0"})
            r.raise_for_status()
            counters.append(r.json()["id"])
    tally = Tally()
    deadline = time.perf_counter() + seconds
    clients = [httpx.Client(base_url=base_url, headers=headers, timeout=60) for _ in range(writers)]
    threads = [
        threading.Thread(target=_writer, args=(c, counters, tally, deadline)) for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for c in clients:
        c.close()
    lost, unexpected = _check(base_url, headers, counters, tally)
    return WritersResult(writers, seconds, workers, tally, lost, unexpected)


def _check(
    base_url: str, headers: dict[str, str], counters: list[int], tally: Tally
) -> tuple[list[str], list[str]]:
    lost: list[str] = []
    held: set[str] = set()
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for contact_id in counters:
            row = client.get(f"/api/v1/contacts/{contact_id}").json()
            want = tally.increments[contact_id]
            if int(row["notes"]) != want or row["version"] != want + 1:
                lost.append(
                    f"contact {contact_id}: {want} increments acknowledged, "
                    f"value {row['notes']}, version {row['version']}"
                )
        offset = 0
        while True:
            page = client.get("/api/v1/contacts", params={"limit": 200, "offset": offset}).json()
            held.update(item["full_name"] for item in page["items"])
            offset += 200
            if offset >= page["total"]:
                break
    expected = {f"Counter {n}" for n in range(COUNTER_ROWS)} | (tally.created - tally.deleted)
    unexpected = [f"missing {name}" for name in sorted(expected - held)]
    unexpected += [f"phantom {name}" for name in sorted(held - expected)]
    return lost, unexpected


def main() -> None:
    """The bench run: results into bench/FAULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Instance(Path(tmp) / "data").prepare()
        server = instance.serve(workers=args.workers, log_path=Path(tmp) / "serve.log")
        try:
            result = run_writers(
                instance,
                server.base_url,
                writers=args.writers,
                seconds=args.seconds,
                workers=args.workers,
            )
        finally:
            server.stop()
    print(result.summary())
    for line in result.tally.errors[:20] + result.lost_updates + result.unexpected_rows[:20]:
        print("  ", line)
    write_section("writers", "Concurrent writers on SQLite", result.summary())


if __name__ == "__main__":
    main()
