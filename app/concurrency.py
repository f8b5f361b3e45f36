"""The one version rule: a write names the version it read; a newer one refuses it."""

from __future__ import annotations

from app.errors import PreconditionFailed


def check_version(current: int, expected: int | None) -> None:
    """Refuse a write made against a stale version (If-Match or a form's version field)."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            detail="This record was changed since you loaded it. Reload to see the latest version.",
            current_version=current,
        )
