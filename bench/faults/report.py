"""bench/FAULTS.md: each run replaces its own section, so the file keeps every run's latest."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

FAULTS_MD = Path(__file__).resolve().parents[1] / "FAULTS.md"
HEADER = (
    "# Faults and load: measured results\n\n"
    "Written by the scripts in `bench/faults/` (issue 16, part 2); each section is replaced by "
    "its script's latest run. The short versions run as tests in `tests/faults/`.\n"
)


def write_section(key: str, title: str, body: str) -> None:
    """Replace (or add) the section ``key`` with ``body`` and the machine it ran on."""
    text = FAULTS_MD.read_text() if FAULTS_MD.exists() else HEADER
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    stamp = (
        f"_{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}_"
    )
    section = f"{start}\n## {title}\n\n{stamp}\n\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    FAULTS_MD.write_text(text)
