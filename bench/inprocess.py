"""Timings taken in-process, against the seeded database through the services themselves:
text search, the contact import of every format and full JSON export (each only when the feature exists)."""

from __future__ import annotations

import csv
import importlib
import inspect
import io
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


EXPORT_MODULES = ("app.exchange.export.service",)
EXPORT_FUNCTIONS = ("export_json", "stream_export", "export_all", "full_export")
# Every format the one import reads, as the bench measures it: (format, label).
IMPORT_FORMATS = (
    ("linkedin", "LinkedIn CSV"),
    ("google", "Google CSV"),
    ("csv", "any CSV, mapped"),
    ("vcard", "vCard 3.0"),
)
# The spreadsheet's own headers, and the mapping a person would choose for them.
SHEET_MAPPING = {
    "name": "Contact Person",
    "email": "E-mail",
    "organization": "Employer",
    "title": "Role",
    "phone": "Cell",
    "tags": "Groups",
    "notes": "Remarks",
}


@dataclass(frozen=True)
class _Person:
    """One generated person, the same in every format."""

    first: str
    last: str
    slug: str
    email: str
    phone: str
    company: str
    role: str
    tag: str
    day: int


def _people(rows: int, seed: int, marker: str) -> list[_Person]:
    """``rows`` distinct people; ``marker`` keeps each format's people apart from the others'."""
    rng = random.Random(seed)
    people = []
    for index in range(rows):
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        # Valid North American numbers (area 201-989, exchange 200-999), some repeated.
        phone = (
            f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
            if rng.random() < 0.6
            else ""
        )
        people.append(
            _Person(
                first=first,
                last=last,
                slug=f"{first}-{last}-{marker}-{index:x}".lower(),
                email=f"{first}.{last}.{marker}{index}@mail.example".lower()
                if rng.random() < 0.5
                else "",
                phone=phone,
                company=f"{rng.choice(vocab.ORG_PREFIXES)} {rng.choice(vocab.ORG_SUFFIXES)}",
                role=rng.choice(vocab.ROLES),
                tag=rng.choice(vocab.TAGS),
                day=rng.randint(1, 28),
            )
        )
    return people


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def linkedin_csv(rows: int, seed: int = 11, marker: str = "import") -> str:
    """A LinkedIn "Connections.csv" export with ``rows`` people (with its preamble lines)."""
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some of the email addresses '
        'are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for p in _people(rows, seed, marker):
        lines.append(
            f"{p.first},{p.last},https://www.linkedin.com/in/{p.slug},{p.email},{p.company},"
            f"{p.role},{p.day:02d} Mar 2024"
        )
    return "\n".join(lines) + "\n"


def google_csv(rows: int, seed: int = 12, marker: str = "google") -> str:
    """A Google Contacts export (the current header style) with ``rows`` people."""
    header = [
        "First Name",
        "Middle Name",
        "Last Name",
        "Labels",
        "E-mail 1 - Label",
        "E-mail 1 - Value",
        "Phone 1 - Label",
        "Phone 1 - Value",
        "Organization Name",
        "Organization Title",
        "Website 1 - Label",
        "Website 1 - Value",
        "Notes",
    ]
    body = [
        [
            p.first,
            "",
            p.last,
            "* myContacts",
            "* Work" if p.email else "",
            p.email,
            "Mobile" if p.phone else "",
            p.phone,
            p.company,
            p.role,
            "Profile",
            f"https://www.linkedin.com/in/{p.slug}",
            f"Met at the {p.tag} day",
        ]
        for p in _people(rows, seed, marker)
    ]
    return "\ufeff" + _csv_text(header, body)


def sheet_csv(rows: int, seed: int = 13, marker: str = "sheet") -> str:
    """A hand-made spreadsheet (semicolons, its own headers: see SHEET_MAPPING)."""
    header = ["Contact Person", "E-mail", "Employer", "Role", "Cell", "Groups", "Remarks"]
    body = [
        [
            f"{p.first} {p.last}",
            p.email,
            p.company,
            p.role,
            p.phone,
            f"{p.tag}, imported",
            f"Profile https://www.linkedin.com/in/{p.slug}",
        ]
        for p in _people(rows, seed, marker)
    ]
    return _csv_text(header, body, delimiter=";")


