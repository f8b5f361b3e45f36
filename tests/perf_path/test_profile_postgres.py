"""bench.profile --pg-url: a seeded PostgreSQL database is reused, an empty one seeded once."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from app.errors import NotFound
from bench import profile

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/profiled"


def _calls(monkeypatch: pytest.MonkeyPatch, found: Any) -> list[str]:
    calls: list[str] = []

    def reuse(url: str, username: str) -> Any:
        calls.append(f"reuse {url} {username}")
        if isinstance(found, Exception):
            raise found
        return found

    monkeypatch.setattr(profile, "reuse_seeded", reuse)
    monkeypatch.setattr(profile, "prepare_database", lambda url: calls.append(f"prepare {url}"))
    monkeypatch.setattr(
        profile, "seed", lambda url, args, smoke: (calls.append(f"seed {url}"), 0, "")
    )
    return calls


def test_a_database_holding_the_bench_user_is_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _calls(monkeypatch, found="seeded user")
    assert profile.postgres_user(URL, argparse.Namespace()) == "seeded user"
    assert calls == [f"reuse {URL} bench1"]


def test_a_database_without_it_is_migrated_and_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _calls(monkeypatch, found=NotFound(detail="No user named 'bench1'."))
    profile.postgres_user(URL, argparse.Namespace())
    assert calls == [f"reuse {URL} bench1", f"prepare {URL}", f"seed {URL}"]


def test_one_database_is_named_at_a_time() -> None:
    with pytest.raises(SystemExit):
        profile.main(["contacts_list", "--db", "x.db", "--pg-url", URL])
