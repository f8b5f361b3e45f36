"""Every import reader keeps the one size limit and the one CSV record reading
(app.exchange.filelimits, app.exchange.spreadsheet.table)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.errors import Invalid, PayloadTooLarge
from app.exchange import filelimits
from app.exchange.contactfile import read_contact_file
from app.exchange.google import contacts as google
from app.exchange.linkedin import connections as linkedin
from app.exchange.spreadsheet import table
from app.exchange.vcard import addressbook as vcard

READERS: dict[str, Callable[[bytes], object]] = {
    "linkedin": linkedin.decode,
    "google": google.decode,
    "vcard": vcard.decode,
    "any CSV": table.decode_text,
    "any file": lambda raw: read_contact_file(raw, phone_region="US"),
}


@pytest.mark.parametrize("name", list(READERS))
def test_every_reader_refuses_a_file_over_the_one_limit(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filelimits, "MAX_IMPORT_BYTES", 40)
    content = b"BEGIN:VCARD\r\nFN:Ada\r\n" + b"NOTE:" + b"x" * 40 + b"\r\nEND:VCARD\r\n"
    with pytest.raises(PayloadTooLarge, match="split it into smaller files and import each"):
        READERS[name](content)


def test_google_and_any_csv_read_records_alike() -> None:
    # The same records, the same refusal of a wide record (worded for each), of a broken file.
    wide = "a," * 600
    text = f'First Name,Last Name\n{wide}\nAda,Lovelace\n"broken\n'
    sheet = table.parse(text, delimiter=",", phone_region="US")
    parsed = google.parse(text, phone_region="US")
    assert [r.full_name for r in sheet.parsed.rows] == ["Ada Lovelace"]
    assert [r.full_name for r in parsed.rows] == ["Ada Lovelace"]
    assert [p.field for p in sheet.parsed.problems] == ["row 2: file", "row 4: file"]
    assert [p.field for p in parsed.problems] == ["row 2: file", "row 4: file"]
    assert sheet.parsed.problems[0].message == "601 cells; at most 512 columns."
    assert parsed.problems[0].message == "601 cells; more than Google writes."
    assert parsed.problems[1].message.startswith("Not valid CSV")
    with pytest.raises(Invalid, match="more than 20,000 rows"):
        google.parse("Name\n" + "Ada\n" * 20_001, phone_region="US")
