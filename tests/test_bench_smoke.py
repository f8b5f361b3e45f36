"""The benchmark's own parts: the Lua script, verdicts, the report file, the fallback load
generator. (The whole smoke run is `python -m bench.run --smoke`, the last step of make test.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.loadgen import Load, LoadResult, run_python, wrk_script
from bench.report import (
    END,
    START,
    Configuration,
    Report,
    describe_machine,
    render,
    write_results,
)
from bench.scenarios import Outcome, Scenario, Target
from bench.servers import STACK_ENV, start_uvicorn


def _result(**changes: object) -> LoadResult:
    values: dict[str, object] = {
        "tool": "wrk",
        "requests": 1000,
        "seconds": 10.0,
        "p50_ms": 5.0,
        "p95_ms": 9.0,
        "p99_ms": 12.0,
    }
    values.update(changes)
    return LoadResult(**values)  # type: ignore[arg-type]


def _scenario(target: Target) -> Scenario:
    return Scenario("contacts_list", "1. contacts", Load("GET", ["/x"], {}), target)


def test_wrk_script_carries_method_headers_paths_and_bodies() -> None:
    script = wrk_script(
        Load(
            "POST",
            ["/api/v1/interactions", "/api/v1/other?q=a%20b"],
            {"Authorization": "Bearer rpt_abc", "Content-Type": "application/json"},
            ['{"contact_id": 1}'],
        )
    )
    assert 'local method = "POST"' in script
    assert '["Authorization"] = "Bearer rpt_abc"' in script
    assert '"/api/v1/other?q=a%20b"' in script
    assert '"{\\"contact_id\\": 1}"' in script
    assert "latency:percentile(99)" in script


def test_target_verdicts_name_each_miss() -> None:
    target = Target(min_ratio=0.2, max_p99_ms=50)
    assert target.misses(_result(), ratio=0.25) == []
    missed = target.misses(_result(p99_ms=80.0, non_2xx=3), ratio=0.1)
    assert missed == ["ratio 0.100 < 0.20", "p99 80.0 ms > 50", "errors"]


def test_outcomes_tell_missing_endpoints_from_broken_ones() -> None:
    missing = Outcome(_scenario(Target()), probe_status=404)
    assert missing.status_text == "not available (404)"
    assert not missing.failed
    broken = Outcome(_scenario(Target()), probe_status=500, probe_detail="boom")
    assert broken.failed and broken.status_text.startswith("error 500")
    loaded = Outcome(_scenario(Target()), probe_status=200, result=_result(errors=2), ratio=0.3)
    assert loaded.failed and "errors under load" in loaded.status_text
    good = Outcome(_scenario(Target()), probe_status=200, result=_result(), ratio=0.3)
    assert not good.failed and good.status_text == "ok"


def test_report_renders_every_figure_and_keeps_the_hand_written_analysis(tmp_path: Path) -> None:
    config = Configuration(
        "SQLite, 1 worker",
        outcomes=[
            Outcome(_scenario(Target(min_ratio=0.2)), 200, result=_result(), ratio=0.25),
            Outcome(_scenario(Target()), 404),
        ],
        rss_rest_mb=[80.0],
        rss_after_mb=[95.0],
    )
    config.outcomes[0].floor = _result(requests=4000)
    config.outcomes[0].stack = _result(requests=2000)
    report = Report("smoke", 1.0, "python", [("CPUs (nproc)", "2")], 0.0, _result(), [config])
    body = render(report)
    # req/s, ratio to the baseline, floor req/s, Rapport / floor, floor / baseline, the same
    # three for the stack floor, latencies.
    row = (
        "| 1. contacts | ok | 100 | 0.250 | 400 | 0.250 | 4.000 | 200 | 0.500 | 2.000 "
        "| 5.0 | 9.0 | 12.0 | >= 0.20x | met |"
    )
    assert row in body
    assert f"| 1. contacts | not available (404) |{' - |' * 12} - |" in body
    assert "at rest 80 MB; after load (read 2 s after its last request" in body
    assert "heap back) 95 MB (target: under 120 MB after load: met)" in body

    results = tmp_path / "RESULTS.md"
    write_results(results, body)
    text = results.read_text().replace("(hand-written; see the latest run above)", "My notes.")
    results.write_text(text)
    write_results(results, "new figures\n")
    again = results.read_text()
    assert "My notes." in again
    assert f"{START}\nnew figures\n{END}" in again
    assert "1. contacts" not in again


def test_python_load_generator_drives_the_baseline(tmp_path: Path) -> None:
    server = start_uvicorn(
        "baseline",
        "bench.baseline_app:app",
        workers=1,
        env={},
        log_dir=tmp_path,
        ready_path="/ping",
    )
    try:
        result = run_python(server.base_url, Load("GET", ["/ping"], {}), 0.5, connections=4)
        missing = run_python(server.base_url, Load("GET", ["/nope"], {}), 0.2, connections=2)
    finally:
        server.stop()
    assert result.ok and result.requests > 0 and result.statuses == {200: result.requests}
    assert result.p50_ms <= result.p99_ms
    assert not missing.ok and missing.non_2xx == missing.requests > 0


def test_a_scenario_states_its_connections_and_wrk_is_given_them(monkeypatch) -> None:
    from bench import loadgen

    seen: list[list[str]] = []

    class Done:
        stdout = (
            'BENCH_JSON {"requests": 10, "duration_us": 1000000, "connect": 0, "read": 0,'
            ' "write": 0, "status": 0, "timeout": 0, "p50_us": 1, "p95_us": 2, "p99_us": 3}'
        )
        stderr = ""

    def fake_run(command: list[str], **_: object) -> Done:
        seen.append(command)
        return Done()

    monkeypatch.setattr(loadgen, "wrk_path", lambda: "/usr/bin/wrk")
    monkeypatch.setattr(loadgen.subprocess, "run", fake_run)
    loadgen.run_wrk("http://x", Load("GET", ["/"], {}), 1)
    loadgen.run_wrk("http://x", Load("GET", ["/"], {}, connections=8), 1)
    loadgen.run_load("http://x", Load("GET", ["/"], {}, connections=8), 1, tool="wrk")
    assert [next(a for a in c if a.startswith("-c")) for c in seen] == ["-c32", "-c8", "-c8"]


def test_the_search_scenario_sends_the_varied_queries_at_eight_connections() -> None:
    from urllib.parse import parse_qs, urlsplit

    from app.seed import SeededUser
    from bench.scenarios import build_scenarios
    from bench.search_bench import varied_queries

    user = SeededUser(1, "bench1", "pw", "rpt_token", [1], [1], ["anna", "mart"])
    scenarios = {s.key: s for s in build_scenarios(user, "cookie", "rapport_session")}
    search = scenarios["search"]
    assert search.load.connections == 8
    assert search.load.headers["Authorization"] == "Bearer rpt_token"
    sent = [parse_qs(urlsplit(path).query)["q"][0] for path in search.load.paths]
    assert sent == varied_queries(user)
    assert all(urlsplit(path).path == "/api/v1/search" for path in search.load.paths)
    assert search.target.max_p95_ms == 50 and search.target.min_ratio == 0.10
    # The contacts list's own text search stays a scenario of its own, at the default load.
    assert scenarios["contacts_search"].load.connections == 32


def test_the_scenarios_state_issue_17s_targets() -> None:
    from app.seed import SeededUser
    from bench.scenarios import build_scenarios

    user = SeededUser(1, "bench1", "pw", "rpt_token", [1], [1], ["anna"])
    targets = {s.key: s.target for s in build_scenarios(user, "cookie", "rapport_session")}
    assert targets == {
        "contacts_list": Target(min_ratio=0.25, max_p99_ms=50),
        "contacts_search": Target(max_p95_ms=20),
        "search": Target(min_ratio=0.10, max_p95_ms=50),
        "interview_detail": Target(min_ratio=0.25),
        "interview_agenda": Target(min_ratio=0.25),
        "dashboard_page": Target(min_ratio=0.12),
        "contacts_page": Target(min_ratio=0.12),
        "interaction_write": Target(min_ratio=0.12),
    }
    # The write's "zero errors": one non-2xx answer is a miss even at a met ratio.
    assert targets["interaction_write"].misses(_result(non_2xx=1), ratio=0.5) == ["errors"]


def test_a_broken_floor_fails_the_smoke_run_and_says_so() -> None:
    outcome = Outcome(_scenario(Target()), 200, result=_result(), ratio=0.3)
    outcome.floor = _result(non_2xx=5)
    assert outcome.failed and outcome.status_text.startswith("floor errors")
    outcome.floor = _result(requests=2000)
    assert not outcome.failed and outcome.of_floor == 0.5
    outcome.stack = _result(errors=1)
    assert outcome.failed and outcome.status_text.startswith("stack floor errors")
    outcome.stack = _result(requests=1000)
    assert not outcome.failed and outcome.of_stack == 1.0


def test_the_report_judges_memory_and_postgres_against_sqlite() -> None:
    def configuration(title: str, rps: dict[str, float], after: list[float]) -> Configuration:
        outcomes = [
            Outcome(
                Scenario(key, key, Load("GET", ["/x"], {}), Target()),
                200,
                result=_result(requests=int(n * 10)),
                ratio=0.2,
            )
            for key, n in rps.items()
        ]
        return Configuration(title, outcomes=outcomes, rss_rest_mb=[70.0], rss_after_mb=after)

    sqlite = configuration(
        "SQLite, 1 worker", {"a": 1000, "b": 1000, "c": 1000, "d": 1000}, [119.0]
    )
    pg = configuration("PostgreSQL, 1 worker", {"a": 600, "b": 590, "c": 500, "d": 500}, [121.0])
    # The stack floors: PostgreSQL adds 500 µs to b's request there, less than to Rapport's
    # (695 µs); 2,000 µs to c's, more than to Rapport's (1,000 µs); 111 µs to d's.
    stacks = (
        (sqlite, {"b": 2000, "c": 1000, "d": 1000}),
        (pg, {"b": 1000, "c": 333.33, "d": 900}),
    )
    for config, stack_rps in stacks:
        for outcome in config.outcomes:
            if outcome.scenario.key in stack_rps:
                outcome.stack = _result(requests=int(stack_rps[outcome.scenario.key] * 10))
    report = Report("full", 10.0, "wrk", [], 0.0, _result(), [sqlite, pg])
    body = render(report)
    assert "(target: under 120 MB after load: met)" in body
    assert "(target: under 120 MB after load: missed)" in body
    assert "### PostgreSQL vs SQLite, 1 worker (target: each at least 0.6 x)" in body
    assert "| a | 1,000 | 600 | 0.60 | - | 667 | - | - | met |" in body
    # b's stack floor misses the ratio too (0.50) but adds less than Rapport; c's misses and
    # adds more: the database's. d's stack floor meets it: its miss is Rapport's alone.
    assert (
        "| b | 1,000 | 590 | 0.59 | 0.50 | 695 | 500 | - | missed (stack floor too: 0.50) |"
    ) in body
    assert (
        "| c | 1,000 | 500 | 0.50 | 0.33 | 1,000 | 2,000 | - "
        "| missed (stack floor too: 0.33; the stack floor adds as much: the database's) |"
    ) in body
    assert "| d | 1,000 | 500 | 0.50 | 0.90 | 1,000 | 111 | - | missed |" in body


def test_a_seeded_file_is_copied_with_its_wal_and_never_written(tmp_path: Path) -> None:
    import sqlite3

    from bench.run import copy_sqlite

    source = tmp_path / "seeded.db"
    writer = sqlite3.connect(source)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # the rows stay in the WAL file
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    writer.commit()
    wal = source.with_name("seeded.db-wal")
    before = (source.read_bytes(), wal.read_bytes())
    copy = tmp_path / "copy.db"
    copy_sqlite(source, copy)
    assert (source.read_bytes(), wal.read_bytes()) == before  # nothing written, no checkpoint
    writer.close()
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM t").fetchone() == (100,)


@pytest.mark.sqlite
def test_a_seeded_file_gets_the_tables_it_lacks_and_keeps_its_rows(tmp_path: Path) -> None:
    import sqlite3

    from bench.run import prepare_database

    path = tmp_path / "seeded.db"
    url = f"sqlite:///{path}"
    prepare_database(url)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("INSERT INTO tags (owner_id, name) VALUES (1, 'kept')")
        conn.execute("DROP TABLE calendar_feeds")
    note = prepare_database(url, keep_data=True)
    assert note and "tables it lacked" in note
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM tags").fetchall() == [("kept",)]
        assert conn.execute("SELECT count(*) FROM calendar_feeds").fetchone() == (0,)


def test_every_server_runs_on_the_stack_the_run_names_and_the_report_says_which(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def served_with() -> list[str]:
        server = start_uvicorn(
            "baseline",
            "bench.baseline_app:app",
            workers=1,
            env={},
            log_dir=tmp_path,
            ready_path="/ping",
        )
        try:
            return Path(f"/proc/{server.process.pid}/cmdline").read_text().split("\0")
        finally:
            server.stop()

    monkeypatch.setenv(STACK_ENV, "asyncio-h11")
    command = served_with()
    assert command[command.index("--loop") + 1] == "asyncio"
    assert command[command.index("--http") + 1] == "h11"
    assert dict(describe_machine(None, "python"))["Server stack"].startswith(
        "RAPPORT_BENCH_STACK=asyncio-h11: asyncio + h11"
    )

    monkeypatch.delenv(STACK_ENV)
    assert "--loop" not in served_with()  # uvicorn's own choice, as `rapport serve`
    assert "uvloop + httptools" in dict(describe_machine(None, "python"))["Server stack"]

    # A misspelt stack would measure the default one under another name: the run stops.
    monkeypatch.setenv(STACK_ENV, "asyncio_h11")
    with pytest.raises(SystemExit, match="asyncio-h11"):
        describe_machine(None, "python")
    with pytest.raises(SystemExit):
        served_with()


def test_a_miss_the_stack_floor_shares_says_so_and_one_it_does_not_stays_plain() -> None:
    target = Target(min_ratio=0.25, max_p99_ms=50)
    outcome = Outcome(_scenario(target), 200, result=_result(p99_ms=80.0), ratio=0.10)
    assert outcome.verdict(1000.0) == "missed: ratio 0.100 < 0.25; p99 80.0 ms > 50"
    # The stack floor serves 200 req/s against a 1,000 req/s baseline (0.2 < 0.25) with a
    # p99 under the target: only the ratio is out of reach of any code on the stack.
    outcome.stack = _result(requests=2000, p99_ms=20.0)
    assert outcome.verdict(1000.0) == (
        "missed: ratio 0.100 < 0.25 (stack floor too: ratio 0.200 < 0.25); p99 80.0 ms > 50"
    )
    outcome.ratio = 0.3
    outcome.result = _result(p99_ms=10.0)
    assert outcome.verdict(1000.0) == "met"
