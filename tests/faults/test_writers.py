"""Two workers on one SQLite file and concurrent writers: nothing lost, nothing half-done."""

from __future__ import annotations

import pytest

from bench.faults.server import Instance
from bench.faults.writers import run_writers
from bench.servers import Server

pytestmark = pytest.mark.sqlite


def test_concurrent_writers_lose_nothing_and_refuse_only_with_retry_advice(
    instance: Instance, served: Server
) -> None:
    result = run_writers(instance, served.base_url, writers=8, seconds=10, workers=2)

    assert result.tally.errors == []  # no 5xx but 503 with Retry-After, no transport error
    assert result.lost_updates == []  # each counter == its acknowledged increments
    assert result.unexpected_rows == []  # acknowledged creates there, deletes gone, no phantoms
    refused_statuses = {int(s) for s in result.refused()}
    assert refused_statuses <= {409, 412, 503}
    assert result.tally.statuses["update 200"] > 20  # the counters really were contended
    assert result.tally.statuses["create 201"] > 20
    assert result.tally.statuses["delete 204"] > 5
