"""Timings taken in-process, against the seeded database through the services themselves:
text search, LinkedIn CSV import and full JSON export (each only when the feature exists)."""

from __future__ import annotations

import importlib
import inspect
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.models import User
from app.db import open_session
from app.seed import SeededUser, vocab


@dataclass
class Timing:
    """One in-process measurement; ``value`` None means not measured, with the reason."""

    name: str
    value: str | None
    detail: str = ""
    target: str = ""
    met: bool | None = None


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def search_queries(user: SeededUser, count: int = 200, seed: int = 7) -> list[str]:
    """Varied queries: name fragments, topics, skills and tools from the generated notes."""
    rng = random.Random(seed)
    words = [
        *user.name_fragments,
        *vocab.TOPICS,
        *[s.lower() for s in vocab.SKILLS],
        *[t.lower() for t in vocab.TOOLS],
        *[n.lower() for n in vocab.LAST_NAMES],
    ]
    return [rng.choice(words) for _ in range(count)]


def _call(function: Callable[..., Any], extra: dict[str, Any], *args: Any) -> Any:
    return function(*args, **extra)


def _search_function() -> tuple[str, Callable[[Session, User, str], Any]]:
    """The search service when one exists; else the contacts list with ``q``."""
    try:
        search_service = importlib.import_module("app.search.service")
    except ModuleNotFoundError:
        search_service = None
    if search_service is not None:
        for name in ("search", "search_all", "run_search"):
            found = getattr(search_service, name, None)
            if callable(found):
                extra = {"limit": 20} if "limit" in inspect.signature(found).parameters else {}
                return f"app.search.service.{name}", partial(_call, found, extra)
    from app.contacts import service as contacts

    return (
        "the API's contacts list with q (contact_read_page; no global search service yet)",
        lambda s, u, q: contacts.contact_read_page(s, u, contacts.ContactFilters(q=q), limit=20),
    )


def time_search(engine: Engine, seeded: SeededUser) -> Timing:
    """200 varied queries, one session each as a request would have; p50 / p95 in ms."""
    label, search = _search_function()
    durations = []
    with open_session(engine) as session:
        user = session.get(User, seeded.user_id)
        assert user is not None
        session.expunge(user)
    for query in search_queries(seeded):
        with open_session(engine) as session:
            started = time.perf_counter()
            search(session, user, query)
            durations.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(durations), _percentile(durations, 0.95)
    return Timing(
        "Text search, 200 varied queries",
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        detail=label,
        target="p95 < 20 ms",
        met=p95 < 20,
    )


def _find(
    module_names: tuple[str, ...], function_names: tuple[str, ...]
) -> Callable[..., Any] | None:
    for module_name in module_names:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for function_name in function_names:
            function = getattr(module, function_name, None)
            if callable(function):
                return function
    return None


IMPORT_MODULES = ("app.exchange.linkedin.service",)
IMPORT_FUNCTIONS = ("import_linkedin_csv", "import_linkedin", "import_contacts_csv")
EXPORT_MODULES = ("app.exchange.export.service",)
EXPORT_FUNCTIONS = ("export_json", "stream_export", "export_all", "full_export")


def linkedin_csv(rows: int, seed: int = 11) -> str:
    """A LinkedIn "Connections.csv" export with ``rows`` people (with its preamble lines)."""
    rng = random.Random(seed)
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some of the email addresses '
        'are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for index in range(rows):
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        slug = f"{first}-{last}-import-{index:x}".lower()
        email = f"{first}.{last}.{index}@mail.example".lower() if rng.random() < 0.3 else ""
        company = f"{rng.choice(vocab.ORG_PREFIXES)} {rng.choice(vocab.ORG_SUFFIXES)}"
        lines.append(
            f"{first},{last},https://www.linkedin.com/in/{slug},{email},{company},"
            f"{rng.choice(vocab.ROLES)},{rng.randint(1, 28):02d} Mar 2024"
        )
    return "\n".join(lines) + "\n"


def time_import(engine: Engine, seeded: SeededUser, rows: int = 10_000) -> Timing:
    """Import of a LinkedIn CSV, when an import exists."""
    target = "< 3 s"
    function = _find(IMPORT_MODULES, IMPORT_FUNCTIONS)
    if function is None:
        return Timing(f"Import of a {rows:,}-row LinkedIn CSV", None, "not built yet", target)
    payload = linkedin_csv(rows)
    with open_session(engine, write=True) as session:
        user = session.get(User, seeded.user_id)
        started = time.perf_counter()
        function(session, user, payload)
        seconds = time.perf_counter() - started
    return Timing(
        f"Import of a {rows:,}-row LinkedIn CSV",
        f"{seconds:.2f} s",
        f"{function.__module__}.{function.__name__}",
        target,
        seconds < 3,
    )


def time_export(engine: Engine, seeded: SeededUser) -> Timing:
    """A full JSON export with its peak memory growth (tracemalloc), when an export exists."""
    target = "< 10 s, peak growth < 100 MB"
    function = _find(EXPORT_MODULES, EXPORT_FUNCTIONS)
    if function is None:
        return Timing("Full JSON export", None, "not built yet", target)
    with open_session(engine) as session:
        user = session.get(User, seeded.user_id)
        tracemalloc.start()
        started = time.perf_counter()
        produced = function(session, user)
        size = 0
        if not isinstance(produced, str | bytes):  # a stream: consume it as a response would
            for chunk in produced:
                size += len(chunk)
        else:
            size = len(produced)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    peak_mb = peak / 1024 / 1024
    return Timing(
        "Full JSON export",
        f"{seconds:.2f} s, peak +{peak_mb:.0f} MB, {size / 1024 / 1024:.0f} MB out",
        f"{function.__module__}.{function.__name__}",
        target,
        seconds < 10 and peak_mb < 100,
    )
