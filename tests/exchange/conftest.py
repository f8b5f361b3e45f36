"""LinkedIn Connections.csv files for the exchange suites, in LinkedIn's real layout."""

from __future__ import annotations

import csv
import io

# What LinkedIn writes above the header of Connections.csv (three lines, then the header).
PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    "are missing. You will only see email addresses for connections who have allowed their "
    "connections to see or download their email address using this setting "
    "https://www.linkedin.com/psettings/privacy/email. You can learn more about this here: "
    'https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
)
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
# The header is on line 4, so the first data row is line 5.
FIRST_LINE = 5


def connections_csv(
    rows: list[list[str]], *, header: list[str] | None = None, preamble: bool = True
) -> str:
    """A Connections.csv with these rows (each in HEADER's column order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return (PREAMBLE if preamble else "") + out.getvalue()


def person(
    first: str,
    last: str,
    slug: str,
    *,
    email: str = "",
    company: str = "",
    position: str = "",
    connected: str = "12 Mar 2024",
) -> list[str]:
    """One connection row."""
    return [first, last, f"https://www.linkedin.com/in/{slug}", email, company, position, connected]
