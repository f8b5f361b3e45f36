"""Browser harness: the real app under uvicorn on a free port, driven by Debian Chromium.

The server runs in a subprocess against a fresh SQLite file that ``rapport migrate`` (Alembic)
created, so the journeys exercise the same code path as ``make run``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# The journeys never wait this long for one page; a hang fails instead of blocking the run.
PAGE_TIMEOUT_MS = 15_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running Rapport: its address, data directory and log file."""

    base_url: str
    data_dir: Path
    log_path: Path
    env: dict[str, str] = field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _server_env(data_dir: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(
        RAPPORT_DATA_DIR=str(data_dir),
        RAPPORT_SECRET_KEY=secrets.token_urlsafe(48),
        RAPPORT_BASE_URL=base_url,
        RAPPORT_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_ready(server: LiveServer, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the app was not ready within {timeout}s:\n{server.log_tail()}")


def _start(tmp_path_factory: pytest.TempPathFactory) -> tuple[LiveServer, subprocess.Popen[bytes]]:
    """Migrate a fresh SQLite database with the CLI, then serve it with uvicorn."""
    data_dir = tmp_path_factory.mktemp("live-data")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _server_env(data_dir, base_url)
    migrated = run_cli(env, "migrate")
    assert migrated.returncode == 0, f"rapport migrate failed:\n{migrated.stdout}{migrated.stderr}"
    server = LiveServer(base_url, data_dir, data_dir / "server.log", env)
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:_app_factory",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(server, process, timeout=30)
    except BaseException:
        _stop(process)
        raise
    return server, process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> Any:
    """Run ``rapport`` (as ``python -m app.cli``) against a server's environment."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Start a brand-new app (empty database); every server stops at the end of the session."""
    processes: list[subprocess.Popen[bytes]] = []

    def _make() -> LiveServer:
        server, process = _start(tmp_path_factory)
        processes.append(process)
        return server

    yield _make
    for process in processes:
        _stop(process)


DEMO_USER = "demo"
DEMO_PASSWORD = "a long demo passphrase"


@pytest.fixture(scope="session")
def live_server(start_server: Any) -> LiveServer:
    """A running app with one account (DEMO_USER / DEMO_PASSWORD) made by the CLI."""
    server: LiveServer = start_server()
    made = run_cli(
        server.env, "create-user", DEMO_USER, "--admin", "--password-stdin", stdin=DEMO_PASSWORD
    )
    assert made.returncode == 0, made.stdout + made.stderr
    return server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright; one per test module.

    Module scope on purpose: while Playwright's sync API is running it keeps an asyncio loop
    running in the main thread, so other tests on the same worker (anything calling
    ``asyncio.run``) and a second Playwright (a module that imports these fixtures gets its
    own copy) would fail. Each module starts it and stops it when its tests are done.
    """
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class ConsoleWatch:
    """Console errors, uncaught page errors and CSP reports seen by a page."""

    messages: list[str] = field(default_factory=list)

    def problems(self, *, expected: tuple[str, ...] = ()) -> list[str]:
        """Everything that should never appear on a healthy page (minus ``expected`` texts)."""
        return [m for m in self.messages if not any(e in m for e in expected)]


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open a page on a server in a fresh browser context (its own cookies).

    Console errors, uncaught page errors and CSP violations are collected on
    ``page.console_watch``; a failing test leaves a screenshot in test-artifacts/.
    """
    contexts: list[Any] = []
    pages: list[Any] = []

    def _open(server: LiveServer, **options: Any) -> Any:
        """``options`` go to the browser context (a phone viewport, a time zone id...)."""
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=server.base_url, **options)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        new_page = context.new_page()
        watch = ConsoleWatch()

        def on_console(message: Any) -> None:
            # Chromium reports CSP violations as console errors; warnings are kept only
            # when they are about the policy.
            if message.type == "error" or (
                message.type == "warning" and "Content Security Policy" in message.text
            ):
                where = message.location.get("url", "") if message.location else ""
                watch.messages.append(
                    f"console {message.type} on {new_page.url} ({where}): {message.text}"
                )

        new_page.on("console", on_console)
        new_page.on("pageerror", lambda exc: watch.messages.append(f"page error: {exc}"))
        new_page.console_watch = watch
        contexts.append(context)
        pages.append(new_page)
        return new_page

    yield _open
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for index, failed_page in enumerate(pages):
            # The page may already be gone; the failure itself is what matters.
            with contextlib.suppress(Exception):
                save_screenshot(failed_page, f"FAILED-{_slug(request.node.name)}-{index}")
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:80]


def save_screenshot(page: Any, name: str) -> Path:
    """A full-page PNG in test-artifacts/ (the README's pictures: scripts/screenshots.py)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


@contextlib.contextmanager
def page_replaced(page: Any) -> Iterator[None]:
    """Wait, after the block, until the page's ``<main>`` is a new one and HTMX has settled.

    ``wait_for_url`` cannot tell a form that posts back to the same address (a
    preview shown again) from the page it left, so a test would act on the old page.
    """
    page.evaluate("() => { window.__rapportOldMain = document.querySelector('main'); }")
    yield
    page.wait_for_function(
        """() => {
            const main = document.querySelector('main');
            return main !== null && main !== window.__rapportOldMain
                && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling');
        }"""
    )


def assert_clean_console(page: Any, *, expected: tuple[str, ...] = ()) -> None:
    """No console errors and no CSP violations on the pages visited so far."""
    problems = page.console_watch.problems(expected=expected)
    assert not problems, "browser console reported:\n" + "\n".join(problems)
