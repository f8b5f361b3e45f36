"""Where one scenario spends its time: ``python -m bench.profile contacts_list``.

Serves Rapport (1 worker) on a seeded SQLite database, loads one scenario with wrk while
py-spy samples the worker, and prints the hottest functions: by own time, by the deepest
application frame (which line of app/ the time is spent under) and inclusively.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from app.auth import service as auth_service
from app.auth.models import User
from app.contacts.models import Contact
from app.db import make_engine, open_session
from app.interviews.models import Interview
from app.seed import DEMO_PASSWORD, SeededUser
from app.tokens import service as tokens_service
from app.tokens.schemas import TokenCreate
from bench.loadgen import run_wrk
from bench.run import COOKIE_NAME, prepare_database, rapport_env, seed
from bench.scenarios import build_scenarios, log_in
from bench.servers import start_uvicorn


def _reuse(url: str, username: str) -> SeededUser:
    """A seeded user of an existing database, with a fresh token."""
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as session:
            user = auth_service.get_user_by_username(session, username)
            secret, _ = tokens_service.create_token(session, user, TokenCreate(name="profile"))
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


def summarise(raw: Path, top: int) -> str:
    """py-spy's raw (collapsed) stacks as three rankings."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    deepest_app: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count_text = line.rsplit(" ", 1)
        count = int(count_text)
        frames = stack.split(";")
        if any("Condition.wait" in f or "Selector.select" in f for f in frames[-2:]):
            continue  # idle threads and the idle event loop
        total += count
        own[frames[-1]] += count
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

    lines = [f"{total} busy samples"]
    lines += ranking("own time:", own)
    lines += ranking("deepest app/ frame:", deepest_app)
    lines += ranking("inclusive, app/ only:", inclusive, only_app=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("scenario", help="contacts_list, contacts_search, interview_detail, ...")
    parser.add_argument("--db", type=Path, help="an already seeded SQLite file (user bench1)")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interviews", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=200_000)
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is needed: .venv/bin/pip install py-spy")
    work = Path(tempfile.mkdtemp(prefix="rapport-profile-"))
    try:
        if args.db:
            url = f"sqlite:///{args.db.resolve()}"
            user = _reuse(url, "bench1")
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
        try:
            cookie = log_in(server.base_url, user.username, user.password, COOKIE_NAME)
            scenarios = {s.key: s for s in build_scenarios(user, cookie, COOKIE_NAME)}
            scenario = scenarios.get(args.scenario)
            if scenario is None:
                raise SystemExit(f"unknown scenario; choose from {', '.join(scenarios)}")
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
                    str(server.process.pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = run_wrk(server.base_url, scenario.load, args.duration)
            sampler.wait(timeout=args.duration + 30)
        finally:
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
