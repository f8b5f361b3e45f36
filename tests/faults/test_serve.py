"""`rapport serve` defaults: a worker per CPU, uvloop and httptools, one access line per request."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.cli import serve_workers
from app.config import Settings
from app.httpserver import http_protocol
from app.wording import plural
from bench.faults.server import Instance

pytestmark = pytest.mark.sqlite


def test_workers_come_from_the_option_then_the_setting_then_the_cpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAPPORT_WORKERS", "3")
    assert Settings().workers == 3
    assert serve_workers(5, Settings().workers) == 5
    assert serve_workers(None, Settings().workers) == 3
    assert serve_workers(None, None) == len(os.sched_getaffinity(0))


def test_serve_uses_the_bounded_httptools_protocol_when_installed() -> None:
    assert http_protocol() == "app.httpserver:BoundedHttpToolsProtocol"
    from app.httpserver import BoundedHttpToolsProtocol  # importable by uvicorn's string

    assert BoundedHttpToolsProtocol.__name__ == "BoundedHttpToolsProtocol"


def test_default_serve_runs_a_worker_per_cpu_and_logs_one_line_per_request(
    tmp_path: Path,
) -> None:
    cpus = len(os.sched_getaffinity(0))
    instance = Instance(tmp_path / "data", extra_env={"RAPPORT_LOG_LEVEL": "INFO"}).prepare()
    log_path = tmp_path / "serve.log"
    server = instance.serve(workers=cpus, log_path=log_path, default_workers=True)
    try:
        assert len(server.worker_pids()) == cpus
        with instance.client(server) as client:
            for n in range(3):
                assert client.get(f"/api/v1/contacts?limit={n + 1}").status_code == 200
    finally:
        server.stop()
    log = log_path.read_text()
    assert f"with {plural(cpus, 'worker')}, uvloop event loop, httptools parser" in log
    lines = [line for line in log.splitlines() if "/api/v1/contacts" in line]
    assert len(lines) == 3  # the app's structured line only; uvicorn's access log is off
    assert all("request" in line and "status=200" in line for line in lines)
