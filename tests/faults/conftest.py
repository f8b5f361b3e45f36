"""Fault tests: a real `rapport serve` (or an app on a database that fails under it).

Tests marked ``sqlite`` run a server on a SQLite file of their own, whatever the suite's
database: they belong to the SQLite run and are deselected (not skipped) in the PostgreSQL
run, the way tests/conftest.py deselects ``postgres`` tests in the SQLite run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.faults.server import Instance
from bench.servers import Server


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    """A migrated SQLite data directory with an account and a token."""
    return Instance(tmp_path / "data").prepare()


@pytest.fixture
def served(instance: Instance, tmp_path: Path) -> Iterator[Server]:
    """`rapport serve --workers 2` on that instance."""
    server = instance.serve(workers=2, log_path=tmp_path / "serve.log")
    yield server
    server.stop()
