"""kill -9 of `rapport serve` in the middle of a bulk write: after a restart all of it or none
of it is there, SQLite's integrity check passes, and the same write then succeeds whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faults import crash
from bench.faults.server import Instance

pytestmark = pytest.mark.sqlite
# A network update drafts a message per contact (~40 a second here): 200 keeps the test short.
NETWORK = 200


def test_kill_during_a_10000_row_import_leaves_all_or_nothing(
    instance: Instance, tmp_path: Path
) -> None:
    with (
        instance.running(tmp_path / "calibrate.log") as server,
        instance.client(server, timeout=120) as client,
    ):
        checked, full = crash.import_phases(client)

    outcome = crash.crash_import(instance, tmp_path, "Killed", (checked + full) / 2)

    assert not outcome.answered_before_kill  # the kill landed while rows were written
    assert outcome.found in (0, crash.ROWS)
    assert outcome.integrity == "ok"
    # Restarted, the same file imports whole: nothing half-written is left to collide with.
    with (
        instance.running(tmp_path / "again.log") as server,
        instance.client(server, timeout=120) as client,
    ):
        report = crash.import_file(client, crash.linkedin_csv(crash.ROWS, "Killed")).json()
    assert report["created"] + report["duplicates"] == crash.ROWS
    assert report["created"] in (0, crash.ROWS)
    assert crash.integrity(instance) == "ok"


def test_kill_during_update_my_network_leaves_all_or_nothing(
    instance: Instance, tmp_path: Path
) -> None:
    with (
        instance.running(tmp_path / "calibrate.log") as server,
        instance.client(server, timeout=120) as client,
    ):
        crash.import_file(client, crash.linkedin_csv(NETWORK, "Net")).raise_for_status()
        ids = crash.set_status(client, "preparing", NETWORK)
        full = crash.timed(client, lambda c: crash.network_request(c, ids))
        crash.set_status(client, "searching", NETWORK)  # a new change to tell about

    outcome = crash.crash_network(instance, tmp_path, ids, full * 0.5)

    assert not outcome.answered_before_kill
    assert outcome.found in (0, NETWORK)
    assert outcome.integrity == "ok"
    with (
        instance.running(tmp_path / "again.log") as server,
        instance.client(server, timeout=120) as client,
    ):
        answer = crash.network_request(client, ids)
    assert answer.status_code == 201
    body = answer.json()
    assert len(body["created"]) + len(body["already_told_contact_ids"]) == NETWORK
    assert len(body["created"]) in (0, NETWORK)
    assert crash.integrity(instance) == "ok"
