"""A throwaway Rapport instance: its own data directory, an account with a token, and
`rapport serve` in a child process group that a run can stop, or kill -9."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.servers import ROOT, Server, free_port

USERNAME = "faults"
PASSWORD = "correct horse battery staple"


def _cli() -> list[str]:
    # `python -c` imports app from the working directory (ROOT), so a run from a copy of the
    # tree serves that copy, not whatever the virtualenv's editable install points at.
    return [sys.executable, "-c", "from app.cli import app; app()"]


@dataclass
class Instance:
    """One data directory (SQLite file unless ``database_url``) and the account in it."""

    data_dir: Path
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    token: str = ""

    @property
    def env(self) -> dict[str, str]:
        """The environment every command of this instance runs with."""
        env = {
            **os.environ,
            "RAPPORT_ENV": "development",
            "RAPPORT_DATA_DIR": str(self.data_dir),
            "RAPPORT_SECRET_KEY": "f" * 48,
            "RAPPORT_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        env.pop("RAPPORT_DATABASE_URL", None)
        if self.database_url:
            env["RAPPORT_DATABASE_URL"] = self.database_url
        return env

    @property
    def db_path(self) -> Path:
        """The SQLite file."""
        return self.data_dir / "rapport.db"

    def command(self, *args: str, stdin: str | None = None) -> str:
        """Run ``rapport ARGS`` for this instance; its output (a failure raises)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [*_cli(), *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rapport {' '.join(args)} failed:\n{done.stderr}{done.stdout}")
        return done.stdout

    def prepare(self) -> Instance:
        """Migrate, create the account and a read-write token (the CLI's own commands, run
        in one process to save two interpreter start-ups)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        script = (
            "from app import cli; cli.migrate('head'); "
            f"cli.create_user({USERNAME!r}, admin=False, password_stdin=True, display_name='', "
            f"email=None); cli.create_token({USERNAME!r}, name='cli', scopes='read,write', "
            "expires_in_days='30')"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env,
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"preparing {self.data_dir} failed:\n{done.stderr}{done.stdout}")
        self.token = done.stdout.strip().splitlines()[-1]
        return self

    @contextlib.contextmanager
    def running(self, log_path: Path, workers: int = 1) -> Iterator[Server]:
        """`rapport serve` for the length of a with block."""
        server = self.serve(workers=workers, log_path=log_path)
        try:
            yield server
        finally:
            server.stop()

    def serve(
        self, *, workers: int, log_path: Path, timeout: float = 60.0, default_workers: bool = False
    ) -> Server:
        """`rapport serve` on a free port; returns once every worker answers.

        ``default_workers`` leaves out --workers (``workers`` is then how many to expect).
        """
        port = free_port()
        option = [] if default_workers else ["--workers", str(workers)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*_cli(), "serve", "--no-migrate", "--port", str(port), *option],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stop() and kill -9 reach the workers
            )
        server = Server("rapport", process, port, workers, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"rapport serve exited: {log_path.read_text()[-3000:]}")
            try:
                if httpx.get(server.base_url + "/healthz", timeout=2).status_code == 200 and (
                    workers == 1 or len(server.worker_pids()) >= workers
                ):
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        server.stop()
        raise RuntimeError(f"rapport serve did not answer in {timeout} s: {log_path}")

    def client(self, server: Server, timeout: float = 30.0) -> httpx.Client:
        """An API client with this instance's token."""
        return httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=timeout,
        )


def kill_hard(server: Server) -> None:
    """kill -9 the whole process group (supervisor and workers), as a power cut would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
