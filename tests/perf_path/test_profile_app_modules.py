"""bench.profile names the modules of app/ that Rapport's share of the samples is spent in."""

from __future__ import annotations

from pathlib import Path

from bench.profile import summarise

LOOP = "Runner.run (asyncio/runners.py:118)"
ROUTE = "APIRoute.handle (starlette/routing.py:290)"
FIND = "find_token (app/tokens/service.py:85)"
ROW = "CredentialLookup.row (app/auth/models.py:148)"
BEGIN = "_configure_sqlite.<locals>._on_begin (app/db.py:131)"
EXECUTE = "DefaultDialect.do_execute (sqlalchemy/engine/default.py:1192)"
STDLIB = "Lock.acquire (threading.py:100)"


def test_rapports_share_is_split_by_the_module_that_decided_it(tmp_path: Path) -> None:
    raw = tmp_path / "profile.raw"
    raw.write_text(
        f"{LOOP};{ROUTE};{FIND};{ROW};{BEGIN};{STDLIB} 30\n"  # the writer turn, in app/db.py
        f"{LOOP};{ROUTE};{FIND} 10\n"
        f"{LOOP};{ROUTE};{FIND};{ROW};{EXECUTE} 60\n"  # the driver's, not Rapport's
    )
    text = summarise(raw, top=5)
    line = next(row for row in text.splitlines() if row.strip().startswith("app/:"))
    assert line.split("app/:", 1)[1].strip() == "app/db.py 30.0%, app/tokens/service.py 10.0%"