def vcard_file(rows: int, seed: int = 14, marker: str = "vcard") -> str:
    """An address book of ``rows`` vCard 3.0 cards, as a phone exports it."""
    cards = []
    for p in _people(rows, seed, marker):
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{p.last};{p.first};;;",
            f"FN:{p.first} {p.last}",
            f"ORG:{p.company};",
            f"TITLE:{p.role}",
        ]
        if p.email:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK,pref:{p.email}")
        if p.phone:
            lines.append(f"TEL;TYPE=CELL:{p.phone}")
        lines += [
            f"URL:https://www.linkedin.com/in/{p.slug}",
            f"CATEGORIES:{p.tag},imported",
            f"NOTE:Met at the {p.tag} day\\nfollow up in spring",
            "END:VCARD",
        ]
        cards.append("\r\n".join(lines))
    return "\r\n".join(cards) + "\r\n"


def import_payload(file_format: str, rows: int, marker: str) -> bytes:
    """A ``rows``-row file of ``file_format`` whose people carry ``marker`` (so they are new)."""
    make = {
        "linkedin": linkedin_csv,
        "google": google_csv,
        "csv": sheet_csv,
        "vcard": vcard_file,
    }[file_format]
    return make(rows, marker=marker).encode()


def _new_account(engine: Engine, name: str) -> int:
    """A fresh account for one import, so each measurement starts from the same empty state."""
    from app.auth import service as auth_service
    from app.auth.schemas import UserCreate

    with open_session(engine, write=True) as session:
        password = "bench import passphrase"
        user = auth_service.create_user(session, UserCreate(username=name, password=password))
        assert user.id is not None
        return user.id


def time_import_format(
    engine: Engine, user_id: int, file_format: str, rows: int, *, dry_run: bool
) -> tuple[float, float]:
    """CPU and wall-clock seconds of one import (preview or commit) of a fresh ``rows``-row
    file (on PostgreSQL the server's work is in the wall-clock time only)."""
    from app.exchange.newcontacts.service import ImportOptions, import_file

    marker = f"{file_format}{'d' if dry_run else 'c'}"
    payload = import_payload(file_format, rows, marker)
    options = ImportOptions(
        file_format=file_format,
        mapping=dict(SHEET_MAPPING) if file_format == "csv" else None,
        dry_run=dry_run,
    )
    with open_session(engine, write=True) as session:
        user = session.get(User, user_id)
        started, wall = time.process_time(), time.perf_counter()
        preview = import_file(session, user, payload, options, phone_region="US")
        seconds, wall = time.process_time() - started, time.perf_counter() - wall
    if preview.new + preview.duplicates != rows or preview.invalid:
        raise RuntimeError(f"{file_format}: {preview.new} new, {preview.invalid} invalid")
    return seconds, wall


def time_imports(engine: Engine, rows: int = 10_000) -> list[Timing]:
    """The import of a ``rows``-row file of each format (preview, then commit) into a new
    account, in CPU seconds: the machine may be shared, and wall-clock time would measure
    the neighbours too."""
    target = "< 3 s CPU"
    timings = []
    stamp = f"{time.time_ns():x}"[-8:]
    for file_format, label in IMPORT_FORMATS:
        for dry_run in (True, False):
            mode = "preview" if dry_run else "commit"
            user_id = _new_account(engine, f"import-{file_format}-{mode}-{stamp}")
            seconds, wall = time_import_format(engine, user_id, file_format, rows, dry_run=dry_run)
            timings.append(
                Timing(
                    f"Import of a {rows:,}-row {label}, {mode}",
                    f"{seconds:.2f} s CPU ({wall:.2f} s wall-clock)",
                    "app.exchange.newcontacts.service.import_file, into a new account",
                    target,
                    seconds < 3,
                )
            )
    return timings


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.inprocess imports [--smoke] [--url URL]``: the import scenario alone,
    on a migrated database (a new SQLite file by default)."""
    import argparse
    import tempfile

    from app.db import make_engine
    from app.migrations import upgrade
    from app.registry import import_all_models

    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("scenario", choices=["imports"])
    parser.add_argument("--smoke", action="store_true", help="200 rows instead of 10,000")
    parser.add_argument("--url", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        url = args.url or f"sqlite:///{work}/imports.db"
        import_all_models()
        upgrade(url, "head")
        engine = make_engine(url)
        try:
            timings = time_imports(engine, rows=200 if args.smoke else 10_000)
        finally:
            engine.dispose()
    for timing in timings:
        print(f"{timing.name}: {timing.value}, target {timing.target}")
    return 0 if all(timing.met for timing in timings) else 1


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


if __name__ == "__main__":
    raise SystemExit(main())
