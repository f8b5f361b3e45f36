"""How large an imported file may be, the same for every format, and the refusal of one that
is larger (docs/security.md: every file is bounded before it is read)."""

from __future__ import annotations

from app.errors import PayloadTooLarge

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000


def check_size(payload: str | bytes) -> None:
    """PayloadTooLarge, worded once for every format, when a file (bytes, or text counted
    as UTF-8) is over the size limit."""
    if len(payload) > MAX_IMPORT_BYTES or (
        isinstance(payload, str) and len(payload.encode()) > MAX_IMPORT_BYTES
    ):
        raise PayloadTooLarge(
            detail=f"The file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
            "split it into smaller files and import each."
        )
