"""Every import is bounded before it starts: a pathological file at the size limit, in every
format, is refused with a 4xx within a second (docs/security.md).

One second is a bound on the work, not a benchmark: before the fix a CSV header of 30,000
columns took 6.8 s and a 2 MB one hours.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest

from app.config import Settings
from app.exchange.filelimits import MAX_IMPORT_BYTES
from tests.conftest import ApiClient

BOUND_SECONDS = 1.0
LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
LINKEDIN_ROW = (
    "Ada,Lovelace,https://www.linkedin.com/in/ada-{n},ada{n}@example.com,"
    "Analytical Engines,Engineer,12 Mar 2024\n"
)


def _fill(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """head + unit repeated + tail, as close to ``size`` bytes as the unit allows."""
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def _rows(size: int) -> str:
    """A real-looking Connections.csv, one row past the row limit or up to ``size``."""
    rows, total = [LINKEDIN_HEADER], len(LINKEDIN_HEADER)
    for n in range(20_001):
        row = LINKEDIN_ROW.format(n=n)
        if total + len(row) > size:
            break
        rows.append(row)
        total += len(row)
    return "".join(rows)


# Each shape attacks one thing a parser does per byte, per line, per cell or per level.
BANK_FILES: dict[str, Callable[[int], str]] = {
    "csv: a header of a million columns": lambda n: _fill(",text", n, "text"),
    "csv: a million blank lines": lambda n: _fill("\r\n", n, "text\r\n"),
    "csv: a million one-cell rows": lambda n: _fill("x\r\n", n, "text\r\n"),
    "csv: one line of the whole size": lambda n: _fill("x", n, "text\r\n"),
    "csv: rows of ten thousand cells": lambda n: _fill("," * 9_999 + "\n", n, "text\n"),
    "csv: one quoted cell over a million lines": lambda n: _fill("\n", n, 'text\r\n"', '"'),
    "json: nested a million deep": lambda n: _fill("[", n),
    "json: nested 900 deep, then wide": lambda n: (
        '{"x":' + "[" * 900 + _fill('"a",', n - 1900, "", '"a"') + "]" * 900 + "}"
    ),
    "json: a hundred thousand questions": lambda n: _fill(
        '{"text":"x"},', n, '{"name":"n","questions":[', '{"text":"x"}]}'
    ),
    "json: a hundred thousand bad questions": lambda n: _fill(
        '{"text":""},', n, '{"name":"n","questions":[', '{"text":""}]}'
    ),
    "json: a number of two million digits": lambda n: _fill("1", n),
    "md: a million lines of prose": lambda n: _fill("x\n", n),
    "md: half a million questions": lambda n: _fill("- q\n", n, "## Trends\n"),
    "md: one line of the whole size": lambda n: _fill("x", n, "## Trends\n- "),
    "md: a sub-item flood": lambda n: _fill("  - Why: x\n", n, "## Trends\n- q\n"),
    "md: indentation of the whole size": lambda n: _fill(" ", n, "## Trends\n- q\n", "y"),
}
LINKEDIN_FILES: dict[str, Callable[[int], str]] = {
    "a header of a million cells": lambda n: _fill(",", n, "First Name,Last Name"),
    "a preamble of a million cells": lambda n: _fill(",", n),
    "a million blank records": lambda n: _fill(",,,,,,\n", n),
    "a million rows": lambda n: _fill("a,b,,,,,\n", n, LINKEDIN_HEADER),
    "rows of four thousand cells": lambda n: _fill("a," * 4_000 + "\n", n, LINKEDIN_HEADER),
    "rows of eight thousand empty cells": lambda n: _fill("," * 8_000 + "\n", n, LINKEDIN_HEADER),
    "one row past the row limit": _rows,
}


def _timed(send: Callable[[], object]) -> tuple[int, float]:
    # CPU seconds of this test process (its request runs in-process), not wall time: the
    # finding was CPU burnt per upload, and other test workers loading the 2-core machine
    # must not make a linear parser look slow (or a quadratic one look fast).
    # Nor a full collection of the whole test process's heap, which the request's allocations
    # may happen to trigger late in a run: a CI run timed one such 20,001-row refusal at
    # 1.03 s CPU that takes 0.07 s alone. Collected before, so the request starts clean.
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        response = send()
        elapsed = time.process_time() - started
    finally:
        gc.enable()
    return response.status_code, elapsed  # type: ignore[attr-defined]


@pytest.mark.parametrize("shape", list(BANK_FILES))
def test_question_bank_import_refuses_a_pathological_file_quickly(
    api: ApiClient, settings: Settings, shape: str
) -> None:
    file_format = shape.split(":")[0]
    # The whole request must fit the body limit: leave room for the multipart framing.
    content = BANK_FILES[shape](settings.max_body_bytes - 1024).encode()
    status, elapsed = _timed(
        lambda: api.post(
            "/api/v1/question-banks/import",
            files={"file": (f"bank.{file_format}", content, "application/octet-stream")},
            data={"format": file_format},
        )
    )
    assert 400 <= status < 500, (shape, status)
    assert elapsed < BOUND_SECONDS, f"{shape}: {elapsed:.2f} s"


@pytest.mark.parametrize("shape", list(LINKEDIN_FILES))
def test_linkedin_import_refuses_a_pathological_file_quickly(api: ApiClient, shape: str) -> None:
    content = LINKEDIN_FILES[shape](MAX_IMPORT_BYTES).encode()
    assert len(content) <= MAX_IMPORT_BYTES
    status, elapsed = _timed(
        lambda: api.post(
            "/api/v1/import/linkedin",
            files={"file": ("Connections.csv", content, "text/csv")},
        )
    )
    assert 400 <= status < 500, (shape, status)
    assert elapsed < BOUND_SECONDS, f"{shape}: {elapsed:.2f} s"


@pytest.mark.parametrize("file_format", ["csv", "json", "md"])
def test_a_question_bank_at_the_question_limit_still_imports(
    api: ApiClient, settings: Settings, file_format: str
) -> None:
    """The bounds refuse shapes, not real banks: the largest allowed bank goes through."""
    count = settings.max_bank_questions
    texts = [f"What does day {n} of the job look like?" for n in range(count)]
    content = {
        "csv": "text,category\n" + "".join(f"{t},everyday work\n" for t in texts),
        "json": '{"name":"big","questions":['
        + ",".join(f'{{"text":"{t}","category":"everyday_work"}}' for t in texts)
        + "]}",
        "md": "# big\n\n## Everyday work\n\n" + "".join(f"- {t}\n  - Why: w\n" for t in texts),
    }[file_format]
    response = api.post(
        "/api/v1/question-banks/import",
        files={"file": (f"bank.{file_format}", content.encode(), "text/plain")},
        data={"format": file_format},
    )
    assert response.status_code == 201, response.text
    assert response.json()["question_count"] == count


# vCard: each shape attacks the unfolding, the parameter parser, the card or line counts.
_CARD = "BEGIN:VCARD\r\nFN:a\r\nEND:VCARD\r\n"
_PAD = "p" * 32


def _zip_bomb(size: int) -> bytes:
    """A zip archive named .vcf whose one member inflates to a thousand times its size."""
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("contacts.vcf", "BEGIN:VCARD\r\nNOTE:" + "x" * 50_000_000)
    return archive.getvalue()[:size]


VCARD_FILES: dict[str, Callable[[int], str | bytes]] = {
    "a million blank lines": lambda n: _fill("\r\n", n, "BEGIN:VCARD\r\n"),
    "one line of the whole size": lambda n: _fill("x", n, "BEGIN:VCARD\r\nFN:", "\r\nEND:VCARD"),
    "a million folds": lambda n: _fill("\r\n y", n, "BEGIN:VCARD\r\nFN:x", "\r\nEND:VCARD"),
    "folds into one line": lambda n: _fill(
        "\r\n " + _PAD, n, "BEGIN:VCARD\r\nFN:", "\r\nEND:VCARD"
    ),
    "quoted-printable soft breaks into one line": lambda n: _fill(
        _PAD + "=\r\n", n, "BEGIN:VCARD\r\nNOTE;ENCODING=QUOTED-PRINTABLE:", "x\r\nEND:VCARD"
    ),
    "a million parameters": lambda n: _fill(";a", n, "BEGIN:VCARD\r\nFN", ":x\r\nEND:VCARD"),
    "an unclosed quote": lambda n: _fill('"', n, "BEGIN:VCARD\r\nFN;a=", ":x\r\nEND:VCARD"),
    "a million empty cards": lambda n: _fill("BEGIN:VCARD\r\nEND:VCARD\r\n", n),
    "one card past the card limit": lambda n: _CARD * 20_001,
    "a card of a hundred thousand emails": lambda n: _fill(
        f"EMAIL:{_PAD}@example.com\r\n", n, "BEGIN:VCARD\r\nFN:x\r\n", "END:VCARD\r\n"
    ),
    "lines outside any card": lambda n: _fill(_PAD + "\r\n", n, _CARD),
    "nameless cards up to the size": lambda n: _fill(
        f"BEGIN:VCARD\r\nNOTE:{_PAD}\r\nEND:VCARD\r\n", n
    ),
    "a zip bomb named .vcf": _zip_bomb,
    "binary disguised as a card": lambda n: b"BEGIN:VCARD\r\n" + bytes(range(256)) * (n // 512),
}


@pytest.mark.parametrize("shape", list(VCARD_FILES))
def test_vcard_import_refuses_a_pathological_file_quickly(api: ApiClient, shape: str) -> None:
    made = VCARD_FILES[shape](MAX_IMPORT_BYTES)
    content = made.encode() if isinstance(made, str) else made
    assert len(content) <= MAX_IMPORT_BYTES
    status, elapsed = _timed(
        lambda: api.post(
            "/api/v1/import/vcard", files={"file": ("contacts.vcf", content, "text/vcard")}
        )
    )
    assert 400 <= status < 500, (shape, status)
    assert elapsed < BOUND_SECONDS, f"{shape}: {elapsed:.2f} s"


GOOGLE_HEADER = "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Notes\n"
GOOGLE_FILES: dict[str, Callable[[int], str]] = {
    "a header of a million cells": lambda n: _fill(",x", n, "First Name"),
    "a million blank records": lambda n: _fill(",,,,\n", n, GOOGLE_HEADER),
    "a million rows": lambda n: _fill("a,b,,,\n", n, GOOGLE_HEADER),
    "rows of a thousand cells": lambda n: _fill("a," * 1_000 + "\n", n, GOOGLE_HEADER),
    "one quoted cell over a million lines": lambda n: _fill(
        "\n", n, GOOGLE_HEADER + 'a,b,,,"', '"'
    ),
    "one row past the row limit": lambda n: (
        GOOGLE_HEADER + "".join(f"Ada,L{k},ada{k}@example.com,,\n" for k in range(20_001))
    ),
    "binary": lambda n: GOOGLE_HEADER + "\x00" * 1000,
}


@pytest.mark.parametrize("shape", list(GOOGLE_FILES))
def test_google_import_refuses_a_pathological_file_quickly(api: ApiClient, shape: str) -> None:
    content = GOOGLE_FILES[shape](MAX_IMPORT_BYTES).encode()
    assert len(content) <= MAX_IMPORT_BYTES
    status, elapsed = _timed(
        lambda: api.post(
            "/api/v1/import/google", files={"file": ("contacts.csv", content, "text/csv")}
        )
    )
    assert 400 <= status < 500, (shape, status)
    assert elapsed < BOUND_SECONDS, f"{shape}: {elapsed:.2f} s"
