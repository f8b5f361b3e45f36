"""The HTTP scenarios, their targets, and how each is probed before it is loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from app.seed import SeededUser
from bench.loadgen import Load, LoadResult
from bench.search_bench import varied_queries

# The account-wide search target is stated at this many connections.
SEARCH_CONNECTIONS = 8
# Issue 17's targets beyond the per-scenario ones: each scenario on PostgreSQL with one worker
# at least this share of its rate on SQLite, and each worker's resident memory after the load.
PG_VS_SQLITE_MIN = 0.6
MEMORY_AFTER_LOAD_MAX_MB = 120


@dataclass(frozen=True)
class Target:
    """What the issue asks of a scenario (None: no target on that figure)."""

    min_ratio: float | None = None
    max_p99_ms: float | None = None
    max_p95_ms: float | None = None

    def describe(self) -> str:
        """The target in words, for the results table."""
        parts = []
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:.2f}x")
        if self.max_p95_ms is not None:
            parts.append(f"p95 < {self.max_p95_ms:g} ms")
        if self.max_p99_ms is not None:
            parts.append(f"p99 < {self.max_p99_ms:g} ms")
        return ", ".join(parts) or "-"

    def misses(self, result: LoadResult, ratio: float) -> list[str]:
        """How the result falls short, one phrase per missed figure (empty: met)."""
        missed = []
        if self.min_ratio is not None and ratio < self.min_ratio:
            missed.append(f"ratio {ratio:.3f} < {self.min_ratio:.2f}")
        if self.max_p95_ms is not None and result.p95_ms > self.max_p95_ms:
            missed.append(f"p95 {result.p95_ms:.1f} ms > {self.max_p95_ms:g}")
        if self.max_p99_ms is not None and result.p99_ms > self.max_p99_ms:
            missed.append(f"p99 {result.p99_ms:.1f} ms > {self.max_p99_ms:g}")
        if not result.ok:
            missed.append("errors")
        return missed


@dataclass(frozen=True)
class Scenario:
    """One kind of request, authenticated by a bearer token or a browser session."""

    key: str
    title: str
    load: Load
    target: Target
    expect_status: int = 200


@dataclass
class Outcome:
    """A scenario's fate: not available, failed its probe, or measured."""

    scenario: Scenario
    probe_status: int | None = None
    probe_detail: str = ""
    result: LoadResult | None = None
    ratio: float | None = None
    # The same load on the floor (bench/floor_app.py): its statements with no Rapport code.
    floor: LoadResult | None = None
    # The same load on the stack floor (bench/stack_app.py): those statements served through
    # FastAPI's parameters and dependencies and a SQLAlchemy Session, still no Rapport code.
    stack: LoadResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        """The endpoint exists (anything but 404 / 405 on the probe)."""
        return self.probe_status not in (404, 405)

    @property
    def status_text(self) -> str:
        """'ok', 'not available (404)', 'error 500: ...' or 'errors under load'."""
        if not self.available:
            return f"not available ({self.probe_status})"
        if self.result is None:
            return f"error {self.probe_status}: {self.probe_detail}"[:160]
        if not self.result.ok:
            return f"errors under load ({self.result.errors} socket, {self.result.non_2xx} non-2xx)"
        for name, floor in (("floor", self.floor), ("stack floor", self.stack)):
            if floor is not None and not floor.ok:
                return f"{name} errors ({floor.errors} socket, {floor.non_2xx} non-2xx)"
        return "ok"

    @property
    def failed(self) -> bool:
        """Available but broken, or its floor broken: what the smoke run refuses."""
        if not self.available:
            return False
        broken_floor = any(f is not None and not f.ok for f in (self.floor, self.stack))
        return self.result is None or not self.result.ok or broken_floor

    @property
    def of_floor(self) -> float | None:
        """Rapport's rate as a share of the floor's: what Rapport's own code leaves."""
        if self.result is None or self.floor is None or not self.floor.rps:
            return None
        return self.result.rps / self.floor.rps

    def verdict(self, baseline_rps: float) -> str:
        """'met', or each missed figure, and for a figure the stack floor misses too, its
        value there: no code on Rapport's stack meets that one (bench/stack_app.py)."""
        assert self.result is not None
        target = self.scenario.target
        misses = target.misses(self.result, self.ratio or 0.0)
        if not misses:
            return "met"
        stack_misses: dict[str, str] = {}
        if self.stack is not None and baseline_rps:
            for miss in target.misses(self.stack, self.stack.rps / baseline_rps):
                stack_misses[miss.split(" ", 1)[0]] = miss
        phrases = []
        for miss in misses:
            also = stack_misses.get(miss.split(" ", 1)[0])
            phrases.append(f"{miss} (stack floor too: {also})" if also else miss)
        return "missed: " + "; ".join(phrases)

    @property
    def of_stack(self) -> float | None:
        """Rapport's rate as a share of the stack floor's: what Rapport's code on its stack leaves."""
        if self.result is None or self.stack is None or not self.stack.rps:
            return None
        return self.result.rps / self.stack.rps


