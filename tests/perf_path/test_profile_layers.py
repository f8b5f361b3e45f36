"""bench.profile's by-layer table: each sample counts for its deepest non-stdlib frame."""

from __future__ import annotations

from pathlib import Path

from bench.profile import LAYERS, OTHER, layer_of, summarise

LOOP = "Runner.run (asyncio/runners.py:118)"
ROUTE = "APIRoute.handle (starlette/routing.py:290)"
FIND = "find_live_token (app/tokens/service.py:126)"
EXECUTE = "DefaultDialect.do_execute (sqlalchemy/engine/default.py:1192)"
COMPILE = "SQLCompiler.visit_select (sqlalchemy/sql/compiler.py:4700)"
DUMP = "BaseModel.model_dump_json (pydantic/main.py:470)"
RENDER = "Template.render (jinja2/environment.py:1295)"
HASH = "sha256_hex (app/auth/credentials.py:14)"
STDLIB = "JSONEncoder.encode (json/encoder.py:200)"
ROW = "CredentialLookup.row (app/auth/models.py:148)"
BEGIN = "_configure_sqlite.<locals>._on_begin (app/db.py:131)"
LOCK = "Lock.acquire (threading.py:100)"


def _name(prefix: str) -> str:
    return next(name for name, _ in LAYERS if name.startswith(prefix))


def test_each_layer_is_decided_by_the_deepest_frame_outside_the_standard_library() -> None:
    assert layer_of([LOOP, ROUTE, FIND])[0] == _name("Rapport")
    assert layer_of([LOOP, ROUTE, FIND, COMPILE])[0] == _name("ORM")
    # sqlite3 has no Python frames: SQLAlchemy's DB-API call stands for it.
    assert layer_of([LOOP, ROUTE, FIND, EXECUTE]) == (_name("database driver"), "sqlite3")
    assert layer_of([LOOP, ROUTE, DUMP])[0] == _name("validation")
    assert layer_of([LOOP, ROUTE, RENDER])[0] == _name("templates")
    # Standard-library code counts for whoever called it.
    assert layer_of([LOOP, ROUTE, HASH, STDLIB])[0] == _name("Rapport")
    assert layer_of([LOOP, ROUTE])[0] == _name("framework")
    assert layer_of([LOOP, "msg (structlog/_output.py:347)"]) == (OTHER, "structlog")
    assert layer_of([LOOP, STDLIB]) == (OTHER, "standard library only")


def test_the_summary_leaves_idle_samples_out(tmp_path: Path) -> None:
    raw = tmp_path / "profile.raw"
    raw.write_text(
        f"{LOOP};{ROUTE};{FIND};{EXECUTE} 30\n"
        f"{LOOP};{ROUTE};{FIND} 10\n"
        f"{LOOP} 500\n"  # uvloop waiting for events
        "_bootstrap (threading.py:995);Condition.wait (threading.py:327) 400\n"
        # A database thread waiting for a job (app.web.threads): its get is C, no frame.
        "_bootstrap (threading.py:995);DatabaseThreads._serve (app/web/threads.py:53) 300\n"
        "\n"
    )
    text = summarise(raw, top=5)
    assert text.startswith("40 busy samples")
    assert f"75.0%  {_name('database driver')}" in text
    assert f"25.0%  {_name('Rapport')}" in text


def test_rapports_share_is_split_by_the_module_that_decided_it(tmp_path: Path) -> None:
    raw = tmp_path / "profile.raw"
    raw.write_text(
        f"{LOOP};{ROUTE};{FIND};{ROW};{BEGIN};{LOCK} 30\n"  # the writer turn, in app/db.py
        f"{LOOP};{ROUTE};{FIND} 10\n"
        f"{LOOP};{ROUTE};{FIND};{ROW};{EXECUTE} 60\n"  # the driver's, not Rapport's
    )
    text = summarise(raw, top=5)
    line = next(row for row in text.splitlines() if row.strip().startswith("app/:"))
    assert line.split("app/:", 1)[1].strip() == "app/db.py 30.0%, app/tokens/service.py 10.0%"
