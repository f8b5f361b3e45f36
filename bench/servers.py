"""Start and stop the servers under test (uvicorn in a child process group of our own) and
read their workers' resident memory from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

# The HTTP stack every server of a run (baseline, Rapport, floor) runs on, from
# RAPPORT_BENCH_STACK. uvicorn picks uvloop and httptools when installed (as `rapport serve`
# does); runs before they were dependencies used asyncio and h11, and issue 10's ratios "at
# filing" were measured on those, so "asyncio-h11" repeats that stack for a like-for-like run.
STACK_ENV = "RAPPORT_BENCH_STACK"
STACKS = {
    "auto": ([], "uvicorn's choice: uvloop + httptools when installed, as `rapport serve`"),
    "asyncio-h11": (["--loop", "asyncio", "--http", "h11"], "asyncio + h11 (issue 10's)"),
}


def stack() -> str:
    """This run's stack: RAPPORT_BENCH_STACK, "auto" when unset. A name it does not know
    stops the run rather than measure the default stack under another stack's name."""
    name = os.environ.get(STACK_ENV) or "auto"
    if name not in STACKS:
        raise SystemExit(f"{STACK_ENV}={name!r}: expected one of {', '.join(STACKS)}")
    return name


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running uvicorn: its process, address and log file."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log_path: Path

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that serve requests (uvicorn's children when it supervises)."""
        pid = self.process.pid
        if self.workers == 1:
            return [pid]
        children: list[int] = []
        task_dir = Path(f"/proc/{pid}/task")
        for task in task_dir.iterdir() if task_dir.exists() else []:
            text = (task / "children").read_text() if (task / "children").exists() else ""
            children.extend(int(c) for c in text.split())
        # uvicorn also starts a multiprocessing resource tracker; workers are the big ones.
        return sorted(children, key=rss_mb, reverse=True)[: self.workers]

    def stop(self) -> None:
        """SIGTERM to the process group we created, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def rss_mb(pid: int) -> float:
    """VmRSS of a process in MiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def start_uvicorn(
    name: str,
    app: str,
    *,
    workers: int,
    env: dict[str, str],
    log_dir: Path,
    factory: bool = False,
    ready_path: str = "/healthz",
    timeout: float = 60.0,
) -> Server:
    """uvicorn with the same flags for every server under test; waits until it answers."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        # Rapport writes its own access log line per request; uvicorn's would double it.
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        command.append("--factory")
    command += STACKS[stack()][0]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name=name, process=process, port=port, workers=workers, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start-up; see {log_path}:\n{_tail(log_path)}")
        try:
            answered = httpx.get(server.base_url + ready_path, timeout=2).status_code < 500
            if answered and (workers == 1 or len(server.worker_pids()) >= workers):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer within {timeout} s; see {log_path}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
