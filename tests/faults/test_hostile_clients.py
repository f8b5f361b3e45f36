"""Slow and hostile clients against `rapport serve`: each ends in a 4xx within bounded time
and memory, and a polite client beside it keeps being served."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bench.faults import hostile
from bench.faults.server import Instance
from bench.servers import Server

pytestmark = pytest.mark.sqlite
BODY_TIMEOUT = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    tmp = tmp_path_factory.mktemp("hostile")
    instance = Instance(
        tmp / "data", extra_env={"RAPPORT_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT)}
    ).prepare()
    running = instance.serve(workers=1, log_path=tmp / "serve.log")
    yield running, instance.token
    running.stop()


ATTACKS: dict[str, tuple[Callable[[Server, str], tuple[int | None, int]], int, float]] = {
    # name: (attack, expected status, most seconds it may take)
    "slow upload": (lambda s, t: hostile.slow_upload(s, t, seconds=15), 408, BODY_TIMEOUT + 2),
    "10,000 headers": (hostile.many_headers, 431, 5),
    "1 MB cookie": (hostile.big_cookie, 431, 5),
    "100 MB header line": (lambda s, t: hostile.big_cookie(s, t, size=100 << 20), 431, 10),
    "100 MB chunked body": (hostile.chunked_flood, 413, 10),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_client_is_refused_quickly_and_others_are_served(
    server: tuple[Server, str], name: str
) -> None:
    running, token = server
    run, status, most_seconds = ATTACKS[name]

    result = hostile.attack(running, token, name, run)

    assert result.status == status
    assert result.seconds < most_seconds
    assert result.sent_bytes < 10 * 1024 * 1024  # refused long before the 100 MB were sent
    assert result.rss_growth_mb < 20  # the attack's size never sits in memory
    assert result.others_failed == 0
    assert running.process.poll() is None  # the worker is still there
    assert hostile.attack(running, token, "after", lambda s, t: (None, 0)).others_failed == 0


def test_log_has_no_tracebacks(server: tuple[Server, str]) -> None:
    log = Path(server[0].log_path).read_text()
    assert "Traceback" not in log


def test_large_bodies_on_a_kept_alive_connection_are_not_taken_for_a_large_head(
    server: tuple[Server, str],
) -> None:
    running, token = server
    with httpx.Client(
        base_url=running.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        for size in (60_000, 70_000, 90_000, 200_000):
            # Head and body in one read, after an earlier request on the same connection.
            answer = client.post("/api/v1/contacts", json={"full_name": "Big", "notes": "y" * size})
            assert answer.status_code in (201, 422), answer.text  # never 431
            assert answer.status_code == 201 or "notes" in answer.text