def build_scenarios(user: SeededUser, session_cookie: str, cookie_name: str) -> list[Scenario]:
    """The five scenarios of issue 17 (the HTML one as two pages), with its targets, and the
    account-wide search of issue 15, for one seeded user."""
    bearer = {"Authorization": f"Bearer {user.token}", "Accept": "application/json"}
    cookie = {"Cookie": f"{cookie_name}={session_cookie}", "Accept": "text/html"}
    interview_ids = user.interview_ids or [1]
    contact_ids = user.contact_ids[:500] or [1]
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    bodies = [
        json.dumps(
            {
                "contact_id": contact_id,
                "kind": "email",
                "occurred_at": now,
                "summary": "Benchmark: sent a short update and thanked them for the advice.",
            }
        )
        for contact_id in contact_ids[:200]
    ]
    return [
        Scenario(
            "contacts_list",
            "1. GET /api/v1/contacts?limit=50 (sorted by name)",
            Load(
                "GET",
                [
                    f"/api/v1/contacts?limit=50&sort=full_name&offset={o}"
                    for o in range(0, 1000, 50)
                ],
                bearer,
            ),
            Target(min_ratio=0.25, max_p99_ms=50),
        ),
        Scenario(
            "contacts_search",
            "2. GET /api/v1/contacts?q=<part of a name>&limit=20",
            Load(
                "GET",
                [f"/api/v1/contacts?q={quote(f)}&limit=20" for f in user.name_fragments],
                bearer,
            ),
            Target(max_p95_ms=20),
        ),
        Scenario(
            "search",
            f"2b. GET /api/v1/search?q=<varied>&limit=20 ({SEARCH_CONNECTIONS} connections)",
            Load(
                "GET",
                [f"/api/v1/search?q={quote(q)}&limit=20" for q in varied_queries(user)],
                bearer,
                connections=SEARCH_CONNECTIONS,
            ),
            Target(min_ratio=0.10, max_p95_ms=50),
        ),
        Scenario(
            "interview_detail",
            "3. GET /api/v1/interviews/{id}",
            Load("GET", [f"/api/v1/interviews/{i}" for i in interview_ids], bearer),
            Target(min_ratio=0.25),
        ),
        Scenario(
            "interview_agenda",
            "3b. GET /api/v1/interviews/{id}/questions (its agenda with answer notes)",
            Load("GET", [f"/api/v1/interviews/{i}/questions" for i in interview_ids], bearer),
            Target(min_ratio=0.25),
        ),
        Scenario(
            "dashboard_page",
            "4a. GET / (dashboard, HTML)",
            Load("GET", ["/"], cookie),
            Target(min_ratio=0.12),
        ),
        Scenario(
            "contacts_page",
            "4b. GET /contacts (contacts list page, HTML)",
            Load("GET", ["/contacts"], cookie),
            Target(min_ratio=0.12),
        ),
        Scenario(
            "interaction_write",
            "5. POST /api/v1/interactions (a write)",
            Load(
                "POST",
                ["/api/v1/interactions"],
                {**bearer, "Content-Type": "application/json"},
                bodies,
            ),
            # Zero errors: Target.misses counts any error or non-2xx as a miss.
            Target(min_ratio=0.12),
            expect_status=201,
        ),
    ]


def probe(base_url: str, scenario: Scenario) -> tuple[int, str]:
    """One request as the load will send it: (status, short detail)."""
    load = scenario.load
    response = httpx.request(
        load.method,
        base_url + load.paths[0],
        headers=load.headers,
        content=load.bodies[0] if load.bodies else None,
        timeout=30,
        follow_redirects=False,
    )
    detail = ""
    if response.status_code >= 300:
        try:
            body = response.json()
            detail = str(body.get("detail") or body.get("title") or "")
        except ValueError:
            detail = response.headers.get("location", "") or response.text[:120]
    return response.status_code, detail


def log_in(base_url: str, username: str, password: str, cookie_name: str) -> str:
    """Sign in through the HTML form, as a browser would; returns the session cookie."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        client.get("/login")
        response = client.post(
            "/login", data={"username": username, "password": password, "next": "/"}
        )
        value = response.cookies.get(cookie_name) or client.cookies.get(cookie_name)
        if response.status_code != 303 or not value:
            raise RuntimeError(f"login failed: {response.status_code} {response.text[:200]}")
        return value
