"""Where one scenario spends its time: ``python -m bench.profile contacts_list``.

Serves Rapport (1 worker) on a seeded SQLite database (or, with ``--pg-url``, a PostgreSQL
one), loads one scenario with wrk while py-spy samples the worker, and prints the busy samples
by layer (whose code the time is spent in: Rapport's, the framework's, pydantic's,
SQLAlchemy's, the database driver's, the templates'), then the hottest functions: by own time,
by the deepest application frame (which line of app/ the time is spent under) and inclusively.
``python -m bench.profile --raw FILE`` summarises any py-spy raw profile the same way.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import exc as sa_exc

from app.errors import NotFound
from app.httpserver import MALLOC_ENV
from app.seed import SeededUser
from bench.floor_app import PLAN_ENV, STACK_ENV
from bench.loadgen import run_wrk
from bench.run import (
    COOKIE_NAME,
    capture_floor,
    prepare_database,
    rapport_env,
    reuse_seeded,
    seed,
)
from bench.scenarios import build_scenarios, log_in
from bench.servers import Server, start_uvicorn

# Which layer a frame belongs to, by the top-level package of its file (py-spy names files
# relative to sys.path, e.g. "fastapi/routing.py"). A sample counts for the layer of its
# deepest frame outside the standard library: the code that was running, or that called the
# C function or standard-library code that was.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Rapport (app/)", frozenset({"app"})),
    (
        "framework (fastapi, starlette, uvicorn, anyio, httptools, uvloop)",
        frozenset({"fastapi", "starlette", "uvicorn", "anyio", "httptools", "uvloop", "h11"}),
    ),
    ("validation, serialisation (pydantic)", frozenset({"pydantic", "pydantic_core"})),
    ("ORM and Core (sqlalchemy, sqlmodel)", frozenset({"sqlalchemy", "sqlmodel"})),
    ("database driver (sqlite3, psycopg)", frozenset({"sqlite3", "psycopg", "psycopg_pool"})),
    ("templates (jinja2, markupsafe)", frozenset({"jinja2", "markupsafe"})),
    ("the floor's replay (bench/, with --floor or --stack)", frozenset({"bench"})),
)
OTHER = "other"
# sqlite3 is a C module without Python frames: the time it takes shows as these SQLAlchemy
# frames (each one a direct DB-API call), so a sample whose deepest frame is one of them is
# the driver's, not the ORM's; the floor's own DB-API calls likewise.
DRIVER_CALLS = frozenset(
    {
        ("sqlalchemy/engine/default.py", name)
        for name in (
            "do_execute",
            "do_executemany",
            "do_execute_no_params",
            "do_commit",
            "do_rollback",
            "do_close",
            "connect",
        )
    }
    | {("sqlalchemy/engine/cursor.py", name) for name in ("fetchall", "fetchone", "fetchmany")}
    | {("bench/floor_app.py", name) for name in ("_execute", "_end", "_reset")}
)
_FRAME_RE = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frame_parts(frame: str) -> tuple[str, str]:
    """(file, bare function name) of a py-spy frame "Class.function (pkg/file.py:12)"."""
    match = _FRAME_RE.match(frame)
    if match is None:
        return "", frame
    return match["file"], match["function"].rsplit(".", 1)[-1]


def _package(file: str) -> str | None:
    """The top-level package of a file, None for the standard library and frozen modules."""
    if not file or file.startswith("<"):
        return None
    top = file.split("/", 1)[0].removesuffix(".py")
    if top in sys.stdlib_module_names and top != "sqlite3":
        return None
    return top


def layer_of(frames: list[str]) -> tuple[str, str]:
    """The layer of one sample, and the package that decided it (for the "other" detail)."""
    for frame in reversed(frames):
        file, function = _frame_parts(frame)
        package = _package(file)
        if package is None:
            continue
        if (file, function) in DRIVER_CALLS:
            return LAYERS[4][0], "sqlite3"
        for name, packages in LAYERS:
            if package in packages:
                return name, package
        return OTHER, package
    return OTHER, "standard library only"


def _deepest_app_frame(frames: list[str]) -> str:
    """The deepest frame in app/ (the one that decided a sample is Rapport's)."""
    return next((f for f in reversed(frames) if "(app/" in f), "")


def summarise(raw: Path, top: int) -> str:
    """py-spy's raw (collapsed) stacks by layer, then as three rankings."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    deepest_app: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    others: Counter[str] = Counter()
    app_files: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count_text = line.rsplit(" ", 1)
        count = int(count_text)
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue  # a thread with no Python frame (py-spy could not read its stack)
        if any("Condition.wait" in f or "Selector.select" in f for f in frames[-2:]):
            continue  # idle threads and the idle event loop
        if frames[-1].startswith("Runner.run (asyncio/runners.py"):
            continue  # uvloop's loop in C with no Python frame above it: waiting for events
        if frames[-1].startswith("DatabaseThreads._serve (app/web/threads.py"):
            continue  # a database thread waiting in its queue's get (C): no work of its own
        total += count
        own[frames[-1]] += count
        layer, package = layer_of(frames)
        layers[layer] += count
        if layer == OTHER:
            others[package] += count
        elif layer == LAYERS[0][0]:
            app_files[_frame_parts(_deepest_app_frame(frames))[0]] += count
        for frame in set(frames):
            inclusive[frame] += count
        app_frames = [f for f in frames if "(app/" in f]
        if app_frames:
            deepest_app[app_frames[-1]] += count
    if not total:
        return "no busy samples"

    def ranking(title: str, counter: Counter[str], only_app: bool = False) -> list[str]:
        rows = [(f, n) for f, n in counter.most_common() if not only_app or "(app/" in f]
        return [title, *[f"  {100 * n / total:5.1f}%  {f[:140]}" for f, n in rows[:top]]]

    lines = [f"{total} busy samples", "by layer (deepest frame outside the standard library):"]
    for name in [*(name for name, _ in LAYERS), OTHER]:
        lines.append(f"  {100 * layers[name] / total:5.1f}%  {name}")
    if others:
        detail = ", ".join(f"{p} {100 * n / total:.1f}%" for p, n in others.most_common(6))
        lines.append(f"          other: {detail}")
    if app_files:
        # Which of Rapport's modules its share is spent in (app/db.py's listeners include
        # the wait for SQLite's writer turn, which is the database's, not Rapport's, work).
        detail = ", ".join(f"{f} {100 * n / total:.1f}%" for f, n in app_files.most_common(8))
        lines.append(f"          app/: {detail}")
    lines += ranking("own time:", own)
    lines += ranking("deepest app/ frame:", deepest_app)
    lines += ranking("inclusive, app/ only:", inclusive, only_app=True)
    return "\n".join(lines)


def postgres_user(url: str, args: argparse.Namespace) -> SeededUser:
    """The bench's user of a PostgreSQL database: the one seeded before (seeding 100k contacts
    takes minutes, so a second profile reuses it), else the database migrated and seeded now.
    The database must exist; it is never dropped."""
    try:
        return reuse_seeded(url, "bench1")
    except (NotFound, sa_exc.ProgrammingError):  # no bench1, or no schema yet
        prepare_database(url)
        user, _, _ = seed(url, args, smoke=False)
        return user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument(
        "scenario", nargs="?", help="contacts_list, contacts_search, interview_detail, ..."
    )
    parser.add_argument("--raw", type=Path, help="only summarise this py-spy raw profile")
    databases = parser.add_mutually_exclusive_group()
    databases.add_argument("--db", type=Path, help="an already seeded SQLite file (user bench1)")
    databases.add_argument(
        "--pg-url",
        help="serve this existing PostgreSQL database, seeding it first unless it holds bench1",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="profile the floor (bench/floor_app.py) replaying the scenario, not Rapport",
    )
    parser.add_argument(
        "--stack",
        action="store_true",
        help="profile the stack floor (bench/stack_app.py) replaying the scenario, not Rapport",
    )
    parser.add_argument(
        "--gil",
        action="store_true",
        help="only samples holding the GIL: a database thread waiting on PostgreSQL in C "
        "(psycopg's Connection.wait) otherwise counts as busy",
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interviews", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=200_000)
    args = parser.parse_args(argv)
    if args.raw:
        print(summarise(args.raw, args.top))
        return 0
    if not args.scenario:
        parser.error("name a scenario (or --raw FILE)")
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is needed: .venv/bin/pip install py-spy")
    work = Path(tempfile.mkdtemp(prefix="rapport-profile-"))
    try:
        if args.pg_url:
            url = args.pg_url
            user = postgres_user(url, args)
        elif args.db:
            url = f"sqlite:///{args.db.resolve()}"
            user = reuse_seeded(url, "bench1")
        else:
            url = f"sqlite:///{work / 'rapport.db'}"
            prepare_database(url)
            user, _, _ = seed(url, args, smoke=False)
        (work / "data").mkdir(exist_ok=True)
        server = start_uvicorn(
            "profile",
            "app.main:_app_factory",
            factory=True,
            workers=1,
            env=rapport_env(url, work),
            log_dir=work,
        )
        floor: Server | None = None
        try:
            cookie = log_in(server.base_url, user.username, user.password, COOKIE_NAME)
            scenarios = {s.key: s for s in build_scenarios(user, cookie, COOKIE_NAME)}
            scenario = scenarios.get(args.scenario)
            if scenario is None:
                raise SystemExit(f"unknown scenario; choose from {', '.join(scenarios)}")
            target = server
            if args.floor or args.stack:
                plan = capture_floor(url, [scenario.load], work)
                stack = {STACK_ENV: "1"} if args.stack else {}
                floor = start_uvicorn(
                    "profile-floor",
                    "bench.floor_app:create",
                    factory=True,
                    workers=1,
                    env={**MALLOC_ENV, PLAN_ENV: str(plan), **stack},
                    log_dir=work,
                    ready_path="/floor-ready",
                )
                target = floor
            raw = work / "profile.raw"
            sampler = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--rate",
                    str(args.rate),
                    "--duration",
                    str(int(args.duration)),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--pid",
                    str(target.process.pid),
                    *(["--gil"] if args.gil else []),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = run_wrk(target.base_url, scenario.load, args.duration)
            sampler.wait(timeout=args.duration + 30)
        finally:
            if floor is not None:
                floor.stop()
            server.stop()
        print(
            f"{scenario.title}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, {result.non_2xx} non-2xx, {result.errors} errors"
        )
        print(summarise(raw, args.top) if raw.exists() else "py-spy wrote no profile")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
