"""kill -9 of `rapport serve` in the middle of a bulk write: after a restart, either all of
it is there or none of it, and SQLite's integrity check passes.

    python -m bench.faults.crash

Two bulk writes: a 10,000-row LinkedIn import and a job-search "update my network" to 1,000
contacts. Each is killed at several moments of its measured duration; a kill that lands
after the answer is reported as such, not counted as a pass.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.faults.report import write_section
from bench.faults.server import Instance, kill_hard

ROWS = 10_000
NETWORK = 1_000
Send = Callable[[httpx.Client], httpx.Response]


def linkedin_csv(rows: int, batch: str) -> bytes:
    """A Connections.csv with ``rows`` distinct people (LinkedIn's preamble included)."""
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    lines += [
        f"Person{n},{batch},https://www.linkedin.com/in/{batch.lower()}-{n},,"
        f"Company {n % 50},Engineer,01 Jan 2024"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class CrashOutcome:
    """One kill: when, whether the answer came first, what survived the restart."""

    operation: str
    kill_after_s: float
    answered_before_kill: bool
    expected: int
    found: int
    integrity: str

    @property
    def all_or_nothing(self) -> bool:
        """Killed before the answer, the write wholly there or wholly absent, the file sound."""
        return (
            not self.answered_before_kill
            and self.found in (0, self.expected)
            and self.integrity == "ok"
        )


def integrity(instance: Instance) -> str:
    """PRAGMA integrity_check of the instance's SQLite file (the server stopped)."""
    with sqlite3.connect(instance.db_path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def count_rows(instance: Instance, sql: str, *params: object) -> int:
    """One COUNT straight from the file."""
    with sqlite3.connect(instance.db_path) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


def timed(client: httpx.Client, send: Send) -> float:
    """Seconds one request takes from start to answer (it must succeed)."""
    started = time.perf_counter()
    send(client).raise_for_status()
    return time.perf_counter() - started


def kill_during(instance: Instance, log_dir: Path, send: Send, after: float) -> bool:
    """Start the request, kill -9 the server ``after`` seconds later; True if it had answered."""
    server = instance.serve(workers=1, log_path=log_dir / "killed.log")
    client = instance.client(server, timeout=300)
    answer: list[object] = []

    def run() -> None:
        try:
            answer.append(send(client))
        except httpx.HTTPError as exc:  # the connection dies with the server
            answer.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(after)
    answered = bool(answer) and isinstance(answer[0], httpx.Response)
    kill_hard(server)
    thread.join(timeout=30)
    client.close()
    return answered


def import_file(client: httpx.Client, data: bytes, *, dry_run: bool = False) -> httpx.Response:
    """POST the LinkedIn import (``dry_run``: check every row, write nothing)."""
    return client.post(
        "/api/v1/import/linkedin",
        files={"file": ("Connections.csv", data, "text/csv")},
        params={"dry_run": "true"} if dry_run else {},
    )


def import_phases(client: httpx.Client) -> tuple[float, float]:
    """When a 10,000-row import writes: (rows checked, answered), seconds from its start.

    The import reads and checks every row before it writes anything (a dry run does just
    that), so a kill between the two lands while rows are being written.
    """
    data = linkedin_csv(ROWS, "Calib")
    return timed(client, lambda c: import_file(c, data, dry_run=True)), timed(
        client, lambda c: import_file(c, data)
    )


def crash_import(instance: Instance, log_dir: Path, batch: str, after: float) -> CrashOutcome:
    """Kill during a 10,000-row import of people named ``batch``."""
    data = linkedin_csv(ROWS, batch)
    answered = kill_during(instance, log_dir, lambda c: import_file(c, data), after)
    found = count_rows(
        instance, "SELECT COUNT(*) FROM contacts WHERE full_name LIKE ?", f"% {batch}"
    )
    return CrashOutcome("import", after, answered, ROWS, found, integrity(instance))


def network_request(client: httpx.Client, contact_ids: list[int]) -> httpx.Response:
    """POST /network-updates to the given contacts."""
    return client.post("/api/v1/network-updates", json={"contact_ids": contact_ids})


def set_status(client: httpx.Client, status: str, count: int = NETWORK) -> list[int]:
    """A new job-search status (so an update is due) and the first ``count`` contact ids."""
    current = client.get("/api/v1/me/job-search")
    client.put(
        "/api/v1/me/job-search",
        json={"status": status, "note": f"now {status}"},
        headers={"If-Match": current.headers["etag"]},
    ).raise_for_status()
    ids: list[int] = []
    while len(ids) < count:
        page = client.get(
            "/api/v1/contacts", params={"limit": 200, "offset": len(ids), "sort": "created_at"}
        ).json()
        ids += [item["id"] for item in page["items"]]
    return ids[:count]


def crash_network(instance: Instance, log_dir: Path, ids: list[int], after: float) -> CrashOutcome:
    """Kill during "update my network" to ``ids``; counts the follow-ups it left."""
    before = count_rows(instance, "SELECT COUNT(*) FROM follow_ups")
    answered = kill_during(instance, log_dir, lambda c: network_request(c, ids), after)
    found = count_rows(instance, "SELECT COUNT(*) FROM follow_ups") - before
    return CrashOutcome("network update", after, answered, len(ids), found, integrity(instance))


def main() -> None:
    """Kill each bulk write at several moments; results into bench/FAULTS.md."""
    outcomes: list[CrashOutcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        instance = Instance(log_dir / "data").prepare()
        with (
            instance.running(log_dir / "calibrate.log") as server,
            instance.client(server, timeout=300) as client,
        ):
            checked, full = import_phases(client)
        print(f"{ROWS} rows: checked after {checked:.1f} s, answered at {full:.1f} s")
        for n, fraction in enumerate((0.1, 0.5, 0.9)):
            after = checked + (full - checked) * fraction
            outcomes.append(crash_import(instance, log_dir, f"Batch{n}", after))
            print(outcomes[-1])
        statuses = iter(("preparing", "searching", "interviewing", "accepted_offer"))
        with (
            instance.running(log_dir / "calibrate.log") as server,
            instance.client(server, timeout=300) as client,
        ):
            network = timed(client, lambda c: network_request(c, set_status(c, next(statuses))))
        print(f"a network update to {NETWORK} contacts takes {network:.1f} s")
        for fraction in (0.2, 0.5, 0.9):
            with (
                instance.running(log_dir / "status.log") as server,
                instance.client(server) as client,
            ):
                ids = set_status(client, next(statuses))
            outcomes.append(crash_network(instance, log_dir, ids, network * fraction))
            print(outcomes[-1])
    rows = "\n".join(
        f"| {o.operation} | {o.kill_after_s:.2f} | {'yes' if o.answered_before_kill else 'no'} "
        f"| {o.found} of {o.expected} | {o.integrity} | {'pass' if o.all_or_nothing else 'FAIL'} |"
        for o in outcomes
    )
    body = (
        f"`kill -9` of `rapport serve` (SQLite, the whole process group) during a {ROWS:,}-row "
        f"LinkedIn import (rows checked after {checked:.1f} s, answered at {full:.1f} s: the "
        f"kills land between, while rows are written) and during a network update to "
        f"{NETWORK:,} contacts (answered at {network:.1f} s), then a count straight from the "
        "file and `PRAGMA integrity_check`.\n\n"
        "| bulk write | killed after s | answered first | rows after restart | integrity_check "
        "| all or nothing |\n|---|---|---|---|---|---|\n" + rows + "\n"
    )
    write_section("crash", "kill -9 during bulk writes", body)


if __name__ == "__main__":
    main()
