"""Opaque bearer credentials (session cookies, API tokens): stored only as SHA-256."""

from __future__ import annotations

import hashlib
from datetime import timedelta

# last_seen / last_used are written at most this often, so reads stay reads.
TOUCH_INTERVAL = timedelta(minutes=1)


def sha256_hex(value: str) -> str:
    """The hex SHA-256 of a credential: what the database keeps instead of the secret."""
    return hashlib.sha256(value.encode()).hexdigest()
