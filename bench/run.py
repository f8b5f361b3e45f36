"""The benchmark: ``python -m bench.run`` (full) or ``python -m bench.run --smoke`` (CI).

One run seeds a database, serves the bare FastAPI baseline, Rapport and, per scenario, the
floor (the same statements with no Rapport code, bench/floor_app.py) with the same uvicorn
flags, drives each with the same load generator, and reports every scenario as requests/s,
latency percentiles, the ratio to the baseline and the share of the floor, on SQLite
(1 worker) and PostgreSQL (1 and 2 workers), plus in-process timings. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text
from sqlmodel import SQLModel

from app.auth import service as auth_service
from app.auth.models import User
from app.contacts.models import Contact
from app.db import make_engine, open_session
from app.httpserver import MALLOC_ENV, TRIM_SECONDS
from app.interviews.models import Interview
from app.registry import import_all_models
from app.seed import DEMO_PASSWORD, SeededUser, SeedPlan, seed_demo
from app.tokens import service as tokens_service
from app.tokens.schemas import TokenCreate
from bench import inprocess
from bench.floor import uncovered
from bench.floor_app import PLAN_ENV, STACK_ENV
from bench.loadgen import Load, LoadResult, install_wrk, run_load, wrk_path
from bench.report import Configuration, Report, describe_machine, render, write_results
from bench.scenarios import Outcome, build_scenarios, log_in, probe
from bench.servers import ROOT, Server, rss_mb, start_uvicorn

IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
COOKIE_NAME = "rapport_session"  # plain http: no __Host- prefix
RESULTS = ROOT / "bench" / "RESULTS.md"


_STARTED = time.monotonic()


def _say(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:5.1f}s] {message}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, ~1 s per scenario")
    parser.add_argument("--duration", type=float, help="seconds per scenario (10; smoke 1)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds first (2; smoke 0)")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interviews", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--pg-url", default=os.environ.get("RAPPORT_BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--output", type=Path, help="where to write the results Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument(
        "--db",
        type=Path,
        help="a seeded SQLite file (user bench1) to copy and use instead of seeding",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        help="only this HTTP scenario (repeatable); skips the in-process timings",
    )
    return parser.parse_args(argv)


def choose_tool(requested: str, smoke: bool) -> str:
    """wrk when present (installed when we are root); the Python generator only for smoke."""
    if requested == "python":
        return "python"
    if wrk_path() or ((not smoke or IN_CI or requested == "wrk") and install_wrk()):
        return "wrk"
    if smoke and requested == "auto":
        return "python"
    raise SystemExit(
        "wrk is needed for the full benchmark: `apt-get install -y wrk` (as root), "
        "or run with --tool python for a rougher figure."
    )


# ---- databases -------------------------------------------------------------------------------


def prepare_database(url: str, *, keep_data: bool = False) -> str | None:
    """Migrate to head; if the migration is behind the models, build the schema from them
    (with ``keep_data``, a seeded file given with --db: only add the tables it lacks)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.migrations import alembic_config, include_object, upgrade

    import_all_models()
    upgrade(url, "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            differences = compare_metadata(context, SQLModel.metadata)
        if not differences:
            return None
        if keep_data:
            SQLModel.metadata.create_all(engine)  # creates missing tables, changes none
            return (
                f"The migration was behind the models ({len(differences)} differences); the "
                "seeded file got the tables it lacked from metadata.create_all, nothing else."
            )
        # The lead regenerates the migration at integration; until then the app's code
        # expects the models, so the benchmark serves a schema built from them.
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            else:
                SQLModel.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        SQLModel.metadata.create_all(engine)
    finally:
        engine.dispose()
    from alembic import command

    command.stamp(alembic_config(url), "head")
    return (
        f"The migration was behind the models ({len(differences)} differences), so this run "
        "built the schema with metadata.create_all and stamped it at head."
    )


def create_postgres_database(admin_url: str) -> str:
    """A scratch database of this run's own; returns its URL."""
    name = f"rapport_bench_{os.getpid()}"
    admin = make_engine(admin_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return re.sub(r"/[^/]*$", f"/{name}", admin_url)


def drop_postgres_database(admin_url: str, url: str) -> None:
    """Drop the scratch database (sessions still open are closed by FORCE)."""
    name = url.rsplit("/", 1)[-1]
    admin = make_engine(admin_url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_version(admin_url: str) -> str | None:
    """The server's version string, or None when it is not reachable."""
    try:
        engine = make_engine(admin_url)
        with engine.connect() as conn:
            value = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return str(value)
    except Exception:
        return None


def seed(url: str, args: argparse.Namespace, smoke: bool) -> tuple[SeededUser, float, str]:
    """Seed one heavy user; returns the user, seconds, and a description of the data."""
    plan = (
        SeedPlan(users=1, contacts=200, interviews=20, answers=100, seed=1, username_prefix="bench")
        if smoke
        else SeedPlan(
            users=1,
            contacts=args.contacts,
            interviews=args.interviews,
            answers=args.answers,
            seed=1,
            username_prefix="bench",
        )
    )
    engine = make_engine(url)
    try:
        result = seed_demo(engine, plan)
    finally:
        engine.dispose()
    described = ", ".join(f"{count:,} {name}" for name, count in sorted(result.rows.items()))
    return result.users[0], result.seconds, described


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), never writing to ``source``."""
    reader = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def reuse_seeded(url: str, username: str) -> SeededUser:
    """A seeded user of an existing database, with a fresh token."""
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as session:
            user = auth_service.get_user_by_username(session, username)
            secret, _ = tokens_service.create_token(session, user, TokenCreate(name="bench"))
            contact_ids = list(
                session.scalars(
                    select(Contact.id)
                    .where(Contact.owner_id == user.id)
                    .order_by(Contact.id)
                    .limit(500)
                )
            )
            interview_ids = list(
                session.scalars(
                    select(Interview.id)
                    .where(Interview.owner_id == user.id, Interview.status == "completed")
                    .limit(500)
                )
            )
            names = session.scalars(
                select(func.lower(func.substr(Contact.full_name, 1, 4)))
                .where(Contact.owner_id == user.id)
                .distinct()
                .limit(100)
            )
            assert isinstance(user, User) and user.id is not None
            return SeededUser(
                user.id, username, DEMO_PASSWORD, secret, contact_ids, interview_ids, list(names)
            )
    finally:
        engine.dispose()


# ---- load -----------------------------------------------------------------------------------


def rapport_env(url: str, work: Path) -> dict[str, str]:
    """Production settings: JSON access log at INFO, a fixed secret, the seeded database.

    Plus the malloc bounds ``rapport serve`` sets (``app.httpserver.bound_malloc``), since the
    bench starts uvicorn itself and its memory figures must be those of a served worker.
    """
    return {
        **MALLOC_ENV,
        "RAPPORT_ENV": "production",
        "RAPPORT_DATABASE_URL": url,
        "RAPPORT_DATA_DIR": str(work / "data"),
        "RAPPORT_SECRET_KEY": "bench-" + "k" * 42,
        "RAPPORT_LOG_FORMAT": "json",
        "RAPPORT_LOG_LEVEL": "INFO",
        "RAPPORT_BASE_URL": "http://127.0.0.1:8000",
    }


def capture_floor(url: str, loads: list[Load], work: Path) -> Path:
    """The floor's plan for these loads on this database (``bench.floor``, in a process of its
    own with the served app's settings). One plan per database, kept in the scratch directory:
    a later configuration captures only the requests it lacks (its write bodies, built anew)."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    plan = work / f"floor-{dialect}.plan"
    if plan.exists() and not uncovered(pickle.loads(plan.read_bytes()), loads):
        return plan
    loads_file = work / f"floor-{dialect}.loads"
    loads_file.write_bytes(pickle.dumps(loads))
    log = work / f"floor-{dialect}-capture.log"
    with log.open("ab") as out:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.floor", str(loads_file), str(plan)],
            cwd=ROOT,
            env={**os.environ, **rapport_env(url, work)},
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"the floor's capture failed ({log}):\n{tail}")
    return plan


def measure_baseline(work: Path, tool: str, duration: float, warmup: float) -> LoadResult:
    """The bare FastAPI endpoint under the same load."""
    server = start_uvicorn(
        "baseline", "bench.baseline_app:app", workers=1, env={}, log_dir=work, ready_path="/ping"
    )
    try:
        load = Load("GET", ["/ping"], {"Accept": "application/json"})
        if warmup:
            run_load(server.base_url, load, warmup, tool=tool)
        return run_load(server.base_url, load, duration, tool=tool)
    finally:
        server.stop()


def run_configuration(
    title: str,
    url: str,
    workers: int,
    user: SeededUser,
    *,
    work: Path,
    tool: str,
    duration: float,
    warmup: float,
    baseline_rps: float,
    only: list[str] | None = None,
) -> Configuration:
    """Serve Rapport on ``url`` with ``workers`` workers and run every scenario (or those in
    ``only``), each first on the floor, then on Rapport."""
    config = Configuration(title=title)
    (work / "data").mkdir(exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    try:
        server: Server = start_uvicorn(
            slug,
            "app.main:_app_factory",
            factory=True,
            workers=workers,
            env=rapport_env(url, work),
            log_dir=work,
        )
    except RuntimeError as exc:
        # Reported (and failing the smoke run), but the other configurations still run.
        config.error = str(exc)
        _say(f"{title}: server did not start")
        return config
    floor: Server | None = None
    stack: Server | None = None
    try:
        cookie = log_in(server.base_url, user.username, user.password, COOKIE_NAME)
        scenarios = build_scenarios(user, cookie, COOKIE_NAME)
        outcomes = [Outcome(s) for s in scenarios if not only or s.key in only]
        for outcome in outcomes:
            outcome.probe_status, outcome.probe_detail = probe(server.base_url, outcome.scenario)
        config.rss_rest_mb = [rss_mb(pid) for pid in server.worker_pids()]
        served = [o for o in outcomes if o.available and 200 <= (o.probe_status or 0) < 300]
        try:
            plan = capture_floor(url, [o.scenario.load for o in served], work)
            floor = start_uvicorn(
                f"{slug}-floor",
                "bench.floor_app:create",
                factory=True,
                workers=workers,
                env={**MALLOC_ENV, PLAN_ENV: str(plan)},
                log_dir=work,
                ready_path="/floor-ready",  # any answer under 500 means it is up
            )
            stack = start_uvicorn(
                f"{slug}-stack",
                "bench.floor_app:create",
                factory=True,
                workers=workers,
                env={**MALLOC_ENV, PLAN_ENV: str(plan), STACK_ENV: "1"},
                log_dir=work,
                ready_path="/floor-ready",
            )
        except RuntimeError as exc:
            config.floor_error = str(exc)
            _say(f"{title}: no floor: {str(exc).splitlines()[0]}")
        for outcome in outcomes:
            if outcome not in served:
                _say(f"{title}: {outcome.scenario.key}: {outcome.status_text}")
                continue
            load = outcome.scenario.load
            # The floors first, then Rapport, back to back: the three share the machine's load.
            if floor is not None:
                if warmup:
                    run_load(floor.base_url, load, warmup, tool=tool)
                outcome.floor = run_load(floor.base_url, load, duration, tool=tool)
            if stack is not None:
                if warmup:
                    run_load(stack.base_url, load, warmup, tool=tool)
                outcome.stack = run_load(stack.base_url, load, duration, tool=tool)
            if warmup:
                run_load(server.base_url, load, warmup, tool=tool)
            outcome.result = run_load(server.base_url, load, duration, tool=tool)
            outcome.ratio = outcome.result.rps / baseline_rps if baseline_rps else 0.0
            floor_text = (
                f", floor {outcome.floor.rps:,.0f} req/s (Rapport x{outcome.of_floor or 0:.3f} of it)"
                if outcome.floor
                else ""
            ) + (
                f", stack floor {outcome.stack.rps:,.0f} req/s (Rapport x{outcome.of_stack or 0:.3f} of it)"
                if outcome.stack
                else ""
            )
            _say(
                f"{title}: {outcome.scenario.key}: {outcome.result.rps:,.0f} req/s "
                f"(x{outcome.ratio:.3f}){floor_text}, p50 {outcome.result.p50_ms:.1f} ms, "
                f"p99 {outcome.result.p99_ms:.1f} ms, {outcome.status_text}"
            )
        # At rest after the load: a worker hands freed heap back to the kernel once its last
        # request ends (app.httpserver, at most once every TRIM_SECONDS), as it would be
        # between a user's bursts.
        time.sleep(TRIM_SECONDS + 1)
        config.rss_after_mb = [rss_mb(pid) for pid in server.worker_pids()]
        config.outcomes = outcomes
    finally:
        for other in (floor, stack):
            if other is not None:
                other.stop()
        server.stop()
    return config


# ---- the run ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    smoke = args.smoke
    duration = args.duration or (1.0 if smoke else 10.0)
    warmup = args.warmup if args.warmup is not None else (0.0 if smoke else 2.0)
    tool = choose_tool(args.tool, smoke)
    pg_version = None if args.no_postgres else postgres_version(args.pg_url)
    if pg_version is None and not args.no_postgres and IN_CI:
        _say(f"CI=true and PostgreSQL is not reachable at {args.pg_url}")
        return 1
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    report = Report(
        mode="smoke" if smoke else "full",
        duration=duration,
        tool=tool,
        machine=describe_machine(pg_version, tool),
        warmup=warmup,
    )
    try:
        _run(
            args,
            report,
            work,
            smoke=smoke,
            duration=duration,
            warmup=warmup,
            tool=tool,
            pg_version=pg_version,
        )
    finally:
        if args.keep:
            _say(f"scratch directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report.machine.append(("Load average at end", Path("/proc/loadavg").read_text().split()[0]))
    body = render(report)
    print(body)
    output = args.output or (None if smoke else RESULTS)
    if output:
        write_results(output, body)
        _say(f"results written to {output}")
    failures = (
        [
            f"{config.title}: {outcome.scenario.key}: {outcome.status_text}"
            for config in report.configurations
            for outcome in config.outcomes
            if outcome.failed
        ]
        + [f"{c.title}: server did not start" for c in report.configurations if c.error]
        + [f"{c.title}: no floor" for c in report.configurations if c.floor_error]
    )
    _say(f"finished in {time.perf_counter() - started:.0f} s")
    if failures:
        for failure in failures:
            _say(f"FAILED {failure}")
        return 1
    return 0


def _run(
    args: argparse.Namespace,
    report: Report,
    work: Path,
    *,
    smoke: bool,
    duration: float,
    warmup: float,
    tool: str,
    pg_version: str | None,
) -> None:
    sqlite_url = f"sqlite:///{work / 'rapport.db'}"
    if args.db:
        _say(f"copying {args.db}")
        copy_sqlite(args.db, work / "rapport.db")
        report.notes.append(f"SQLite: a copy of {args.db} (not seeded by this run).")
        note = prepare_database(sqlite_url, keep_data=True)
        if note:
            report.notes.append(note)
        user = reuse_seeded(sqlite_url, "bench1")
    else:
        _say("preparing SQLite database")
        note = prepare_database(sqlite_url)
        if note:
            report.notes.append(note)
        user, seconds, described = seed(sqlite_url, args, smoke)
        _say(f"seeded SQLite in {seconds:.1f} s: {described}")
        report.timings.append(
            inprocess.Timing(
                "Seed, SQLite", f"{seconds:.1f} s", described, "< 120 s", seconds < 120
            )
        )

    _say("baseline")
    report.baseline = measure_baseline(work, tool, duration, warmup)
    baseline_rps = report.baseline.rps
    _say(f"baseline: {baseline_rps:,.0f} req/s, p99 {report.baseline.p99_ms:.1f} ms")

    common = {
        "work": work,
        "tool": tool,
        "duration": duration,
        "warmup": warmup,
        "baseline_rps": baseline_rps,
        "only": args.scenario,
    }
    report.configurations.append(
        run_configuration("SQLite, 1 worker", sqlite_url, 1, user, **common)
    )

    if args.scenario:
        report.notes.append("Only " + ", ".join(args.scenario) + "; no in-process timings.")
    else:
        _say("in-process timings")
        engine = make_engine(sqlite_url)
        try:
            report.timings.append(inprocess.time_search(engine, user))
            report.timings.extend(inprocess.time_imports(engine, rows=200 if smoke else 10_000))
            report.timings.append(inprocess.time_export(engine, user))
        finally:
            engine.dispose()

    if pg_version is None:
        report.notes.append(
            "PostgreSQL was skipped (--no-postgres)"
            if args.no_postgres
            else f"PostgreSQL was not reachable at {args.pg_url}; its scenarios did not run."
        )
        return
    pg_url = create_postgres_database(args.pg_url)
    try:
        _say(f"preparing PostgreSQL database {pg_url.rsplit('/', 1)[-1]}")
        note = prepare_database(pg_url)
        if note:
            report.notes.append("PostgreSQL: " + note)
        pg_user, seconds, described = seed(pg_url, args, smoke)
        _say(f"seeded PostgreSQL in {seconds:.1f} s")
        report.timings.append(
            inprocess.Timing("Seed, PostgreSQL", f"{seconds:.1f} s", described, "-", None)
        )
        # The smoke run only checks that PostgreSQL and several workers work: two workers do both.
        for workers in (2,) if smoke else (1, 2):
            title = f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}"
            report.configurations.append(
                run_configuration(title, pg_url, workers, pg_user, **common)
            )
        _compare_workers(report)
    finally:
        drop_postgres_database(args.pg_url, pg_url)


def _compare_workers(report: Report) -> None:
    """The issue's scaling target: two PostgreSQL workers at least 1.5 times one."""
    by_title = {c.title: c for c in report.configurations}
    one, two = by_title.get("PostgreSQL, 1 worker"), by_title.get("PostgreSQL, 2 workers")
    if not one or not two:
        return
    parts = []
    second_by_key = {o.scenario.key: o for o in two.outcomes}
    for first in one.outcomes:
        second = second_by_key.get(first.scenario.key)
        if first.result and second and second.result and first.result.rps:
            factor = second.result.rps / first.result.rps
            parts.append(f"{first.scenario.key} x{factor:.2f}")
    if parts:
        two.note = "Two workers vs one (target: at least x1.5): " + ", ".join(parts) + "."


if __name__ == "__main__":
    sys.exit(main())
